import { all, copy, get, insert, readProgram, run, sqlDialect, writeProgram, type Param, type Program } from "@/lib/db/sql";
import { ownerGone, ownerStamp } from "@/lib/jobs/owner";
import { ACTIVE_RUN_STATUSES } from "@/lib/schemas/verifier";
import { disagreementsSql } from "@/lib/services/review/disagreements";
import { isSceneKind } from "@/lib/scenes/index";
import { boxSourceRank, sceneObjectFromRow, type Box, type Relation, type Scene, type SceneObjectRow } from "@/lib/tools/scene";

// The verifier's bulk path: raw statements (Prisma's createMany is ~20× slower here), written as
// statement programs (lib/db/sql.ts, docs/design.md §14): callers `yield*` them inside
// writeProgram / readProgram, which run them synchronously on SQLite's shared connection (the
// fast path: no promise per statement) and awaited on PostgreSQL. Verdict and score rows are
// collected and written by one `flush` (multi-row prepared statements on SQLite, COPY on
// PostgreSQL). Portable SQL only (quoted identifiers, no SQLite-only functions).

export interface TraceRow {
  id: number;
  externalId: string;
  method: string;
  answer: string | null;
  sceneId: number | null;
  questionId: number | null;
  program: string | null;
  format: string | null;
  question: string;
}

export interface StepRow {
  id: number;
  traceId: number;
  index: number;
  kind: string;
  text: string | null;
  tool: string | null;
  callId: string | null;
  args: string | null;
  result: string | null;
  /** Id of the step's latest change (StepRevision with revision > 0), null when never changed. */
  changedAt: number | null;
}

/** Rows removed per transaction when a run goes (5,000 verdicts: a few ms, the server stays free). */
export const DROP_BATCH = 5_000;

/**
 * Removes a failed, cancelled or abandoned run with everything it wrote, in bounded transactions
 * with the event loop free between them (325k verdicts must not freeze the server). The run is
 * flagged `failed` first, so a crash half-way leaves a run recovery finishes, never a half run
 * that reads as running. Returns the rows removed.
 */
export async function dropRunInBatches(runId: number, batch = DROP_BATCH): Promise<number> {
  const store = new VerifyStore();
  await writeProgram(() => store.markFailed(runId));
  let removed = 0;
  for (;;) {
    const n = await writeProgram(() => store.dropRunBatch(runId, batch));
    if (n === 0) return removed;
    removed += n;
    await new Promise((resolve) => setImmediate(resolve));
  }
}

export interface AbandonedRun {
  id: number;
  status: string;
  ownerPid: number | null;
  ownerHost: string | null;
  heartbeatAt: string | null;
  startedAt: string | null;
  datasetId: number;
  configId: number;
  /** 1 when the run is split into chunks (docs/design.md §14): a killed owner's run can be resumed. */
  chunked: number;
}

export interface StoredRun {
  id: number;
  configId: number;
  configVersion: number;
  datasetId: number;
  datasetName: string;
  status: string;
  revisedAfter: number | null;
  startedAt: string;
  ownerPid: number | null;
  ownerHost: string | null;
  heartbeatAt: string | null;
}

/**
 * The columns a verification reads per trace, and their tables: one list for every path that loads
 * traces to verify (whole runs, re-verified revisions, chunks). The ground truth is null when it is
 * flagged unreliable, so the answer rules skip instead of checking against it.
 */
export const VERIFY_INPUT_FROM = `t."id", t."externalId", t."method", CASE WHEN t."answerUnreliable" IS NULL THEN t."answer" END AS "answer", t."sceneId", t."questionId", q."program", t."format", t."question" FROM "Trace" t LEFT JOIN "Question" q ON q."id" = t."questionId"`;

/** Runs a dead process left behind (VerifyStore.abandonedRuns), outside a transaction. */
export async function abandonedVerifierRuns(options: { staleMs?: number } = {}): Promise<AbandonedRun[]> {
  return readProgram(new VerifyStore().abandonedRuns(options));
}

const VERDICT_COLUMNS = ["runId", "stepId", "traceId", "rule", "outcome", "severity", "message", "evidence"] as const;
const SCORE_COLUMNS = ["runId", "traceId", "quality", "valid", "parts"] as const;

/** Verdict and TraceScore rows collected before one flush (VERDICT_COLUMNS / SCORE_COLUMNS order). */
export interface PendingRows {
  verdicts: Param[][];
  scores: Param[][];
}

