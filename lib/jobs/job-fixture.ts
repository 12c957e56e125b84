import { insert } from "@/lib/db/sql";
import { createJob, defineJobKind, mapConcurrent, runJob } from "@/lib/jobs/jobs";

// A job kind for the machinery's tests (lib/jobs/jobs.int.test.ts): `count` items, each waiting
// `delayMs` then writing one AuditLog row (entity "job-fixture", entityId = the item key) in the
// item's commit — so a test can check every item produced exactly one row across kills and
// resumes. Run as a script it creates (or resumes) a job and prints "done KEY" per item, which lets
// the test SIGKILL it mid-way.

export interface FixtureConfig {
  count: number;
  delayMs: number;
  concurrency: number;
  /** Keys whose work throws (on every attempt). */
  failKeys?: string[];
}

export const fixtureKind = defineJobKind<FixtureConfig>({
  kind: "test.fixture",
  parseConfig: (config) => config as FixtureConfig,
  async run(ctx) {
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
  },
});

async function main() {
  const [mode, arg] = process.argv.slice(2);
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
