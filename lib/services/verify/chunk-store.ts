import { all, get, many, run, type Program } from "@/lib/db/sql";
import type { Lease, LeasedRow } from "@/lib/jobs/lease";
import { VERIFY_INPUT_FROM, VerifyStore, type StepRow, type TraceRow } from "@/lib/services/verify/verify-store";

// A verifier run's chunks (docs/design.md §14): statement programs like VerifyStore's, run inside
// the caller's writeProgram / readProgram (synchronous on SQLite, awaited on PostgreSQL). Every
// write that belongs to a lease names the lease's token, so a holder whose lease was taken over
// changes nothing.

export interface ChunkRow extends LeasedRow {
  id: number;
  runId: number;
  index: number;
  firstTraceId: number;
  lastTraceId: number | null;
  attempts: number;
}

export interface ChunkTotals {
  chunks: number;
  done: number;
  traces: number;
  steps: number;
  verdicts: number;
  seconds: number;
}

/** Beyond any trace id: the upper bound of the last chunk (PostgreSQL's INTEGER maximum: a bigger bound fails to bind there). */
export const NO_END = 2_147_483_647;

const p = (text: string) => text;
const S = {
  // every `size`-th trace id of the dataset: the first id of each chunk
  starts: p(`SELECT "id" FROM (SELECT "id", ROW_NUMBER() OVER (ORDER BY "id") AS "rn" FROM "Trace" WHERE "datasetId" = ?) AS "numbered" WHERE ("rn" - 1) % ? = 0 ORDER BY "id"`),
  open: p(`SELECT "id", "runId", "index", "firstTraceId", "lastTraceId", "status", "leaseToken", "ownerPid", "ownerHost", "leaseUntil", "attempts" FROM "VerifyChunk" WHERE "runId" = ? AND "status" <> 'done' ORDER BY "index"`),
  claim: p(`UPDATE "VerifyChunk" SET "status" = 'running', "leaseToken" = ?, "ownerPid" = ?, "ownerHost" = ?, "leaseUntil" = ?, "attempts" = "attempts" + 1 WHERE "id" = ? AND "attempts" = ? AND "status" <> 'done'`),
  renew: p(`UPDATE "VerifyChunk" SET "leaseUntil" = ? WHERE "id" = ? AND "leaseToken" = ? AND "status" = 'running'`),
  release: p(`UPDATE "VerifyChunk" SET "status" = 'pending', "leaseToken" = NULL, "leaseUntil" = NULL WHERE "id" = ? AND "leaseToken" = ? AND "status" = 'running'`),
  holds: p(`SELECT 1 AS "ok" FROM "VerifyChunk" WHERE "id" = ? AND "leaseToken" = ? AND "status" = 'running'`),
  complete: p(
    `UPDATE "VerifyChunk" SET "status" = 'done', "traces" = ?, "steps" = ?, "verdicts" = ?, "seconds" = ?, "outcomes" = ?, "finishedAt" = ?, "leaseUntil" = NULL
     WHERE "id" = ? AND "leaseToken" = ? AND "status" = 'running'`,
  ),
  clearVerdicts: p(`DELETE FROM "Verdict" WHERE "runId" = ? AND "traceId" >= ? AND "traceId" <= ?`),
  clearScores: p(`DELETE FROM "TraceScore" WHERE "runId" = ? AND "traceId" >= ? AND "traceId" <= ?`),
  totals: p(
    `SELECT COUNT(*) AS "chunks", COALESCE(SUM(CASE WHEN "status" = 'done' THEN 1 ELSE 0 END), 0) AS "done", COALESCE(SUM("traces"), 0) AS "traces", COALESCE(SUM("steps"), 0) AS "steps",
            COALESCE(SUM("verdicts"), 0) AS "verdicts", COALESCE(SUM("seconds"), 0) AS "seconds" FROM "VerifyChunk" WHERE "runId" = ?`,
  ),
  outcomes: p(`SELECT "index", "outcomes" FROM "VerifyChunk" WHERE "runId" = ? AND "status" = 'done' ORDER BY "index"`),
  doneChunks: p(`SELECT "id", "index", "firstTraceId", "lastTraceId" FROM "VerifyChunk" WHERE "runId" = ? AND "status" = 'done' ORDER BY "index"`),
  outcomesOf: p(`SELECT "outcomes" FROM "VerifyChunk" WHERE "id" = ?`),
  forget: p(`UPDATE "VerifyChunk" SET "outcomes" = NULL WHERE "runId" = ?`),
  traces: p(
    `SELECT ${VERIFY_INPUT_FROM}
     WHERE t."datasetId" = ? AND t."id" > ? AND t."id" <= ? ORDER BY t."id" LIMIT ?`,
  ),
  traceIds: p(`SELECT t."id" FROM "Trace" t WHERE t."datasetId" = ? AND t."id" > ? AND t."id" <= ? ORDER BY t."id" LIMIT ?`),
  scores: p(`SELECT s."traceId", s."quality", s."valid", s."parts", t."method" FROM "TraceScore" s JOIN "Trace" t ON t."id" = s."traceId" WHERE s."runId" = ? AND s."traceId" >= ? AND s."traceId" <= ? ORDER BY s."traceId"`),
  // runs waiting for workers: running, no owner process, a chunk not done
  queued: p(
    `SELECT r."id" FROM "VerifierRun" r WHERE r."status" IN ('running', 'cancelling') AND r."ownerPid" IS NULL AND EXISTS (SELECT 1 FROM "VerifyChunk" c WHERE c."runId" = r."id") ORDER BY r."id"`,
  ),
  hasChunks: p(`SELECT 1 AS "ok" FROM "VerifyChunk" WHERE "runId" = ? LIMIT 1`),
};

