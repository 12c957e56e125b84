import { beforeAll, describe, expect, it, vi } from "vitest";
import { expectKilled, spawnCli } from "@/fixtures/harness/cli";
import { duplicateVerdicts, seedSyntheticTraces } from "@/fixtures/verify/seed";
import { db, dialect } from "@/lib/db";
import { readProgram, sql } from "@/lib/db/sql";
import { env, sqliteFile } from "@/lib/env";
import { ChunkStore, readSlice } from "@/lib/services/verify/chunk-store";
import { VerifyStore } from "@/lib/services/verify/verify-store";
import { DEFAULT_SETTINGS } from "@/lib/verifier/config";
import { VerifierPool } from "@/lib/verifier/parallel";
import { verifyRow, wireOf } from "@/lib/verifier/parallel-core";
import { seedDemo } from "@/lib/services/system/seed";
import { queueVerifierRun, resumeVerifierRun, runVerifier } from "@/lib/services/verify/verify";
import { runWorker } from "@/lib/services/verify/worker";

// Verifier runs as chunks (docs/design.md §14) on a real database (SQLite or PostgreSQL): the threaded path writes
// exactly the single-threaded rows; a run whose process is SIGKILLed resumes with only its
// unfinished chunks; two `stepwise worker` processes share a queued run, one killed while holding
// a chunk, and every verdict is written exactly once. Children are the real CLI under tsx.

vi.setConfig({ testTimeout: 300_000, hookTimeout: 300_000 });

/** A run's verdict rows and scores without ids or run: what the run says, in write order. */
async function rowsOf(runId: number) {
  const q = await sql();
  return {
    verdicts: await q.all(`SELECT "stepId", "traceId", "rule", "outcome", "severity", "message", "evidence" FROM "Verdict" WHERE "runId" = ? ORDER BY "stepId", "rule"`, [runId]),
    scores: await q.all(`SELECT "traceId", "quality", "valid", "parts" FROM "TraceScore" WHERE "runId" = ? ORDER BY "traceId"`, [runId]),
  };
}

const traceColumns = (dataset: string) =>
  db().trace.findMany({ where: { dataset: { name: dataset } }, orderBy: { id: "asc" }, select: { id: true, quality: true, valid: true, failingSteps: true, failingRules: true, uncheckedSteps: true, disagreements: true } });

const chunkRows = (runId: number) => db().verifyChunk.findMany({ where: { runId }, orderBy: { index: "asc" } });

beforeAll(async () => {
  await seedDemo({ force: true });
  await seedSyntheticTraces("chunk-kill", 600);
  await seedSyntheticTraces("chunk-workers", 600);
});

describe("verification across threads", () => {
  for (const dataset of ["clevr-demo", "visprog-gqa", "photos-demo"]) {
    it(`${dataset}: two threads write the one-thread rows, scores, Trace columns and metrics`, async () => {
      const one = await runVerifier({ dataset, threads: 1, batchSize: 40 });
      const columnsOne = await traceColumns(dataset);
      const two = await runVerifier({ dataset, threads: 2, batchSize: 40 });
      expect(one.threads).toBe(1);
      expect(two.threads).toBe(2);
      const [a, b] = [await rowsOf(one.run), await rowsOf(two.run)];
      expect(a.verdicts.length).toBeGreaterThan(0);
      expect(b.verdicts).toEqual(a.verdicts);
      expect(b.scores).toEqual(a.scores);
      expect(await traceColumns(dataset)).toEqual(columnsOne);
      expect({ ...two, run: 0, seconds: 0, stepsPerSecond: 0, threads: 0 }).toEqual({ ...one, run: 0, seconds: 0, stepsPerSecond: 0, threads: 0 });
    });
  }

  it("threads reading their own rows on their own connections give the rows and results this thread reads and verifies", async () => {
    const dataset = await db().dataset.findUniqueOrThrow({ where: { name: "chunk-workers" } });
    const scenes = await readProgram(new VerifyStore().scenes(dataset.id));
    const ids = await readProgram(new ChunkStore().traceIds(dataset.id, 0, null, 1_000));
    expect(ids).toHaveLength(600);
    const source = dialect() === "postgres" ? { postgres: env().DATABASE_URL } : { sqlite: sqliteFile()! };
    const pool = await VerifierPool.open({ threads: 2, settings: DEFAULT_SETTINGS, scenes, source });
    if (!(pool instanceof VerifierPool)) throw new Error(`pool did not start: ${pool.reason}`);
    try {
      const read = await pool.readSpread(dataset.id, ids.slice(100, 300));
      const here = await readProgram(readSlice(dataset.id, ids[99], ids[299], 200));
      expect(read.traces).toEqual(here.traces.map((t, i) => ({ id: t.id, steps: here.steps[i].map((s) => ({ id: s.id, kind: s.kind })) })));
      expect(read.results).toEqual(here.traces.map((t, i) => verifyRow(wireOf(t, here.steps[i]), scenes, new Map(), DEFAULT_SETTINGS)));
      expect(read.results.flatMap((r) => r.outcome).length).toBeGreaterThan(read.results.length);
    } finally {
      await pool.close();
    }
  });

  it("threads starting in the background (the run verifies on its own thread until they are ready) write the one-thread rows", async () => {
    const one = await runVerifier({ dataset: "chunk-workers", threads: 1, batchSize: 25 });
    const mixed = await runVerifier({ dataset: "chunk-workers", threads: 2, batchSize: 25, awaitThreads: false });
    expect([1, 2]).toContain(mixed.threads);
    const [a, b] = [await rowsOf(one.run), await rowsOf(mixed.run)];
    expect(a.verdicts.length).toBeGreaterThan(0);
    expect(b.verdicts).toEqual(a.verdicts);
    expect(b.scores).toEqual(a.scores);
  });

  it("a bad thread count is refused before anything is written", async () => {
    const runs = await db().verifierRun.count();
    await expect(runVerifier({ dataset: "clevr-demo", threads: 0 })).rejects.toMatchObject({ code: "invalid_input", message: "threads must be a whole number ≥ 1 (got 0)" });
    expect(await db().verifierRun.count()).toBe(runs);
  });
});

