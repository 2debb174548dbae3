// Lint: the recommended rules of ESLint and typescript-eslint, over the library, stacks, scripts and tests.
const js = require("@eslint/js");
const tseslint = require("typescript-eslint");
const globals = require("globals");

module.exports = tseslint.config(
    { ignores: ["node_modules/", "bin/", "**/*.js", "tests/engine/fixture/**"] },
    js.configs.recommended,
    ...tseslint.configs.recommended,
    { files: ["**/*.mjs"], languageOptions: { globals: globals.node } },
    {
        rules: {
            "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_" }],
        },
    },
);