export class ChunkStore {
  private readonly s = S;

  /** Splits the dataset's traces into chunks of `size` (by id; the last chunk has no upper bound); returns how many. */
  *createChunks(runId: number, datasetId: number, size: number): Program<number> {
    const starts = (yield* all<{ id: number }>(this.s.starts, datasetId, size)).map((r) => r.id);
    if (starts.length === 0) starts.push(0);
    const rows = starts.map((first, i) => [runId, i, first, i + 1 < starts.length ? starts[i + 1] - 1 : null]);
    yield* many("VerifyChunk", ["runId", "index", "firstTraceId", "lastTraceId"], rows);
    return starts.length;
  }

  /** The run's chunks not done yet, in order. */
  *openChunks(runId: number): Program<ChunkRow[]> {
    return yield* all<ChunkRow>(this.s.open, runId);
  }

  /** Takes a chunk whose row still has `attempts` (the compare-and-swap); false when someone else did. */
  *claim(chunk: Pick<ChunkRow, "id" | "attempts">, lease: Lease): Program<boolean> {
    return (yield* run(this.s.claim, lease.token, lease.ownerPid, lease.ownerHost, lease.leaseUntil.toISOString(), chunk.id, chunk.attempts)).changes === 1;
  }

  *renew(chunkId: number, lease: Lease): Program<boolean> {
    return (yield* run(this.s.renew, lease.leaseUntil.toISOString(), chunkId, lease.token)).changes === 1;
  }

  /** Gives a chunk back (pending) when its holder stops without finishing it. */
  *release(chunkId: number, lease: Pick<Lease, "token">): Program<void> {
    yield* run(this.s.release, chunkId, lease.token);
  }

  *holds(chunkId: number, lease: Pick<Lease, "token">): Program<boolean> {
    return (yield* get(this.s.holds, chunkId, lease.token)) !== undefined;
  }

  /** Removes whatever the run holds of the chunk's traces (a chunk written again replaces). */
  *clear(runId: number, chunk: Pick<ChunkRow, "firstTraceId" | "lastTraceId">): Program<void> {
    yield* run(this.s.clearVerdicts, runId, chunk.firstTraceId, chunk.lastTraceId ?? NO_END);
    yield* run(this.s.clearScores, runId, chunk.firstTraceId, chunk.lastTraceId ?? NO_END);
  }

