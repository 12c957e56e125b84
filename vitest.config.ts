import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";
import { PG_SKIPS } from "./scripts/pg-skips.mjs";

// STEPWISE_TEST_PG=1: the integration suite (*.int.test.ts) and the PostgreSQL-only checks
// (*.pg.test.ts) on a throw-away PostgreSQL cluster (vitest.global-setup.ts), less the files named
// in scripts/pg-skips.mjs with their reasons (STEPWISE_PG_RUN_SKIPPED=1 runs them too: porting an area
// means running its listed files on PostgreSQL). Otherwise: everything on SQLite.
const onPostgres = process.env.STEPWISE_TEST_PG === "1";
const pgSkips = process.env.STEPWISE_PG_RUN_SKIPPED === "1" ? [] : PG_SKIPS.map((s: { file: string }) => s.file);

export default defineConfig({
  resolve: { alias: { "@": fileURLToPath(new URL("./", import.meta.url)) } },
  test: {
    include: onPostgres
      ? ["lib/**/*.int.test.ts", "scripts/**/*.int.test.ts", "scripts/**/*.pg.test.ts", "lib/**/*.pg.test.ts"]
      : ["lib/**/*.test.ts", "lib/**/*.test.tsx", "components/**/*.test.ts", "scripts/**/*.test.ts", "bench/**/*.test.ts"],
    exclude: onPostgres ? ["**/node_modules/**", ...pgSkips] : ["**/node_modules/**", "**/*.pg.test.ts"],
    environment: "node",
    globalSetup: ["./vitest.global-setup.ts"],
    // Two files at a time: vitest's default leaves one of this machine's two cores idle, and every test file
    // already has its own database (a copy of the template, vitest.setup.ts) and its own ports, on both dialects.
    maxWorkers: 2,
    setupFiles: ["./vitest.setup.ts"],
    // PostgreSQL: every statement is a round trip (SQLite's are function calls), so seeding the demo takes longer
    testTimeout: onPostgres ? 240_000 : 60_000,
    hookTimeout: onPostgres ? 240_000 : 60_000,
  },
});
