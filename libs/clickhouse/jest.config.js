module.exports = { ...require("../../jest.base.js"), displayName: "clickhouse", setupFilesAfterEnv: ["<rootDir>/../../jest.embedded-db.js"] };