/** A trace's denormalised columns after a run: [traceId, quality, valid, failingSteps, failingRules, uncheckedSteps]. */
export type TraceUpdate = [traceId: number, quality: number, valid: boolean, failingSteps: number, failingRules: string | null, uncheckedSteps: number];

/** Trace rows per multi-row UPDATE on PostgreSQL (7 parameters each). */
const UPDATE_ROWS = 1_000;

export const pendingRows = (): PendingRows => ({ verdicts: [], scores: [] });

/** The statement texts (one set per process: the seam caches their prepared forms per text). */
const p = (text: string) => text;
const S = {
  insertRun: p(`INSERT INTO "VerifierRun" ("configId", "datasetId", "status", "ownerPid", "ownerHost", "heartbeatAt", "revisedAfter") VALUES (?, ?, 'running', ?, ?, ?, ?)`),
  adoptRun: p(`UPDATE "VerifierRun" SET "ownerPid" = ?, "ownerHost" = ?, "heartbeatAt" = ? WHERE "id" = ? AND "status" = 'running'`),
  heartbeat: p(`UPDATE "VerifierRun" SET "heartbeatAt" = ? WHERE "id" = ?`),
  runRow: p(`SELECT r."id", r."configId", r."datasetId", r."status", r."revisedAfter", r."startedAt", r."ownerPid", r."ownerHost", r."heartbeatAt", c."version" AS "configVersion", d."name" AS "datasetName" FROM "VerifierRun" r JOIN "VerifierConfig" c ON c."id" = r."configId" JOIN "Dataset" d ON d."id" = r."datasetId" WHERE r."id" = ?`),
  finishRun: p(`UPDATE "VerifierRun" SET "status" = 'done', "traces" = ?, "steps" = ?, "seconds" = ?, "metrics" = ?, "finishedAt" = ? WHERE "id" = ?`),
  // the first statement of a run's last transaction: takes the run's row (PostgreSQL: a row lock, so
  // two workers finishing at once serialise and the second sees the run no longer running)
  lockRunning: p(`UPDATE "VerifierRun" SET "heartbeatAt" = ? WHERE "id" = ? AND "status" = 'running'`),
  traces: p(`SELECT ${VERIFY_INPUT_FROM} WHERE t."datasetId" = ? AND t."id" > ? ORDER BY t."id" LIMIT ?`),
  steps: p(
    `SELECT s."id", s."traceId", s."index", s."kind", s."text", s."tool", s."callId", s."args", s."result",
            CASE WHEN s."revision" > 0 THEN (SELECT MAX(r."id") FROM "StepRevision" r WHERE r."stepId" = s."id" AND r."revision" > 0) END AS "changedAt"
     FROM "Step" s WHERE s."traceId" >= ? AND s."traceId" <= ? ORDER BY s."traceId", s."index"`,
  ),
  updateTrace: p(`UPDATE "Trace" SET "quality" = ?, "valid" = ?, "runId" = ?, "failingSteps" = ?, "failingRules" = ?, "uncheckedSteps" = ? WHERE "id" = ?`),
  // a running run writes its progress (and its heartbeat) after every batch of ~0.1 s
  runProgress: p(`UPDATE "VerifierRun" SET "traces" = ?, "steps" = ?, "seconds" = ?, "heartbeatAt" = ? WHERE "id" = ?`),
  // runs not done: running/cancelling ones whose owner may be gone, and failed ones a crash left mid-removal
  unfinishedRuns: p(`SELECT "id", "status", "ownerPid", "ownerHost", "heartbeatAt", "startedAt", "datasetId", "configId", EXISTS (SELECT 1 FROM "VerifyChunk" c WHERE c."runId" = "VerifierRun"."id") AS "chunked" FROM "VerifierRun" WHERE "status" IN (${[...ACTIVE_RUN_STATUSES, "failed"].map((s) => `'${s}'`).join(", ")}) ORDER BY "id"`),
  markFailed: p(`UPDATE "VerifierRun" SET "status" = 'failed' WHERE "id" = ?`),
  dropVerdictBatch: p(`DELETE FROM "Verdict" WHERE "id" IN (SELECT "id" FROM "Verdict" WHERE "runId" = ? LIMIT ?)`),
  dropScoreBatch: p(`DELETE FROM "TraceScore" WHERE "id" IN (SELECT "id" FROM "TraceScore" WHERE "runId" = ? LIMIT ?)`),
  runStatus: p(`SELECT "status" FROM "VerifierRun" WHERE "id" = ?`),
  cancelRun: p(`UPDATE "VerifierRun" SET "status" = 'cancelling' WHERE "id" = ? AND "status" = 'running'`),
  dropVerdicts: p(`DELETE FROM "Verdict" WHERE "runId" = ?`),
  dropScores: p(`DELETE FROM "TraceScore" WHERE "runId" = ?`),
  dropRun: p(`DELETE FROM "VerifierRun" WHERE "id" = ?`),
  lastRevision: p(`SELECT COALESCE(MAX("id"), 0) AS "last" FROM "StepRevision"`),
  revisedTraces: p(
    `SELECT ${VERIFY_INPUT_FROM}
     WHERE t."datasetId" = ? AND t."id" IN (SELECT s."traceId" FROM "StepRevision" r JOIN "Step" s ON s."id" = r."stepId" WHERE r."id" > ?) ORDER BY t."id"`,
  ),
  deleteVerdicts: p(`DELETE FROM "Verdict" WHERE "runId" = ? AND "traceId" = ?`),
  deleteScore: p(`DELETE FROM "TraceScore" WHERE "runId" = ? AND "traceId" = ?`),
  datasetDisagreements: p(disagreementsSql(`"datasetId" = ?`)),
  traceDisagreements: p(disagreementsSql(`"id" = ?`)),
  rangeDisagreements: p(disagreementsSql(`"datasetId" = ? AND "id" >= ? AND "id" <= ?`)),
  scenes: p(`SELECT s."id", s."name", s."kind", s."relationships", i."width", i."height" FROM "Scene" s LEFT JOIN "Image" i ON i."id" = s."imageId" WHERE s."id" IN (SELECT DISTINCT "sceneId" FROM "Trace" WHERE "datasetId" = ? AND "sceneId" IS NOT NULL)`),
  objects: p(`SELECT o."sceneId", o."index", o."color", o."size", o."shape", o."material", o."x3d", o."y3d", o."z3d", o."px", o."py", o."depth", o."extra" FROM "SceneObject" o WHERE o."sceneId" IN (SELECT DISTINCT "sceneId" FROM "Trace" WHERE "datasetId" = ? AND "sceneId" IS NOT NULL) ORDER BY o."sceneId", o."index"`),
  boxes: p(`SELECT s."id" AS "sceneId", b."source", b."objectIndex", b."x", b."y", b."w", b."h" FROM "Box" b JOIN "Scene" s ON s."imageId" = b."imageId" WHERE b."objectIndex" IS NOT NULL AND s."id" IN (SELECT DISTINCT "sceneId" FROM "Trace" WHERE "datasetId" = ? AND "sceneId" IS NOT NULL)`),
};