describe("a run is split into chunks", () => {
  it("progress is the sum over done chunks; each chunk's counts add up to the run", async () => {
    const summary = await runVerifier({ dataset: "clevr-demo", batchSize: 50 });
    const chunks = await chunkRows(summary.run);
    expect(chunks.map((c) => [c.index, c.status])).toEqual([[0, "done"], [1, "done"], [2, "done"], [3, "done"]]);
    expect(chunks[3].lastTraceId).toBeNull();
    expect(chunks.reduce((s, c) => s + c.traces, 0)).toBe(summary.traces);
    expect(chunks.reduce((s, c) => s + c.verdicts, 0)).toBe(summary.verdicts);
    expect(chunks.every((c) => c.outcomes === null)).toBe(true); // dropped once the run is done
    expect(summary.chunks).toEqual({ total: 4, resumed: 0 });
  });

  it("a run SIGKILLed after two chunks resumes with only the other chunks; every verdict exactly once, the same as an uninterrupted run", async () => {
    const reference = await runVerifier({ dataset: "chunk-kill", batchSize: 100 });
    const crashed = await spawnCli(["verify", "--dataset", "chunk-kill", "--chunk-size", "100"], { STEPWISE_CRASH_AT: "verify:batch@2" }).done;
    expectKilled(crashed);
    const run = await db().verifierRun.findFirstOrThrow({ where: { dataset: { name: "chunk-kill" } }, orderBy: { id: "desc" } });
    expect(run.id).not.toBe(reference.run);
    expect(run.status).toBe("running");
    expect((await chunkRows(run.id)).map((c) => c.status)).toEqual(["done", "done", "pending", "pending", "pending", "pending"]);
    const written = (await rowsOf(run.id)).scores.length;
    expect(written).toBe(200);
    // the same command again: it finds the killed run and resumes it
    const resumed = await spawnCli(["verify", "--dataset", "chunk-kill", "--chunk-size", "100", "--json"]).done;
    expect(resumed.code, resumed.stderr).toBe(0);
    const summary = JSON.parse(resumed.stdout);
    expect(summary).toMatchObject({ run: run.id, traces: 600, chunks: { total: 6, resumed: 2 } });
    const chunks = await chunkRows(run.id);
    expect(chunks.map((c) => c.attempts)).toEqual([1, 1, 1, 1, 1, 1]);
    expect(new Set(chunks.slice(0, 2).map((c) => c.ownerPid))).toEqual(new Set([crashed.pid]));
    expect(await duplicateVerdicts(run.id)).toBe(0);
    const [a, b] = [await rowsOf(reference.run), await rowsOf(run.id)];
    expect(b.verdicts).toEqual(a.verdicts);
    expect(b.scores).toEqual(a.scores);
    expect(summary.verdicts).toBe(reference.verdicts);
    expect(summary.metrics).toEqual(reference.metrics);
    expect(await db().trace.count({ where: { dataset: { name: "chunk-kill" }, runId: run.id } })).toBe(600);
  });

  it("a run killed with a chunk verified but not written: --resume takes the chunk over and writes it once", async () => {
    const reference = await runVerifier({ dataset: "chunk-kill", batchSize: 150 });
    const crashed = await spawnCli(["verify", "--dataset", "chunk-kill", "--chunk-size", "150", "--threads", "2"], { STEPWISE_CRASH_AT: "verify:chunk@2" }).done;
    expectKilled(crashed);
    const run = await db().verifierRun.findFirstOrThrow({ where: { dataset: { name: "chunk-kill" } }, orderBy: { id: "desc" } });
    const before = await chunkRows(run.id);
    expect(before[0].status).toBe("done");
    expect(before[1]).toMatchObject({ status: "running", ownerPid: crashed.pid, attempts: 1 });
    await expect(resumeVerifierRun(reference.run)).rejects.toMatchObject({ code: "conflict" });
    const summary = await resumeVerifierRun(run.id, { threads: 1 });
    expect(summary.chunks).toEqual({ total: 4, resumed: 1 });
    expect((await chunkRows(run.id))[1]).toMatchObject({ status: "done", ownerPid: process.pid, attempts: 2 });
    expect(await duplicateVerdicts(run.id)).toBe(0);
    const [a, b] = [await rowsOf(reference.run), await rowsOf(run.id)];
    expect(b.verdicts).toEqual(a.verdicts);
    expect(b.scores).toEqual(a.scores);
  });
});

