import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { afterAll } from "vitest";
import { disconnect } from "./lib/db";

// Each test file runs against its own real SQLite file (a copy of the migrated template) and its
// own data dir, so tests never share state or depend on order.
const template = path.resolve(".tmp/vitest/template.db");
const dir = path.resolve(".tmp/vitest", crypto.randomUUID());
fs.mkdirSync(dir, { recursive: true });
fs.copyFileSync(template, path.join(dir, "stepwise.db"));
process.env.DATABASE_URL = `file:${path.join(dir, "stepwise.db")}`;
process.env.STEPWISE_DATA_DIR = path.join(dir, "data");

afterAll(async () => {
  await disconnect();
  fs.rmSync(dir, { recursive: true, force: true });
});
