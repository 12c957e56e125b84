import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import pg from "pg";
import { afterAll } from "vitest";
import { disconnect } from "./lib/db";

// Each test file runs against its own real database — a copy of the migrated template: a SQLite
// file, or with STEPWISE_TEST_PG=1 a PostgreSQL database made from stepwise_template — and its
// own data dir, so tests never share state or depend on order.
const id = crypto.randomUUID();
const dir = path.resolve(".tmp/vitest", id);
fs.mkdirSync(dir, { recursive: true });
process.env.STEPWISE_DATA_DIR = path.join(dir, "data");
const adminUrl = process.env.STEPWISE_TEST_PG_ADMIN_URL;
const database = `t_${id.replaceAll("-", "")}`;

if (adminUrl) {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${database} TEMPLATE stepwise_template`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${database}`;
  process.env.DATABASE_URL = url.toString();
} else {
  const template = path.resolve(".tmp/vitest/template.db");
  fs.copyFileSync(template, path.join(dir, "stepwise.db"));
  process.env.DATABASE_URL = `file:${path.join(dir, "stepwise.db")}`;
}

afterAll(async () => {
  await disconnect();
  fs.rmSync(dir, { recursive: true, force: true });
  if (adminUrl) {
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    try {
      await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    } finally {
      await admin.end();
    }
  }
});