describe("stepwise worker", () => {
  it("two worker processes share a queued run; one is SIGKILLed holding a chunk, the other takes it over; every verdict exactly once", async () => {
    const reference = await runVerifier({ dataset: "chunk-workers", batchSize: 50 });
    const queued = await queueVerifierRun({ dataset: "chunk-workers", batchSize: 50 });
    expect(queued).toMatchObject({ traces: 600, chunks: 12 });
    expect(await db().verifierRun.findUniqueOrThrow({ where: { id: queued.run } })).toMatchObject({ status: "running", ownerPid: null });
    const doomed = spawnCli(["worker", "--until-idle", "--threads", "1", "--poll-ms", "100"], { STEPWISE_CRASH_AT: "verify:chunk@3" });
    let doomedExited = false;
    void doomed.done.then(() => (doomedExited = true));
    // the second worker joins once the first is under way (a CLI start takes seconds here, and
    // the first must get to its third chunk, where it dies holding the lease)
    while (!doomedExited && (await db().verifyChunk.count({ where: { runId: queued.run, status: "done" } })) < 1) await new Promise((r) => setTimeout(r, 50));
    const survivor = spawnCli(["worker", "--until-idle", "--threads", "1", "--poll-ms", "100", "--json"]);
    const [killed, finished] = await Promise.all([doomed.done, survivor.done]);
    expectKilled(killed);
    expect(finished.code, finished.stderr).toBe(0);
    const report = JSON.parse(finished.stdout);
    expect(report.finished).toEqual([{ run: queued.run, dataset: "chunk-workers", traces: 600, verdicts: reference.verdicts }]);
    const chunks = await chunkRows(queued.run);
    expect(chunks.every((c) => c.status === "done")).toBe(true);
    // the killed worker wrote two chunks; the chunk it held was taken over (a second attempt)
    expect(chunks.filter((c) => c.ownerPid === killed.pid)).toHaveLength(2);
    expect(chunks.filter((c) => c.attempts === 2)).toHaveLength(1);
    expect(chunks.filter((c) => c.ownerPid === finished.pid).length).toBe(10);
    expect(report.chunks).toBe(10);
    expect(await db().verifierRun.findUniqueOrThrow({ where: { id: queued.run } })).toMatchObject({ status: "done", traces: 600 });
    expect(await duplicateVerdicts(queued.run)).toBe(0);
    const [a, b] = [await rowsOf(reference.run), await rowsOf(queued.run)];
    expect(b.verdicts).toEqual(a.verdicts);
    expect(b.scores).toEqual(a.scores);
  });

  it("a queued run nobody works on is not taken for abandoned; cancelling it removes it at once", async () => {
    const { cancelRun } = await import("@/lib/services/verify/verify");
    const { recover } = await import("@/lib/recovery/recovery");
    const queued = await queueVerifierRun({ dataset: "chunk-workers", batchSize: 200 });
    expect((await recover({ fix: false, staleMs: 0 })).findings.filter((f) => f.kind === "verifier-run" && f.id === String(queued.run))).toEqual([]);
    await expect(cancelRun(queued.run)).resolves.toEqual({ id: queued.run, status: "cancelled" });
    expect(await db().verifierRun.findUnique({ where: { id: queued.run } })).toBeNull();
    expect(await db().verifyChunk.count({ where: { runId: queued.run } })).toBe(0);
  });

  it("an in-process worker finishes a queued run like runVerifier does", async () => {
    const reference = await runVerifier({ dataset: "clevr-demo" });
    const queued = await queueVerifierRun({ dataset: "clevr-demo", batchSize: 30 });
    const report = await runWorker({ threads: 2, untilIdle: true, pollMs: 50 });
    expect(report.finished.map((f) => f.run)).toEqual([queued.run]);
    expect(report.finished[0].metrics).toEqual(reference.metrics);
    const [a, b] = [await rowsOf(reference.run), await rowsOf(queued.run)];
    expect(b.verdicts).toEqual(a.verdicts);
  });
});