export class VerifyStore {
  private readonly s = S;

  /**
   * The scenes a dataset's traces point at, as the tools see them, in three queries (Prisma's
   * nested reads take ~0.6 s for 1,000 scenes here). Same shape and box preference as
   * lib/services/traces/scenes.ts loadToolScenes: ground truth > detector > derived > human.
   */
  *scenes(datasetId: number): Program<Map<number, Scene>> {
    const scenes = new Map<number, Scene>();
    for (const row of yield* all<{ id: number; name: string; kind: string; relationships: string | null; width: number | null; height: number | null }>(this.s.scenes, datasetId)) {
      scenes.set(row.id, {
        ...(isSceneKind(row.kind) && row.kind !== "clevr" ? { kind: row.kind } : {}),
        name: row.name,
        width: row.width ?? 480,
        height: row.height ?? 320,
        relationships: (row.relationships ? JSON.parse(row.relationships) : {}) as Partial<Record<Relation, number[][]>>,
        objects: [],
      });
    }
    const best = new Map<string, { rank: number; box: Box; source: string }>();
    for (const b of yield* all<{ sceneId: number; source: string; objectIndex: number; x: number; y: number; w: number; h: number }>(this.s.boxes, datasetId)) {
      const key = `${b.sceneId}:${b.objectIndex}`;
      const rank = boxSourceRank(b.source);
      const current = best.get(key);
      if (!current || rank < current.rank) best.set(key, { rank, box: [b.x, b.y, b.w, b.h], source: b.source });
    }
    for (const o of yield* all<SceneObjectRow & { sceneId: number }>(this.s.objects, datasetId)) {
      const scene = scenes.get(o.sceneId);
      if (!scene) continue;
      scene.objects.push(sceneObjectFromRow(o, best.get(`${o.sceneId}:${o.index}`)));
    }
    return scenes;
  }

