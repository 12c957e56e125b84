import { spawnSync } from "node:child_process";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, expect, it } from "vitest";
import { db } from "@/lib/db";
import { writeProgram } from "@/lib/db/sql";
import { generateProgram } from "@/fixtures/export/generate";
import { migrationError } from "@/scripts/migrate-core.mjs";

// A role that may use Stepwise's tables but not create a schema in the database — what a DBA
// often hands out. The job queue makes its schema (stepwise_jobs) on first use, so queueing work
// must fail with what to grant, and leave nothing behind: no run waiting for a queue that cannot
// exist. The real CLI in a child process, as that role, against this file's database.
const ROLE = `lim_${process.pid}`;
let limitedUrl: string;

async function asAdmin(statements: string[], database?: string) {
  const url = new URL(process.env.STEPWISE_TEST_PG_ADMIN_URL!);
  if (database) url.pathname = `/${database}`;
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  try {
    for (const statement of statements) await client.query(statement);
  } finally {
    await client.end();
  }
}

beforeAll(async () => {
  await writeProgram(() => generateProgram({ dataset: "perm", traces: 12, tracesPerImage: 3 }));
  const url = new URL(process.env.DATABASE_URL!);
  const database = url.pathname.slice(1);
  await asAdmin([`CREATE ROLE "${ROLE}" LOGIN`]);
  await asAdmin([
    `GRANT USAGE, CREATE ON SCHEMA public TO "${ROLE}"`,
    `GRANT ALL ON ALL TABLES IN SCHEMA public TO "${ROLE}"`,
    `GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO "${ROLE}"`,
    `GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA public TO "${ROLE}"`,
  ], database);
  url.username = ROLE;
  limitedUrl = url.toString();
});

afterAll(async () => {
  const database = new URL(process.env.DATABASE_URL!).pathname.slice(1);
  await asAdmin([`REASSIGN OWNED BY "${ROLE}" TO postgres`, `DROP OWNED BY "${ROLE}"`], database).catch(() => {});
  await asAdmin([`DROP ROLE IF EXISTS "${ROLE}"`]).catch(() => {});
});

function stepwise(...args: string[]) {
  const result = spawnSync(process.execPath, [path.resolve("node_modules/tsx/dist/cli.mjs"), path.resolve("lib/cli/main.ts"), ...args], {
    encoding: "utf8",
    env: { ...process.env, DATABASE_URL: limitedUrl },
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

it("queueing a run as a role that may not create the queue's schema: what to grant, and no run left", async () => {
  const runsBefore = await db().verifierRun.count();
  const datasets = stepwise("datasets", "--json"); // the role reads and writes Stepwise's tables
  expect(datasets.code, datasets.stderr).toBe(0);
  const queued = stepwise("verify", "--dataset", "perm", "--queue");
  expect(queued.code, queued.stderr).toBe(1);
  const database = new URL(process.env.DATABASE_URL!).pathname.slice(1);
  expect(queued.stderr).toContain(`the job queue could not start in database ${database}: permission denied for database ${database}`);
  expect(queued.stderr).toContain(`GRANT CREATE ON DATABASE "${database}" TO "${ROLE}"`);
  expect(queued.stderr).not.toMatch(/\n\s+at /); // a message, not a stack
  expect(await db().verifierRun.count()).toBe(runsBefore);
}, 240_000);

it("a migration refused for want of rights says what to grant, without the schema engine's backtrace", () => {
  const engine = new Error(
    "ERROR: permission denied for schema public\n   0: sql_schema_connector::sql_migration_persistence::initialize\n           with namespaces=None\n             at schema-engine/connectors/sql-schema-connector/src/sql_migration_persistence.rs:17",
  );
  const error = migrationError(engine, "postgresql://lim:s3cret@127.0.0.1:5432/stepwise");
  expect(error.message).toBe(
    `migrations failed: ERROR: permission denied for schema public — lim may not create tables there; make it the database's owner (ALTER DATABASE "stepwise" OWNER TO "lim") or, as the owner, GRANT CREATE ON SCHEMA public TO "lim"`,
  );
  expect(error.message).not.toContain("s3cret");
  expect(migrationError(new Error("near \"x\": syntax error\n   0: frame\n      at file.rs:1"), "file:./x.db").message).toBe('migrations failed: near "x": syntax error');
});
