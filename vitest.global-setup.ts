import fs from "node:fs";
import path from "node:path";
import { deployMigrations } from "./scripts/migrate-core.mjs";

// One migrated template database per test run (through the real migrations); every test file
// gets its own copy of it in vitest.setup.ts.
export default async function setup(): Promise<void> {
  const dir = path.resolve(".tmp/vitest");
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  const template = path.join(dir, "template.db");
  await deployMigrations(`file:${template}`);
  process.env.STEPWISE_TEST_TEMPLATE_DB = template;
}
