import { insert } from "@/lib/db/sql";
import { createJob, defineJobKind, mapConcurrent, runJob, workQueuedJobs } from "@/lib/jobs/jobs";
import { closeQueue } from "@/lib/jobs/queue";
import { workQueuedExports } from "@/lib/services/export/export-jobs";
import type { JobContext } from "@/lib/jobs/types";

// A job kind for the machinery's tests (lib/jobs/jobs.int.test.ts): `count` items, each waiting
// `delayMs` then writing one AuditLog row (entity "job-fixture", entityId = the item key) in the
// item's commit — so a test can check every item produced exactly one row across kills and
// resumes. Run as a script it creates (or resumes) a job and prints "done KEY" per item, which lets
// the test SIGKILL it mid-way. `work` makes it a queue worker (PostgreSQL: lib/jobs/queue.ts) until
// SIGTERM, printing the same lines for whatever job it takes (queued exports too).

export interface FixtureConfig {
  count: number;
  delayMs: number;
  concurrency: number;
  /** Keys whose work throws (on every attempt). */
  failKeys?: string[];
}

async function runFixture(ctx: JobContext<FixtureConfig>): Promise<void> {
  const keys = Array.from({ length: ctx.config.count }, (_, i) => `item:${i}`);
  await ctx.setTotal(keys.length);
  await mapConcurrent(
    keys,
    ctx.config.concurrency,
    async (key) => {
      const result = await ctx.item(key, async (attempt) => {
        await new Promise((resolve) => setTimeout(resolve, ctx.config.delayMs));
        if (ctx.config.failKeys?.includes(key)) throw new Error(`${key} failed on purpose`);
        ctx.count("work");
        return { write: () => insert(`INSERT INTO "AuditLog" ("action", "entity", "entityId", "data") VALUES ('fixture', 'job-fixture', ?, ?)`, key, JSON.stringify({ attempt })) };
      });
      if (result.status === "done") process.stdout.write(`done ${key}\n`);
      return result;
    },
    ctx.signal,
  );
}

export const fixtureKind = defineJobKind<FixtureConfig>({ kind: "test.fixture", parseConfig: (config) => config as FixtureConfig, run: runFixture });

/** The same work, of a kind that is failed (not resumed) when its worker dies. */
export const failingFixtureKind = defineJobKind<FixtureConfig>({ kind: "test.fixture-fail", parseConfig: (config) => config as FixtureConfig, run: runFixture, onCrash: "fail" });

async function main() {
  const [mode, arg] = process.argv.slice(2);
  if (mode === "work") {
    const controller = new AbortController();
    process.once("SIGTERM", () => controller.abort());
    process.stdout.write(`worker ${process.pid}\n`);
    await Promise.all([workQueuedJobs({ signal: controller.signal, heartbeatMs: 50, pollSeconds: 0.5 }), workQueuedExports({ signal: controller.signal, pollSeconds: 0.5 })]);
    await closeQueue();
    return;
  }
  const id = mode === "create" ? (await createJob({ kind: "test.fixture", config: JSON.parse(arg) as FixtureConfig })).id : Number(arg);
  process.stdout.write(`job ${id}\n`);
  const row = await runJob(id, { heartbeatMs: 50 });
  process.stdout.write(`status ${row.status}\n`);
}

if (process.argv[1]?.endsWith("job-fixture.ts")) {
  main().catch((error) => {
    process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  });
}