  /**
   * A new running run owned by this process (lib/jobs/owner.ts), or — `queued` — by no process:
   * `stepwise worker` processes share its chunks (docs/design.md §14).
   */
  *insertRun(configId: number, datasetId: number, options: { revisedAfter?: number; queued?: boolean } = {}): Program<number> {
    const owner = ownerStamp();
    return yield* insert(this.s.insertRun, configId, datasetId, options.queued ? null : owner.ownerPid, options.queued ? null : owner.ownerHost, owner.heartbeatAt.toISOString(), options.revisedAfter ?? null);
  }

  /** Makes this process the owner of a running run whose owner is gone (a resume); false when it is not running. */
  *adoptRun(runId: number): Program<boolean> {
    const owner = ownerStamp();
    return (yield* run(this.s.adoptRun, owner.ownerPid, owner.ownerHost, owner.heartbeatAt.toISOString(), runId)).changes === 1;
  }

  /** A worker's sign of life on a queued run (recovery reads it). */
  *heartbeat(runId: number): Program<void> {
    yield* run(this.s.heartbeat, new Date().toISOString(), runId);
  }

  *run(runId: number): Program<StoredRun | undefined> {
    return yield* get<StoredRun>(this.s.runRow, runId);
  }

  /**
   * Takes the run's row for its last transaction: false when it is not running (finished, cancelled
   * or removed meanwhile). On PostgreSQL the row stays locked until the transaction ends.
   */
  *lockRunning(runId: number): Program<boolean> {
    return (yield* run(this.s.lockRunning, new Date().toISOString(), runId)).changes === 1;
  }

  *finishRun(runId: number, traces: number, steps: number, seconds: number, metrics: unknown): Program<void> {
    yield* run(this.s.finishRun, traces, steps, seconds, JSON.stringify(metrics), new Date().toISOString(), runId);
  }

  /** How far a running run has got (the runs list shows it) and for how long it has run. */
  *runProgress(runId: number, traces: number, steps: number, seconds: number): Program<void> {
    yield* run(this.s.runProgress, traces, steps, seconds, new Date().toISOString(), runId);
  }

  /**
   * Runs a dead process left behind: `running`/`cancelling` with their owner gone
   * (lib/jobs/owner.ts), and `failed` ones whose removal a crash interrupted.
   */
  *abandonedRuns(options: { staleMs?: number } = {}): Program<AbandonedRun[]> {
    const rows = yield* all<AbandonedRun>(this.s.unfinishedRuns);
    // a run handed to workers has no owner process: its chunks' leases say who works on it, and it
    // waits for workers however long that takes (cancel it to remove it)
    return rows.filter((r) => r.status === "failed" || (!(r.chunked && r.ownerPid === null && r.status === "running") && ownerGone(r, `verifier-run:${r.id}`, { staleMs: options.staleMs, since: r.startedAt })));
  }

  /** Flags a run as failed (nothing reads it any more) before its rows go batch by batch. */
  *markFailed(runId: number): Program<void> {
    yield* run(this.s.markFailed, runId);
  }

  /**
   * Removes up to `limit` of a run's verdicts (then scores, then the run row); returns how many
   * rows went — 0 when the run is gone. One bounded transaction per call keeps the server free.
   */
  *dropRunBatch(runId: number, limit: number): Program<number> {
    const verdicts = (yield* run(this.s.dropVerdictBatch, runId, limit)).changes;
    if (verdicts > 0) return verdicts;
    const scores = (yield* run(this.s.dropScoreBatch, runId, limit)).changes;
    if (scores > 0) return scores;
    return (yield* run(this.s.dropRun, runId)).changes;
  }

  /** A run's status (undefined: no such run). */
  *runStatus(runId: number): Program<string | undefined> {
    return (yield* get<{ status: string }>(this.s.runStatus, runId))?.status;
  }

  /** Asks a running run to stop (it checks before every batch); false when it is not running. */
  *requestCancel(runId: number): Program<boolean> {
    return (yield* run(this.s.cancelRun, runId)).changes > 0;
  }

