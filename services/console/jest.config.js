module.exports = { ...require("../../jest.base.js"), displayName: "console" };
