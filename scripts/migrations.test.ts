import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect, it } from "vitest";

// Several branches add migrations at once: after a merge, the migrations must still produce exactly
// prisma/schema.prisma (a migration generated against an older schema could drop another's column).
it("the committed migrations produce exactly prisma/schema.prisma (no drift)", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "stepwise-drift-"));
  const result = spawnSync(process.execPath, ["scripts/prisma-wasm-migrate.mjs", "diff"], {
    encoding: "utf8",
    env: { ...process.env, DATABASE_URL: `file:${path.join(dir, "drift.db")}` },
  });
  fs.rmSync(dir, { recursive: true, force: true });
  expect(result.status, result.stderr).toBe(0);
  expect(result.stdout.trim()).toBe("-- This is an empty migration.");
});
