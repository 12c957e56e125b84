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
    // A hang guard, not a time budget: tests that spawn the CLI a few times in a row (a tsx start-up each)
    // take over a minute when the machine is busy, on SQLite as on PostgreSQL (where every statement is a
    // round trip, so seeding the demo takes longer still).
    testTimeout: 240_000,
    hookTimeout: 240_000,
  },
});
