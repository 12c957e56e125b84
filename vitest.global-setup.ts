import fs from "node:fs";
import path from "node:path";
import pg from "pg";
import { deployMigrations } from "./scripts/migrate-core.mjs";
import { startCluster } from "./scripts/pg-cluster.mjs";

// One migrated template database per test run (through the real migrations); every test file
// gets its own copy of it in vitest.setup.ts.
// STEPWISE_TEST_PG=1 (docs/design.md §14): the same on PostgreSQL — a throw-away cluster
// (initdb/pg_ctl in a temp dir, as an unprivileged user when run as root; scripts/pg-cluster.mjs),
// or the server at STEPWISE_TEST_PG_URL (a superuser URL) when given; a template database
// `stepwise_template` migrated once, copied per test file with CREATE DATABASE … TEMPLATE.
export default async function setup(): Promise<(() => Promise<void>) | void> {
  const dir = path.resolve(".tmp/vitest");
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  if (process.env.STEPWISE_TEST_PG !== "1") {
    const template = path.join(dir, "template.db");
    await deployMigrations(`file:${template}`);
    process.env.STEPWISE_TEST_TEMPLATE_DB = template;
    return;
  }
  const cluster = process.env.STEPWISE_TEST_PG_URL ? null : await startCluster();
  const adminUrl = process.env.STEPWISE_TEST_PG_URL ?? cluster!.url;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query("DROP DATABASE IF EXISTS stepwise_template");
    await admin.query("CREATE DATABASE stepwise_template");
  } finally {
    await admin.end();
  }
  const templateUrl = new URL(adminUrl);
  templateUrl.pathname = "/stepwise_template";
  await deployMigrations(templateUrl.toString());
  process.env.STEPWISE_TEST_PG_ADMIN_URL = adminUrl;
  return async () => {
    cluster?.stop();
  };
}
