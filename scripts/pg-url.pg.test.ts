import fs from "node:fs";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { poolConfig } from "@/lib/db";
import { pendingMigrations } from "./migrate-core.mjs";
import { startCluster, type Cluster } from "./pg-cluster.mjs";

// sslmode as every connection reads it (scripts/pg-url.mjs), against a real server that takes SSL
// with a self-signed certificate whose name is not 127.0.0.1 — what a managed database with its own
// CA looks like from here. The app's pool and the migration runner must agree: before, the runner
// read `require` as libpq does and the pool as `verify-full`, so migrations passed and the app failed.
let cluster: Cluster;
beforeAll(async () => {
  cluster = await startCluster({ ssl: true });
});
afterAll(() => cluster?.stop());

const url = (query: string) => `${cluster.url}?${query}`;

/** Whether the app's pool connects with this URL, and over SSL. */
async function poolSees(query: string): Promise<{ ssl: boolean } | { error: string }> {
  const pool = new pg.Pool({ ...poolConfig(url(query)), max: 1, connectionTimeoutMillis: 10_000 });
  try {
    const row = (await pool.query("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")).rows[0] as { ssl: boolean };
    const settings = (await pool.query("SELECT current_setting('TimeZone') AS tz, current_setting('jit') AS jit")).rows[0];
    expect(settings).toEqual({ tz: "UTC", jit: "off" }); // the pool's own options survive the URL's
    return { ssl: row.ssl };
  } catch (error) {
    return { error: (error as Error).message };
  } finally {
    await pool.end();
  }
}

/** Whether the migration runner's connection gets through with this URL. */
async function runnerSees(query: string): Promise<"connected" | { error: string }> {
  try {
    await pendingMigrations(url(query));
    return "connected";
  } catch (error) {
    return { error: (error as Error).message };
  }
}

describe("sslmode on a server with a self-signed certificate", () => {
  it("require: the pool and the migration runner both connect, encrypted", async () => {
    expect(await poolSees("sslmode=require")).toEqual({ ssl: true });
    expect(await runnerSees("sslmode=require")).toBe("connected");
  });

  it("disable and no sslmode: plain connections", async () => {
    expect(await poolSees("sslmode=disable")).toEqual({ ssl: false });
    expect(await poolSees("application_name=x")).toEqual({ ssl: false });
  });

  it("verify-full: both refuse the unknown certificate; with it as the root, the name 127.0.0.1 still fails", async () => {
    for (const seen of [await poolSees("sslmode=verify-full"), await runnerSees("sslmode=verify-full")]) {
      expect(seen).toEqual({ error: expect.stringMatching(/self[- ]signed certificate/) });
    }
    const root = path.join(cluster.dir, "root.crt");
    fs.copyFileSync(path.join(cluster.dir, "data", "server.crt"), root);
    expect(await poolSees(`sslmode=verify-full&sslrootcert=${root}`)).toEqual({ error: expect.stringMatching(/Hostname\/IP does not match|altnames/) });
  });

  it("verify-ca with the certificate as the root: the chain is checked, not the name", async () => {
    const root = path.join(cluster.dir, "root-ca.crt");
    fs.copyFileSync(path.join(cluster.dir, "data", "server.crt"), root);
    expect(await poolSees(`sslmode=verify-ca&sslrootcert=${root}`)).toEqual({ ssl: true });
    expect(await runnerSees(`sslmode=verify-ca&sslrootcert=${root}`)).toBe("connected");
  });
});
