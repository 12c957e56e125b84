import { beforeAll, describe, expect, it, vi } from "vitest";
import { expectKilled, spawnCli } from "@/fixtures/harness/cli";
import { duplicateVerdicts, seedSyntheticTraces } from "@/fixtures/verify/seed";
import { db, dialect } from "@/lib/db";
import { sql } from "@/lib/db/sql";
import { closeQueue, jobCounts, queueEnabled } from "@/lib/jobs/queue";
import { CHUNK_JOB, queueVerifierRun, runVerifier } from "@/lib/services/verify/verify";

// The acceptance case of docs/design.md §14 on either database: a verifier run queued for
// `stepwise worker`, split over two real worker processes, one of them SIGKILLed in the middle of
// the run — the run finishes with every verdict exactly once, done, at 100 %. On PostgreSQL the
// chunks are jobs of the pg-boss queue (lib/jobs/queue.ts): the killed worker's job expires and is
// retried by the survivor, which takes the chunk over once its lease lapsed (the lease token is the
// fence); on SQLite the workers poll the database for queued runs. Seeded through the SQL seam, so
// the same rows exist on both.

vi.setConfig({ testTimeout: 400_000, hookTimeout: 400_000 });

const TRACES = 600;
const CHUNK = 30;

/** `stepwise worker` until the queue is idle; the queue's own expiry stays at its default (15 min): the
 * survivor takes the dead worker's chunk over by its lease (the holder's pid is dead on this host), not by waiting for the job. */
const worker = () => spawnCli(["worker", "--until-idle", "--threads", "1", "--poll-ms", "500", "--json"]);

/** The run's verdicts without ids or run, in a fixed order (two runs of one config agree on them). */
async function verdictsOf(runId: number) {
  return (await sql()).all(`SELECT "stepId", "traceId", "rule", "outcome", "message" FROM "Verdict" WHERE "runId" = ? ORDER BY "stepId", "rule"`, [runId]);
}

beforeAll(async () => {
  await seedSyntheticTraces("queue-kill", TRACES);
});

describe(`a queued verifier run over two stepwise worker processes (${dialect()})`, () => {
  it("one worker SIGKILLed mid-run: the other takes its chunk over; every verdict exactly once, the run done at 100 %", async () => {
    const reference = await runVerifier({ dataset: "queue-kill", batchSize: CHUNK, threads: 1 });
    const queued = await queueVerifierRun({ dataset: "queue-kill", batchSize: CHUNK });
    expect(queued).toMatchObject({ traces: TRACES, chunks: TRACES / CHUNK });
    if (queueEnabled()) {
      // PostgreSQL: one queue job per chunk, waiting for workers
      expect(await jobCounts(CHUNK_JOB)).toEqual({ waiting: TRACES / CHUNK, active: 0 });
      await closeQueue();
    }
    const doomed = worker();
    let doomedExited = false;
    void doomed.done.then(() => (doomedExited = true));
    // the second worker joins once the first has written a chunk; the first is killed while the
    // run is under way (it holds a chunk's lease then, or is between two)
    while (!doomedExited && (await db().verifyChunk.count({ where: { runId: queued.run, status: "done" } })) < 1) await new Promise((r) => setTimeout(r, 100));
    const survivor = worker();
    while (!doomedExited && (await db().verifyChunk.count({ where: { runId: queued.run, status: "done" } })) < 3) await new Promise((r) => setTimeout(r, 100));
    doomed.kill();
    const [killed, finished] = await Promise.all([doomed.done, survivor.done]);
    expectKilled(killed);
    expect(finished.code, finished.stderr).toBe(0);
    const report = JSON.parse(finished.stdout) as { finished: Array<{ run: number; traces: number; verdicts: number }> };
    expect(report.finished).toEqual([{ run: queued.run, dataset: "queue-kill", traces: TRACES, verdicts: reference.verdicts }]);

    const chunks = await db().verifyChunk.findMany({ where: { runId: queued.run }, orderBy: { index: "asc" } });
    expect(chunks.every((c) => c.status === "done")).toBe(true);
    expect(chunks.some((c) => c.ownerPid === killed.pid)).toBe(true);
    expect(chunks.some((c) => c.ownerPid === finished.pid)).toBe(true);
    // progress is aggregated over both workers' chunks: 100 %
    const run = await db().verifierRun.findUniqueOrThrow({ where: { id: queued.run } });
    expect(run).toMatchObject({ status: "done", traces: TRACES });
    expect(chunks.reduce((n, c) => n + c.traces, 0)).toBe(TRACES);
    // every verdict exactly once: no (step, rule) twice, one score per trace, the same verdicts as one process writes
    expect(await duplicateVerdicts(queued.run)).toBe(0);
    expect(await db().traceScore.count({ where: { runId: queued.run } })).toBe(TRACES);
    expect(await verdictsOf(queued.run)).toEqual(await verdictsOf(reference.run));
    const traces = await db().trace.findMany({ where: { dataset: { name: "queue-kill" } }, select: { runId: true } });
    expect(traces.every((t) => t.runId === queued.run)).toBe(true);
    if (queueEnabled()) {
      // nothing waits; the killed worker's job (if it died holding one) stays active until it
      // expires, then is retried and completes at once: its chunk is done
      const counts = await jobCounts(CHUNK_JOB);
      expect(counts.waiting).toBe(0);
      expect(counts.active).toBeLessThanOrEqual(1);
      await closeQueue();
    }
  });
});
