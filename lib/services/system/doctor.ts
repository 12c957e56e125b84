import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { dataDir, env, sqliteFile } from "@/lib/env";
import { dialectOf, pendingMigrations } from "@/scripts/migrate-core.mjs";
import { pgFields } from "@/scripts/pg-url.mjs";
import type { RecoveryReport } from "@/lib/recovery/recovery";

// Environment checks for `stepwise doctor`: each check says what it looked at and how to fix it.

export interface Check {
  name: string;
  ok: boolean;
  detail: string;
  fix?: string;
}

export interface DoctorReport {
  ok: boolean;
  /** The database dialect DATABASE_URL selects (docs/design.md §14); null when the URL is invalid. */
  dialect: "sqlite" | "postgres" | null;
  checks: Check[];
  /** What dead processes left behind (lib/recovery): stale runs, imports, exports, jobs, upload folders, orphan files. */
  recovery: RecoveryReport | null;
}

export interface DoctorOptions {
  /** Repair what recovery finds (`doctor --fix`). */
  fix?: boolean;
}

export async function runDoctor(options: DoctorOptions = {}): Promise<DoctorReport> {
  const checks: Check[] = [];
  const major = Number(process.versions.node.split(".")[0]);
  checks.push({ name: "node", ok: major >= 20, detail: `Node.js ${process.versions.node}`, fix: "install Node.js 20.19+ or 22.12+" });

  const url = env().DATABASE_URL;
  const file = sqliteFile(url);
  let dialect: DoctorReport["dialect"] = null;
  try {
    dialect = dialectOf(url);
  } catch (error) {
    checks.push({ name: "database", ok: false, detail: (error as Error).message, fix: "set DATABASE_URL to file:<path> or postgresql://user:password@host:port/database" });
  }
  let reachable = false;
  if (dialect === "postgres") {
    reachable = await checkPostgres(url, checks);
  } else if (file) {
    try {
      const { default: Database } = await import("better-sqlite3");
      const exists = fs.existsSync(file);
      if (exists) {
        const handle = new Database(file, { readonly: true });
        handle.prepare("SELECT 1").get();
        handle.close();
      }
      reachable = exists;
      checks.push({ name: "database", ok: exists, detail: exists ? `SQLite ${file}` : `${file} does not exist yet`, fix: "run `npm start` or any stepwise command that uses the database" });
    } catch (error) {
      checks.push({ name: "database", ok: false, detail: `${file}: ${(error as Error).message}` });
    }
  }
  if (dialect) {
    const pending = await pendingMigrations(url).catch((error: Error) => [`(${error.message})`]);
    checks.push({
      name: "migrations",
      ok: reachable && pending.length === 0,
      detail: pending.length ? `pending: ${pending.join(", ")}` : "all migrations applied",
      fix: "npm run db:migrate:deploy",
    });
  }

  let recovery: RecoveryReport | null = null;
  if (reachable && checks.find((c) => c.name === "migrations")?.ok) {
    // loaded only with a usable database: the recovery module brings the services with it
    const { recover } = await import("@/lib/recovery/recovery");
    try {
      recovery = await recover({ fix: Boolean(options.fix) });
      const open = recovery.findings.filter((f) => !f.fixed);
      const kinds = [...new Set(open.map((f) => f.kind))].join(", ");
      checks.push({
        name: "recovery",
        ok: open.length === 0,
        detail: open.length
          ? `${open.length} left behind by stopped processes (${kinds})${recovery.fixed ? `; ${recovery.fixed} repaired` : ""}`
          : recovery.fixed
            ? `repaired ${recovery.fixed}: ${[...new Set(recovery.findings.map((f) => f.kind))].join(", ")}`
            : "no stale job, upload folder or orphan file",
        fix: "stepwise doctor --fix",
      });
    } catch (error) {
      checks.push({ name: "recovery", ok: false, detail: (error as Error).message });
    }
  }

  const images = path.join(dataDir(), "images");
  try {
    fs.mkdirSync(images, { recursive: true });
    fs.accessSync(images, fs.constants.W_OK);
    checks.push({ name: "images dir", ok: true, detail: `${images} is writable` });
  } catch (error) {
    checks.push({ name: "images dir", ok: false, detail: `${images}: ${(error as Error).message}`, fix: "set STEPWISE_DATA_DIR to a writable directory" });
  }

  const chromium = env().CHROMIUM_PATH;
  let version = "";
  if (fs.existsSync(chromium)) {
    try {
      version = execFileSync(chromium, ["--version"], { encoding: "utf8", timeout: 10_000, stdio: ["ignore", "pipe", "ignore"] }).trim();
    } catch {
      version = "present (version unknown)";
    }
  }
  checks.push({
    name: "chromium (tests)",
    ok: Boolean(version),
    detail: version ? `${chromium}: ${version}` : `${chromium} not found`,
    fix: "sudo apt-get update && sudo apt-get install -y chromium (or set CHROMIUM_PATH)",
  });
  return { ok: checks.every((c) => c.ok), dialect, checks: checks.map((c) => (c.ok ? { name: c.name, ok: c.ok, detail: c.detail } : c)), recovery };
}

/** The URL without its password, for messages. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.toString();
  } catch {
    return url.replace(/:[^:@/]*@/, ":***@");
  }
}

async function checkPostgres(url: string, checks: Check[]): Promise<boolean> {
  const { default: pg } = await import("pg");
  let client: InstanceType<typeof pg.Client> | null = null;
  try {
    client = new pg.Client({ ...pgFields(url), connectionTimeoutMillis: 5_000, application_name: "stepwise doctor" });
    await client.connect();
    const row = (await client.query("SELECT current_setting('server_version') AS version, current_setting('server_version_num')::int AS num, current_database() AS database")).rows[0] as { version: string; num: number; database: string };
    // the job queue (pg-boss 10) needs 13+ (gen_random_uuid in core)
    const supported = row.num >= 130_000;
    checks.push({
      name: "database", ok: supported,
      detail: `PostgreSQL ${row.version}, database ${row.database} (${redactUrl(url)})${supported ? "" : ": Stepwise needs PostgreSQL 13 or newer (its job queue)"}`,
      fix: "upgrade the server to PostgreSQL 13+ (docs/postgres.md)",
    });
    return supported;
  } catch (error) {
    checks.push({
      name: "database",
      ok: false,
      detail: `${redactUrl(url)}: ${(error as Error).message}`,
      fix: "start PostgreSQL and create the database (docs/postgres.md), or check DATABASE_URL",
    });
    return false;
  } finally {
    await client?.end().catch(() => {});
  }
}