  /** Marks the chunk done under the lease; false (nothing changed) when the lease was lost. */
  *complete(chunkId: number, lease: Pick<Lease, "token">, counts: { traces: number; steps: number; verdicts: number; seconds: number }, outcomes: string): Program<boolean> {
    return (yield* run(this.s.complete, counts.traces, counts.steps, counts.verdicts, counts.seconds, outcomes, new Date().toISOString(), chunkId, lease.token)).changes === 1;
  }

  *totals(runId: number): Program<ChunkTotals> {
    return (yield* get<ChunkTotals>(this.s.totals, runId)) ?? { chunks: 0, done: 0, traces: 0, steps: 0, verdicts: 0, seconds: 0 };
  }

  /** The done chunks' outcome texts, in chunk order. */
  *outcomes(runId: number): Program<Array<{ index: number; outcomes: string }>> {
    return (yield* all<{ index: number; outcomes: string | null }>(this.s.outcomes, runId)).map((r) => ({ index: r.index, outcomes: r.outcomes ?? "[]" }));
  }

  /** The run's done chunks (no outcomes: read them one chunk at a time with outcomesOf), in order. */
  *doneChunks(runId: number): Program<Array<{ id: number; index: number; firstTraceId: number; lastTraceId: number | null }>> {
    return yield* all<{ id: number; index: number; firstTraceId: number; lastTraceId: number | null }>(this.s.doneChunks, runId);
  }

  /** One chunk's per-trace outcome text (null once the run is done). */
  *outcomesOf(chunkId: number): Program<string | null> {
    return (yield* get<{ outcomes: string | null }>(this.s.outcomesOf, chunkId))?.outcomes ?? null;
  }

  /** Drops the per-trace outcomes once the run is done (the counts stay). */
  *forgetOutcomes(runId: number): Program<void> {
    yield* run(this.s.forget, runId);
  }

  /** Keyset page of the dataset's traces in (afterId, lastId]. */
  *traces(datasetId: number, afterId: number, lastId: number | null, limit: number): Program<TraceRow[]> {
    return yield* all<TraceRow>(this.s.traces, datasetId, afterId, lastId ?? NO_END, limit);
  }

  /** Keyset page of the dataset's trace ids in (afterId, lastId] (a run whose threads read their own rows splits these). */
  *traceIds(datasetId: number, afterId: number, lastId: number | null, limit: number): Program<number[]> {
    return (yield* all<{ id: number }>(this.s.traceIds, datasetId, afterId, lastId ?? NO_END, limit)).map((r) => r.id);
  }

  /** The run's scores with each trace's method, by trace id. */
  *scores(runId: number, fromTraceId = 0, toTraceId: number | null = null): Program<Array<{ traceId: number; quality: number; valid: number; parts: string; method: string }>> {
    return yield* all<{ traceId: number; quality: number; valid: number; parts: string; method: string }>(this.s.scores, runId, fromTraceId, toTraceId ?? NO_END);
  }

  /** Runs handed to workers (no owner process) that are not finished. */
  *queuedRuns(): Program<number[]> {
    return (yield* all<{ id: number }>(this.s.queued)).map((r) => r.id);
  }

  *hasChunks(runId: number): Program<boolean> {
    return (yield* get(this.s.hasChunks, runId)) !== undefined;
  }
}

/**
 * Keyset page of the dataset's traces in (afterId, lastId] with each trace's steps in order: what
 * a run verifies, read by the run's thread or by a verification thread on its own connection
 * (lib/verifier/parallel-worker.ts), the same statements either way.
 */
export function* readSlice(datasetId: number, afterId: number, lastId: number | null, limit: number): Program<{ traces: TraceRow[]; steps: StepRow[][] }> {
  const traces = yield* new ChunkStore().traces(datasetId, afterId, lastId, limit);
  if (traces.length === 0) return { traces, steps: [] };
  const rows = yield* new VerifyStore().steps(traces[0].id, traces[traces.length - 1].id);
  const steps: StepRow[][] = [];
  let r = 0;
  for (const trace of traces) {
    const stepRows: StepRow[] = [];
    while (r < rows.length && rows[r].traceId === trace.id) stepRows.push(rows[r++]);
    steps.push(stepRows);
  }
  return { traces, steps };
}
