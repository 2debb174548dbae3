// Tiers of tests (see README): unit, render, engine/e2e, and the package as a user installs it.
const base = { preset: "ts-jest", testEnvironment: "node", transform: { "^.+\\.ts$": ["ts-jest", { diagnostics: false }] },
    // plugin/index.ts imports the built library (../bin); its tests take the sources.
    moduleNameMapper: { "^\\.\\./bin$": "<rootDir>/components/index.ts" } };
module.exports = {
    projects: [
        { ...base, displayName: "unit", testMatch: ["<rootDir>/components/**/*.test.ts", "<rootDir>/stacks/**/*.test.ts", "<rootDir>/scripts/**/*.test.ts", "<rootDir>/tests/unit/**/*.test.ts"] },
        { ...base, displayName: "render", testMatch: ["<rootDir>/tests/render/**/*.test.ts"] },
        { ...base, displayName: "engine", testMatch: ["<rootDir>/tests/engine/**/*.test.ts"] },
        { ...base, displayName: "e2e", testMatch: ["<rootDir>/tests/e2e/**/*.e2e.test.ts"] },
        { ...base, displayName: "package", testMatch: ["<rootDir>/tests/package/**/*.test.ts"] },
    ],
    testTimeout: 1800000,
    // A worker that ran the e2e tier (browsers, state files read whole) is replaced before it runs another file.
    workerIdleMemoryLimit: "1GB",
};
