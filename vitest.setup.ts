import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { afterAll } from "vitest";
import { createPgDatabase, dropPgDatabases } from "./fixtures/harness/databases";
import { disconnect } from "./lib/db";

// Each test file runs against its own real database — a copy of the migrated template: a SQLite
// file, or with STEPWISE_TEST_PG=1 a PostgreSQL database made from stepwise_template — and its
// own data dir, so tests never share state or depend on order (copies a test makes of its database,
// fixtures/harness/databases.ts, go with it).
const id = crypto.randomUUID();
const dir = path.resolve(".tmp/vitest", id);
fs.mkdirSync(dir, { recursive: true });
process.env.STEPWISE_DATA_DIR = path.join(dir, "data");
const adminUrl = process.env.STEPWISE_TEST_PG_ADMIN_URL;
const database = `t_${id.replaceAll("-", "")}`;

if (adminUrl) {
  process.env.DATABASE_URL = await createPgDatabase(adminUrl, database, "stepwise_template");
} else {
  const template = path.resolve(".tmp/vitest/template.db");
  fs.copyFileSync(template, path.join(dir, "stepwise.db"));
  process.env.DATABASE_URL = `file:${path.join(dir, "stepwise.db")}`;
}

afterAll(async () => {
  await disconnect();
  fs.rmSync(dir, { recursive: true, force: true });
  if (adminUrl) await dropPgDatabases(adminUrl, database);
});
