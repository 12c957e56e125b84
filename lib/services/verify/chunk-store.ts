import type Database from "better-sqlite3";
import { prepare } from "@/lib/db";
import type { Lease, LeasedRow } from "@/lib/jobs/lease";
import { VERIFY_INPUT_FROM, type TraceRow } from "@/lib/services/verify/verify-store";

// A verifier run's chunks on SQLite (docs/design.md §14): raw prepared statements on the shared
// connection, called inside the caller's writeTransaction like VerifyStore. Every write that
// belongs to a lease names the lease's token, so a holder whose lease was taken over changes
// nothing.

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

/** Beyond any trace id: the upper bound of the last chunk. */
const NO_END = Number.MAX_SAFE_INTEGER;

export class ChunkStore {
  private readonly s: Record<string, Database.Statement>;

  constructor(handle: Database.Database) {
    const p = (sql: string) => prepare(handle, sql);
    this.s = {
      // every `size`-th trace id of the dataset: the first id of each chunk
      starts: p(`SELECT "id" FROM (SELECT "id", ROW_NUMBER() OVER (ORDER BY "id") AS "rn" FROM "Trace" WHERE "datasetId" = ?) AS "numbered" WHERE ("rn" - 1) % ? = 0 ORDER BY "id"`),
      insert: p(`INSERT INTO "VerifyChunk" ("runId", "index", "firstTraceId", "lastTraceId") VALUES (?, ?, ?, ?)`),
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
      outcomes: p(`SELECT "outcomes" FROM "VerifyChunk" WHERE "runId" = ? AND "status" = 'done' ORDER BY "index"`),
      forget: p(`UPDATE "VerifyChunk" SET "outcomes" = NULL WHERE "runId" = ?`),
      traces: p(
        `SELECT ${VERIFY_INPUT_FROM}
         WHERE t."datasetId" = ? AND t."id" > ? AND t."id" <= ? ORDER BY t."id" LIMIT ?`,
      ),
      scores: p(`SELECT s."traceId", s."quality", s."valid", s."parts", t."method" FROM "TraceScore" s JOIN "Trace" t ON t."id" = s."traceId" WHERE s."runId" = ? ORDER BY s."traceId"`),
      // runs waiting for workers: running, no owner process, a chunk not done
      queued: p(
        `SELECT r."id" FROM "VerifierRun" r WHERE r."status" IN ('running', 'cancelling') AND r."ownerPid" IS NULL AND EXISTS (SELECT 1 FROM "VerifyChunk" c WHERE c."runId" = r."id") ORDER BY r."id"`,
      ),
      hasChunks: p(`SELECT 1 AS "ok" FROM "VerifyChunk" WHERE "runId" = ? LIMIT 1`),
    };
  }

  /** Splits the dataset's traces into chunks of `size` (by id; the last chunk has no upper bound); returns how many. */
  createChunks(runId: number, datasetId: number, size: number): number {
    const starts = (this.s.starts.all(datasetId, size) as Array<{ id: number }>).map((r) => r.id);
    if (starts.length === 0) starts.push(0);
    starts.forEach((first, i) => this.s.insert.run(runId, i, first, i + 1 < starts.length ? starts[i + 1] - 1 : null));
    return starts.length;
  }

  /** The run's chunks not done yet, in order. */
  openChunks(runId: number): ChunkRow[] {
    return this.s.open.all(runId) as ChunkRow[];
  }

  /** Takes a chunk whose row still has `attempts` (the compare-and-swap); false when someone else did. */
  claim(chunk: Pick<ChunkRow, "id" | "attempts">, lease: Lease): boolean {
    return this.s.claim.run(lease.token, lease.ownerPid, lease.ownerHost, lease.leaseUntil.toISOString(), chunk.id, chunk.attempts).changes === 1;
  }

  renew(chunkId: number, lease: Lease): boolean {
    return this.s.renew.run(lease.leaseUntil.toISOString(), chunkId, lease.token).changes === 1;
  }

  /** Gives a chunk back (pending) when its holder stops without finishing it. */
  release(chunkId: number, lease: Pick<Lease, "token">): void {
    this.s.release.run(chunkId, lease.token);
  }

  holds(chunkId: number, lease: Pick<Lease, "token">): boolean {
    return this.s.holds.get(chunkId, lease.token) !== undefined;
  }

  /** Removes whatever the run holds of the chunk's traces (a chunk written again replaces). */
  clear(runId: number, chunk: Pick<ChunkRow, "firstTraceId" | "lastTraceId">): void {
    this.s.clearVerdicts.run(runId, chunk.firstTraceId, chunk.lastTraceId ?? NO_END);
    this.s.clearScores.run(runId, chunk.firstTraceId, chunk.lastTraceId ?? NO_END);
  }

  /** Marks the chunk done under the lease; false (nothing changed) when the lease was lost. */
  complete(chunkId: number, lease: Pick<Lease, "token">, counts: { traces: number; steps: number; verdicts: number; seconds: number }, outcomes: string): boolean {
    return this.s.complete.run(counts.traces, counts.steps, counts.verdicts, counts.seconds, outcomes, new Date().toISOString(), chunkId, lease.token).changes === 1;
  }

  totals(runId: number): ChunkTotals {
    return this.s.totals.get(runId) as ChunkTotals;
  }

  /** The done chunks' outcome texts, in chunk order. */
  outcomes(runId: number): string[] {
    return (this.s.outcomes.all(runId) as Array<{ outcomes: string | null }>).map((r) => r.outcomes ?? "[]");
  }

  /** Drops the per-trace outcomes once the run is done (the counts stay). */
  forgetOutcomes(runId: number): void {
    this.s.forget.run(runId);
  }

  /** Keyset page of the dataset's traces in (afterId, lastId]. */
  traces(datasetId: number, afterId: number, lastId: number | null, limit: number): TraceRow[] {
    return this.s.traces.all(datasetId, afterId, lastId ?? NO_END, limit) as TraceRow[];
  }

  /** The run's scores with each trace's method, by trace id. */
  scores(runId: number): Array<{ traceId: number; quality: number; valid: number; parts: string; method: string }> {
    return this.s.scores.all(runId) as Array<{ traceId: number; quality: number; valid: number; parts: string; method: string }>;
  }

  /** Runs handed to workers (no owner process) that are not finished. */
  queuedRuns(): number[] {
    return (this.s.queued.all() as Array<{ id: number }>).map((r) => r.id);
  }

  hasChunks(runId: number): boolean {
    return this.s.hasChunks.get(runId) !== undefined;
  }
}
