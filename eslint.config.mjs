import js from "@eslint/js";
import nextPlugin from "@next/eslint-plugin-next";
import reactHooks from "eslint-plugin-react-hooks";
import tseslint from "typescript-eslint";

const SERVER_ONLY = {
  patterns: [
    { group: ["@/lib/services", "@/lib/services/**", "**/lib/services/**"], message: "Client code talks to the server through /api and lib/queries, not lib/services." },
    { group: ["@/lib/db", "**/lib/db"], message: "Client code must not import the database client." },
    { group: ["@/lib/generated/*", "@prisma/*", "better-sqlite3"], message: "Client code must not import Prisma or SQLite." },
    { group: ["@/lib/cli/*", "@/scripts/*"], message: "Client code must not import the CLI or scripts." },
  ],
};

export default tseslint.config(
  { ignores: [".next/**", "node_modules/**", "lib/generated/**", "data/**", ".tmp/**", "test-results/**", "next-env.d.ts", "bench/out/**"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    plugins: { "react-hooks": reactHooks, "@next/next": nextPlugin },
    rules: {
      ...reactHooks.configs.recommended.rules,
      ...nextPlugin.configs.recommended.rules,
      ...nextPlugin.configs["core-web-vitals"].rules,
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", destructuredArrayIgnorePattern: "^_" }],
      "@typescript-eslint/no-non-null-assertion": "off",
    },
  },
  {
    files: ["components/**/*.{ts,tsx}", "lib/queries/**/*.ts", "app/providers.tsx", "lib/shortcuts.ts", "lib/review/**/*.ts"],
    rules: { "no-restricted-imports": ["error", SERVER_ONLY] },
  },
  {
    files: ["**/*.mjs", "scripts/**/*.mjs", "bin/**/*.mjs"],
    languageOptions: { globals: { process: "readonly", console: "readonly", URL: "readonly", WebAssembly: "readonly", globalThis: "readonly" } },
  },
);
