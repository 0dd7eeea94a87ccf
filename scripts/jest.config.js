module.exports = { ...require("../jest.base.js"), displayName: "cli", setupFilesAfterEnv: ["<rootDir>/../jest.embedded-db.js"] };
