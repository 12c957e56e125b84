import { spawnSync } from "node:child_process";
import { expect, it } from "vitest";

// The PostgreSQL twin of scripts/migrations.test.ts (runs in the PostgreSQL pass, STEPWISE_TEST_PG=1):
// prisma/postgres/migrations replayed on a shadow database must produce exactly the generated
// prisma/postgres/schema.prisma. A branch that added a SQLite migration without its PostgreSQL
// twin fails here; make it with `node scripts/prisma-wasm-migrate.mjs --postgres dev --name <same name>`.
it("the committed PostgreSQL migrations produce exactly prisma/postgres/schema.prisma (no drift)", () => {
  const result = spawnSync(process.execPath, ["scripts/prisma-wasm-migrate.mjs", "diff"], {
    encoding: "utf8",
    env: { ...process.env, DATABASE_URL: process.env.DATABASE_URL },
  });
  expect(result.status, result.stderr).toBe(0);
  expect(result.stdout.trim()).toBe("-- This is an empty migration.");
});