  /** Removes a run that failed, with every verdict and score it wrote. */
  *dropRun(runId: number): Program<void> {
    yield* run(this.s.dropVerdicts, runId);
    yield* run(this.s.dropScores, runId);
    yield* run(this.s.dropRun, runId);
  }

  /** The newest step revision's id (0 when there is none). */
  *lastRevision(): Program<number> {
    return (yield* get<{ last: number }>(this.s.lastRevision))?.last ?? 0;
  }

  /** The dataset's traces with a step revised (edited, re-run, undone) after revision `afterId`. */
  *revisedTraces(datasetId: number, afterId: number): Program<TraceRow[]> {
    return yield* all<TraceRow>(this.s.revisedTraces, datasetId, afterId);
  }

  /** Keyset page of a dataset's traces with their question's program. */
  *traces(datasetId: number, afterId: number, limit: number): Program<TraceRow[]> {
    return yield* all<TraceRow>(this.s.traces, datasetId, afterId, limit);
  }

  *steps(fromTraceId: number, toTraceId: number): Program<StepRow[]> {
    return yield* all<StepRow>(this.s.steps, fromTraceId, toTraceId);
  }

  /**
   * Writes what `rows` collected (verdicts, then scores) and empties it: COPY on PostgreSQL (its
   * server CPU per verdict row ~25% below multi-row INSERTs and no bound parameters to encode:
   * bench/README.md "verify-scale"), multi-row prepared INSERTs on SQLite.
   */
  *flush(rows: PendingRows): Program<void> {
    if (rows.verdicts.length) yield* copy("Verdict", VERDICT_COLUMNS, rows.verdicts);
    if (rows.scores.length) yield* copy("TraceScore", SCORE_COLUMNS, rows.scores);
    rows.verdicts = [];
    rows.scores = [];
  }

  *updateTrace(traceId: number, quality: number, valid: boolean, runId: number, failingSteps: number, failingRules: string | null, uncheckedSteps: number): Program<void> {
    yield* run(this.s.updateTrace, quality, valid, runId, failingSteps, failingRules, uncheckedSteps, traceId);
  }

  /**
   * The Trace columns of many traces for a run: one UPDATE per trace on SQLite (a prepared
   * statement, synchronous), one UPDATE … FROM (VALUES …) per 1,000 traces on PostgreSQL.
   */
  *updateTraces(runId: number, rows: readonly TraceUpdate[]): Program<void> {
    if (sqlDialect() !== "postgres") {
      for (const [id, quality, valid, failingSteps, failingRules, unchecked] of rows) yield* run(this.s.updateTrace, quality, valid, runId, failingSteps, failingRules, unchecked, id);
      return;
    }
    for (let start = 0; start < rows.length; start += UPDATE_ROWS) {
      const part = rows.slice(start, start + UPDATE_ROWS);
      const params: Param[] = [runId];
      const tuples = part.map((row, i) => {
        params.push(row[0], row[1], row[2], row[3], row[4], row[5]);
        return i === 0 ? `(?::integer, ?::double precision, ?::boolean, ?::integer, ?::text, ?::integer)` : `(?, ?, ?, ?, ?, ?)`;
      });
      yield* run(
        `UPDATE "Trace" AS t SET "quality" = v.q, "valid" = v.ok, "failingSteps" = v.fs, "failingRules" = v.fr, "uncheckedSteps" = v.us, "runId" = ?
         FROM (VALUES ${tuples.join(", ")}) AS v(tid, q, ok, fs, fr, us) WHERE t."id" = v.tid`,
        ...params,
      );
    }
  }

  /** Drops one trace's verdicts and score in a run before it is verified again (after an edit). */
  *clearTrace(runId: number, traceId: number): Program<void> {
    yield* run(this.s.deleteVerdicts, runId, traceId);
    yield* run(this.s.deleteScore, runId, traceId);
  }

  /** Human labels against the new verdicts: Trace.disagreements for a dataset, a range of its traces, or one trace. */
  *refreshDisagreements(scope: { datasetId: number; from?: number; to?: number } | { traceId: number }): Program<void> {
    if ("datasetId" in scope && scope.from !== undefined) yield* run(this.s.rangeDisagreements, scope.datasetId, scope.from, scope.to ?? 2_147_483_647);
    else if ("datasetId" in scope) yield* run(this.s.datasetDisagreements, scope.datasetId);
    else yield* run(this.s.traceDisagreements, scope.traceId);
  }
}
