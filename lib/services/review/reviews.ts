import { auditStamp } from "@/lib/auth/context";
import { db, dialect } from "@/lib/db";
import { all, batch, dialectText, get, nextIdSql, prepared, readProgram, run, sqlDialect, writeProgram, type Program, type Statement } from "@/lib/db/sql";
import { DISAGREEMENTS_OF_TRACE, disagreementsSql, LABEL_STATE_OF_TRACE } from "@/lib/services/review/disagreements";
import { AppError } from "@/lib/errors";
import type { Prisma } from "@/lib/generated/prisma/client";
import {
  AFTER_ERROR,
  type ReviewActionResult,
  type RevisionDto,
  type StepEditBody,
  type StepLabelBody,
  type StepRerunBody,
  type TraceDecisionBody,
} from "@/lib/schemas/reviews";
import { loadToolScenes } from "@/lib/services/traces/scenes";
import { undoBulk } from "@/lib/services/review/bulk";
import { holdSlot } from "@/lib/services/review/review-slots";
import { resolveUser, reviewerName, type UserRef } from "@/lib/services/review/users";
import { reverifyTrace } from "@/lib/services/verify/verify";
import { getTool } from "@/lib/tools/registry";
import { stepRefs } from "@/lib/tools/refs";

// Human review: labels, trace decisions, edits and re-runs, each in one transaction with its audit
// row (which is also what undo reads). Optimistic concurrency: every request carries the version
// of the step (or trace) the client saw; a stale version is a conflict, never a silent overwrite.
// Labels are append-only; the latest row per (reviewer, item) is `current`.

type Tx = Prisma.TransactionClient;

const HUMAN = "human";

function conflict(what: string, current: number, expected: number, detail: string): AppError {
  return new AppError("conflict", `${what} changed since you loaded it (version ${current}, you had ${expected}): ${detail}. Reload to see the latest and try again.`);
}

/** Why a step's version moved on: its latest human label and its latest edit (read for the conflict message). */
function* stepConflict(step: { id: number; index: number; version: number }, expectedVersion: number): Program<AppError> {
  const latest = yield* get<{ label: string; name: string }>(
    `SELECT r."label" AS label, u."name" AS name FROM "Review" r JOIN "User" u ON u."id" = r."userId" WHERE r."stepId" = ? AND r."current" = TRUE AND r."source" = 'human' ORDER BY r."id" DESC LIMIT 1`,
    step.id,
  );
  const revision = yield* get<{ revision: number; name: string | null }>(
    `SELECT v."revision" AS revision, u."name" AS name FROM "StepRevision" v LEFT JOIN "User" u ON u."id" = v."createdById" WHERE v."stepId" = ? ORDER BY v."revision" DESC LIMIT 1`,
    step.id,
  );
  const parts = [
    latest ? `labelled ${latest.label} by ${latest.name}` : null,
    revision && revision.revision > 0 ? `edited (revision ${revision.revision}) by ${revision.name ?? "someone"}` : null,
  ].filter(Boolean);
  return conflict(`Step ${step.index}`, step.version, expectedVersion, parts.join(", ") || "updated elsewhere");
}

async function lockedStep(tx: Tx, stepId: number, expectedVersion: number) {
  // PostgreSQL runs transactions side by side (READ COMMITTED): the step row is locked so two
  // reviewers holding the same version cannot both pass the check. SQLite's writer is alone already.
  if (dialect() === "postgres") await tx.$executeRawUnsafe(`SELECT 1 FROM "Step" WHERE "id" = $1 FOR UPDATE`, stepId);
  const step = await tx.step.findUnique({ where: { id: stepId } });
  if (!step) throw new AppError("not_found", `step ${stepId} not found`);
  if (step.version !== expectedVersion) throw await readProgram(stepConflict(step, expectedVersion));
  return step;
}

async function bumpStep(tx: Tx, stepId: number, data: Prisma.StepUpdateInput = {}) {
  return tx.step.update({ where: { id: stepId }, data: { ...data, version: { increment: 1 } }, select: { id: true, version: true, revision: true } });
}

/** Label state and disagreements of one trace, recounted (`?`: its id), with its version. */
const TRACE_STATE = prepared(`UPDATE "Trace" SET "labelState" = ${LABEL_STATE_OF_TRACE}, "disagreements" = ${DISAGREEMENTS_OF_TRACE} WHERE "id" = ? RETURNING "labelState" AS labelState, "version" AS version`);

/**
 * unlabeled | partial | complete over steps, counting human labels and after-error markers, and
 * the disagreements: one UPDATE … RETURNING (one round trip on PostgreSQL instead of four).
 */
async function refreshTraceState(tx: Tx, traceId: number): Promise<{ labelState: string; version: number }> {
  const [row] = await tx.$queryRawUnsafe<Array<{ labelState: string; version: number | bigint }>>(dialectText(TRACE_STATE), Math.trunc(traceId));
  if (!row) throw new AppError("not_found", `trace ${traceId} not found`);
  return { labelState: row.labelState, version: Number(row.version) };
}

/** Label state and disagreements recounted after steps were replaced (Re-generate from here, restore). */
export async function refreshTraceReviewState(traceId: number): Promise<void> {
  await writeProgram(() => get(TRACE_STATE, Math.trunc(traceId)));
}

/** Recounts Trace.disagreements for these traces (see lib/services/review/disagreements.ts). */
export async function refreshDisagreements(tx: Tx | ReturnType<typeof db>, traceIds: number[]): Promise<void> {
  if (traceIds.length === 0) return;
  await tx.$executeRawUnsafe(disagreementsSql(`"id" IN (${traceIds.map((id) => Math.trunc(id)).join(",")})`));
}

async function audit(tx: Tx, user: UserRef, action: string, entity: string, entityId: number, data: Record<string, unknown>) {
  await tx.auditLog.create({ data: { userId: user.id, action, entity, entityId: String(entityId), data: data as Prisma.InputJsonValue, ...auditStamp() } });
}

/** The audit row of a review action as a statement (a `batch` member); the same row `audit` writes. */
function auditRow(userId: number, action: string, entity: string, entityId: number, data: Record<string, unknown>, now: Date): Statement {
  const stamp = auditStamp();
  return {
    text: prepared(`INSERT INTO "AuditLog" ("userId", "action", "entity", "entityId", "data", "tokenId", "role", "requestId", "createdAt") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`),
    params: [userId, action, entity, String(entityId), JSON.stringify(data), stamp.tokenId, stamp.role, stamp.requestId, now],
  };
}

async function result(tx: Tx, action: ReviewActionResult["action"], traceId: number, stepId: number | null, stepIds: number[]): Promise<ReviewActionResult> {
  const state = await refreshTraceState(tx, traceId);
  const steps = await tx.step.findMany({ where: { id: { in: stepIds } }, select: { id: true, version: true, revision: true }, orderBy: { index: "asc" } });
  return { action, traceId, stepId, steps, traceVersion: state.version, labelState: state.labelState };
}

/** `FOR UPDATE OF <alias>` on PostgreSQL (see the header of the label program); nothing on SQLite. */
const forUpdateOf = (alias: string) => (sqlDialect() === "postgres" ? ` FOR UPDATE OF ${alias}` : "");

/** The review policy columns of a locked row, when the trace's dataset has one. */
const policyOf = (row: { minReviews: number | null; leaseMinutes: number | null }) =>
  row.minReviews === null || row.leaseMinutes === null ? null : { minReviews: Number(row.minReviews), leaseMinutes: Number(row.leaseMinutes) };

const placeholders = (values: readonly unknown[]) => values.map(() => "?").join(", ");

/** The id of the reviewer named, or null when no such user exists yet (resolveUser creates one). */
const USER_ID = `(SELECT "id" FROM "User" WHERE "name" = ?)`;

interface LockedStepRow {
  id: number; traceId: number; index: number; revision: number; version: number; datasetId: number;
  minReviews: number | null; leaseMinutes: number | null; userId: number | null; previousId: number | null; reviewId: number;
  /** one row per after-error marker this step set earlier for the reviewer (null: none) */
  clearedId: number | null; clearedStepId: number | null; clearedIndex: number | null; clearedVersion: number | null; clearedRevision: number | null;
}

type ReviewStep = ReviewActionResult["steps"][number] & { index: number };

/**
 * A step label as a statement program: on PostgreSQL BEGIN, one read, one write, one recount,
 * COMMIT (plus one read each for a review policy and for stop-at-first-error). The read locks the
 * step (`FOR UPDATE`: PostgreSQL runs transactions side by side, so two reviewers holding the same
 * version cannot both pass the check; SQLite's writer is alone already) and brings everything the
 * writes need: the version, the trace's policy, the reviewer, their current label on the step, the
 * markers this step set earlier and the new review's id. A stale version throws before anything is
 * written. The writes (retired labels, the new one, version bumps, the audit row that undo reads)
 * are independent, so they go as one `batch`; the label state is recounted after them.
 */
function* labelProgram(stepId: number, body: StepLabelBody, userName: string, now: Date): Program<ReviewActionResult | null> {
  const rows = yield* all<LockedStepRow>(
    prepared(`SELECT s."id" AS id, s."traceId" AS traceId, s."index" AS "index", s."revision" AS revision, s."version" AS version, t."datasetId" AS datasetId,
            p."minReviews" AS minReviews, p."leaseMinutes" AS leaseMinutes, u."id" AS userId,
            (SELECT MAX(r."id") FROM "Review" r WHERE r."stepId" = s."id" AND r."userId" = u."id" AND r."current" = TRUE) AS previousId,
            ${nextIdSql("Review")} AS reviewId,
            m."id" AS clearedId, ms."id" AS clearedStepId, ms."index" AS clearedIndex, ms."version" AS clearedVersion, ms."revision" AS clearedRevision
     FROM "Step" s JOIN "Trace" t ON t."id" = s."traceId"
     LEFT JOIN "ReviewPolicy" p ON p."datasetId" = t."datasetId"
     LEFT JOIN "User" u ON u."id" = ${USER_ID}
     LEFT JOIN "Review" m ON m."traceId" = s."traceId" AND m."userId" = u."id" AND m."current" = TRUE AND m."label" = ? AND m."comment" = 'after step ' || s."index"
     LEFT JOIN "Step" ms ON ms."id" = m."stepId"
     WHERE s."id" = ? ORDER BY m."id"${forUpdateOf("s")}`),
    userName, AFTER_ERROR, stepId,
  );
  const step = rows[0];
  if (!step) throw new AppError("not_found", `step ${stepId} not found`);
  if (step.userId === null) return null; // a reviewer not recorded yet: the caller creates them and runs this again
  if (step.version !== body.expectedVersion) throw yield* stepConflict(step, body.expectedVersion);
  const userId = step.userId;
  const writes: Statement[] = [];
  const policy = policyOf(step);
  // several reviewers per trace: a free slot or one already held
  if (policy) writes.push(yield* holdSlot({ id: step.traceId, datasetId: step.datasetId }, policy, userId, now));
  // Markers this step created earlier (as a rejected step) stop applying once it is relabelled.
  const cleared = rows.filter((r) => r.clearedId !== null).map((r) => ({ id: r.clearedId!, stepId: r.clearedStepId!, index: r.clearedIndex!, version: r.clearedVersion!, revision: r.clearedRevision! }));
  const retired = [step.previousId, ...cleared.map((c) => c.id)];
  const reviewId = Number(step.reviewId);
  const inserts: Array<[number, number, string, string | null, number | null, number | null, boolean, string | null]> = [
    [reviewId, stepId, body.label, body.comment ?? null, step.revision, body.timeSpentMs ?? null, false, body.stopAtFirstError ? JSON.stringify({ mode: "stop_at_first_error" }) : null],
  ];
  const markers: Array<{ id: number; stepId: number; replaced: number | null }> = [];
  const bumped: ReviewStep[] = [{ id: stepId, index: step.index, version: step.version + 1, revision: step.revision }];
  if (body.label === "reject" && body.stopAtFirstError) {
    // PRM800K phase 2: after the first error, later steps are not judged; mark them so.
    const later = yield* all<{ id: number; index: number; version: number; revision: number; ownId: number | null; ownLabel: string | null }>(
      `SELECT s."id" AS id, s."index" AS "index", s."version" AS version, s."revision" AS revision, r."id" AS ownId, r."label" AS ownLabel
       FROM "Step" s LEFT JOIN "Review" r ON r."stepId" = s."id" AND r."userId" = ? AND r."current" = TRUE
       WHERE s."traceId" = ? AND s."index" > ? ORDER BY s."index", r."id"`,
      userId, step.traceId, step.index,
    );
    const seen = new Set<number>();
    const marked: typeof later = [];
    for (const next of later) {
      if (seen.has(next.id)) continue;
      seen.add(next.id);
      // a marker cleared above no longer counts as the reviewer's own label
      const own = next.ownId !== null && !cleared.some((c) => c.id === next.ownId) ? { id: next.ownId, label: next.ownLabel } : null;
      if (own && own.label !== AFTER_ERROR) continue; // an explicit label stays
      if (own) retired.push(own.id);
      marked.push({ ...next, ownId: own?.id ?? null });
    }
    // the markers' ids follow the label's: from the sequence on PostgreSQL (other writers draw from it
    // meanwhile); on SQLite, inside the write transaction, the ids after the label's are free
    const ids = !marked.length
      ? []
      : sqlDialect() === "postgres"
        ? (yield* all<{ id: number }>(`SELECT nextval(pg_get_serial_sequence('"Review"', 'id')) AS id FROM generate_series(1, ?)`, marked.length)).map((r) => Number(r.id)).sort((a, b) => a - b)
        : marked.map((_, i) => reviewId + 1 + i);
    for (const [i, next] of marked.entries()) {
      markers.push({ id: ids[i], stepId: next.id, replaced: next.ownId });
      inserts.push([ids[i], next.id, AFTER_ERROR, `after step ${step.index}`, null, null, true, null]);
      bumped.push({ id: next.id, index: next.index, version: next.version + 1, revision: next.revision });
    }
  }
  const live = retired.filter((id): id is number => id !== null);
  if (live.length) writes.push({ text: prepared(`UPDATE "Review" SET "current" = FALSE WHERE "id" IN (${placeholders(live)})`), params: live });
  writes.push({
    text: prepared(`INSERT INTO "Review" ("id", "traceId", "stepId", "userId", "label", "comment", "revision", "timeSpentMs", "afterError", "source", "provenance", "current", "createdAt") VALUES ${inserts.map(() => `(?, ?, ?, ?, ?, ?, ?, ?, ?, '${HUMAN}', ?, TRUE, ?)`).join(", ")}`),
    params: inserts.flatMap(([id, sid, label, comment, revision, spent, afterError, provenance]) => [id, step.traceId, sid, userId, label, comment, revision, spent, afterError, provenance, now]),
  });
  writes.push({ text: prepared(`UPDATE "Step" SET "version" = "version" + 1 WHERE "id" IN (${placeholders(bumped)})`), params: bumped.map((b) => b.id) });
  writes.push(auditRow(userId, "review.label", "step", stepId, {
    traceId: step.traceId, reviewId, previousReviewId: step.previousId ?? null, markers, clearedMarkerIds: cleared.map((c) => c.id),
  }, now));
  yield* batch(writes);
  const state = (yield* get<{ labelState: string; version: number }>(TRACE_STATE, step.traceId))!;
  const steps = new Map<number, ReviewStep>();
  for (const s of [...bumped, ...cleared]) if (!steps.has(s.id)) steps.set(s.id, s);
  return {
    action: "label", traceId: step.traceId, stepId,
    steps: [...steps.values()].sort((a, b) => a.index - b.index).map(({ id, version, revision }) => ({ id, version, revision })),
    traceVersion: state.version, labelState: state.labelState,
  };
}

/** Runs a review action's program; a reviewer named for the first time is recorded first. */
async function reviewAction(name: string | undefined, program: (userName: string, now: Date) => Program<ReviewActionResult | null>): Promise<ReviewActionResult> {
  const userName = reviewerName(name);
  const done = await writeProgram(() => program(userName, new Date()));
  if (done) return done;
  await resolveUser(userName);
  return (await writeProgram(() => program(userName, new Date())))!;
}

export async function recordStepLabel(stepId: number, body: StepLabelBody): Promise<ReviewActionResult> {
  return reviewAction(body.user, (userName, now) => labelProgram(stepId, body, userName, now));
}

/** A trace decision as a statement program: BEGIN, one read (the trace locked, as a label locks its step), one write, COMMIT. */
function* decisionProgram(traceId: number, body: TraceDecisionBody, userName: string, now: Date): Program<ReviewActionResult | null> {
  const trace = yield* get<{ id: number; version: number; decision: string | null; datasetId: number; minReviews: number | null; leaseMinutes: number | null; userId: number | null; previousId: number | null; reviewId: number }>(
    prepared(`SELECT t."id" AS id, t."version" AS version, t."decision" AS decision, t."datasetId" AS datasetId,
            p."minReviews" AS minReviews, p."leaseMinutes" AS leaseMinutes, u."id" AS userId,
            (SELECT MAX(r."id") FROM "Review" r WHERE r."traceId" = t."id" AND r."stepId" IS NULL AND r."userId" = u."id" AND r."current" = TRUE) AS previousId,
            ${nextIdSql("Review")} AS reviewId
     FROM "Trace" t LEFT JOIN "ReviewPolicy" p ON p."datasetId" = t."datasetId" LEFT JOIN "User" u ON u."id" = ${USER_ID}
     WHERE t."id" = ?${forUpdateOf("t")}`),
    userName, traceId,
  );
  if (!trace) throw new AppError("not_found", `trace ${traceId} not found`);
  if (trace.userId === null) return null;
  if (trace.version !== body.expectedVersion) throw conflict("The trace decision", trace.version, body.expectedVersion, `now ${trace.decision ?? "undecided"}`);
  const userId = trace.userId;
  const reviewId = Number(trace.reviewId);
  const writes: Statement[] = [];
  const policy = policyOf(trace);
  if (policy) writes.push(yield* holdSlot(trace, policy, userId, now));
  if (trace.previousId !== null) writes.push({ text: prepared(`UPDATE "Review" SET "current" = FALSE WHERE "id" IN (?)`), params: [trace.previousId] });
  writes.push({
    text: prepared(`INSERT INTO "Review" ("id", "traceId", "userId", "label", "comment", "timeSpentMs", "source", "current", "createdAt") VALUES (?, ?, ?, ?, ?, ?, '${HUMAN}', TRUE, ?)`),
    params: [reviewId, traceId, userId, body.decision, body.comment ?? null, body.timeSpentMs ?? null, now],
  });
  writes.push(auditRow(userId, "review.decision", "trace", traceId, { traceId, reviewId, previousReviewId: trace.previousId ?? null, previousDecision: trace.decision }, now));
  // last: the decision and the recount in one UPDATE (a decision is no step label: the counts
  // do not depend on the review written beside it, which this statement does not see on PostgreSQL)
  writes.push({
    text: prepared(`UPDATE "Trace" SET "decision" = ?, "version" = "version" + 1, "labelState" = ${LABEL_STATE_OF_TRACE}, "disagreements" = ${DISAGREEMENTS_OF_TRACE} WHERE "id" = ? RETURNING "labelState" AS labelState, "version" AS version`),
    params: [body.decision, traceId],
  });
  const [state] = yield* batch<{ labelState: string; version: number }>(writes);
  return { action: "decision", traceId, stepId: null, steps: [], traceVersion: state.version, labelState: state.labelState };
}

export async function recordTraceDecision(traceId: number, body: TraceDecisionBody): Promise<ReviewActionResult> {
  return reviewAction(body.user, (userName, now) => decisionProgram(traceId, body, userName, now));
}

/** Revision 0 keeps the imported content the first time a step changes. */
async function keepOriginal(tx: Tx, step: { id: number; revision: number; text: string | null; args: unknown; result: unknown }) {
  const exists = await tx.stepRevision.findFirst({ where: { stepId: step.id }, select: { id: true } });
  if (!exists) {
    await tx.stepRevision.create({ data: { stepId: step.id, revision: step.revision, text: step.text, args: step.args as Prisma.InputJsonValue ?? undefined, result: step.result as Prisma.InputJsonValue ?? undefined, reason: "original" } });
  }
}

async function writeRevision(
  tx: Tx,
  user: UserRef,
  step: { id: number; revision: number; kind: string; tool: string | null; text: string | null; args: unknown; result: unknown; traceId: number },
  change: { text?: string | null; args?: unknown; result?: unknown },
  reason: string,
) {
  await keepOriginal(tx, step);
  const next = { text: change.text !== undefined ? change.text : step.text, args: change.args !== undefined ? change.args : step.args, result: change.result !== undefined ? change.result : step.result };
  const revision = step.revision + 1;
  await tx.stepRevision.create({
    data: { stepId: step.id, revision, text: next.text, args: next.args as Prisma.InputJsonValue ?? undefined, result: next.result as Prisma.InputJsonValue ?? undefined, reason, createdById: user.id },
  });
  const refs = stepRefs({ kind: step.kind, tool: step.tool, args: next.args, result: next.result, text: next.text });
  await bumpStep(tx, step.id, {
    revision,
    text: next.text,
    args: (next.args ?? undefined) as Prisma.InputJsonValue | undefined,
    result: (next.result ?? undefined) as Prisma.InputJsonValue | undefined,
    refs: refs.length ? JSON.stringify(refs) : null,
  });
  if (step.kind === "answer" && change.text !== undefined) await tx.trace.update({ where: { id: step.traceId }, data: { finalAnswer: next.text } });
  return { from: step.revision, to: revision };
}

export async function editStep(stepId: number, body: StepEditBody): Promise<ReviewActionResult> {
  const user = await resolveUser(body.user);
  const traceId = await db().$transaction(async (tx) => {
    const step = await lockedStep(tx, stepId, body.expectedVersion);
    if (body.args !== undefined && step.kind !== "tool_call") throw new AppError("invalid_input", `step ${step.index} is a ${step.kind}; only tool calls have args`);
    if (body.text !== undefined && step.kind === "tool_result") throw new AppError("invalid_input", `step ${step.index} is a tool result; edit its call and re-run it instead`);
    const change = await writeRevision(tx, user, step, { ...(body.text !== undefined ? { text: body.text } : {}), ...(body.args !== undefined ? { args: body.args } : {}) }, "edit");
    await audit(tx, user, "review.edit", "step", stepId, { traceId: step.traceId, revisions: [{ stepId, ...change }], comment: body.comment ?? null });
    return step.traceId;
  });
  await reverifyTrace(traceId);
  return db().$transaction((tx) => result(tx, "edit", traceId, stepId, [stepId]));
}

/**
 * Executes a (possibly edited) tool call on the trace's scene and stores the new call and result
 * as revisions of their steps, then re-verifies the trace within its latest run (as an edit does).
 */
export async function rerunStep(stepId: number, body: StepRerunBody): Promise<ReviewActionResult> {
  const user = await resolveUser(body.user);
  const outcome = await db().$transaction(async (tx) => {
    const step = await lockedStep(tx, stepId, body.expectedVersion);
    if (step.kind !== "tool_call" || !step.tool) throw new AppError("invalid_input", `step ${step.index} is not a tool call`);
    const tool = getTool(step.tool);
    if (!tool?.execute) throw new AppError("invalid_input", `tool ${step.tool} cannot be re-executed here (no executor)`);
    const trace = await tx.trace.findUniqueOrThrow({ where: { id: step.traceId }, select: { sceneId: true } });
    if (!trace.sceneId) throw new AppError("invalid_input", "this trace has no scene to re-run the tool on");
    const scene = (await loadToolScenes([trace.sceneId])).get(trace.sceneId)!;
    const args = (body.args ?? step.args ?? {}) as Record<string, unknown>;
    const executed = tool.execute(scene, args);
    const output = executed.ok ? executed.value : { error: executed.error };
    const revisions = [];
    if (body.args !== undefined) revisions.push({ stepId, ...(await writeRevision(tx, user, step, { args }, "edit")) });
    const resultStep = await tx.step.findFirst({ where: { traceId: step.traceId, kind: "tool_result", callId: step.callId, index: { gt: step.index } }, orderBy: { index: "asc" } });
    if (resultStep) revisions.push({ stepId: resultStep.id, ...(await writeRevision(tx, user, resultStep, { result: output }, "rerun")) });
    await audit(tx, user, "review.rerun", "step", stepId, { traceId: step.traceId, revisions, output });
    return { traceId: step.traceId, touched: revisions.map((r) => r.stepId) };
  });
  await reverifyTrace(outcome.traceId);
  return db().$transaction((tx) => result(tx, "rerun", outcome.traceId, stepId, [stepId, ...outcome.touched]));
}

const UNDOABLE = ["review.label", "review.decision", "review.edit", "review.rerun", "review.bulk"];

/**
 * Prisma's JSON path filter on the audit row's `traceId`: a JSONPath string on SQLite, a list of
 * keys on PostgreSQL (the generated clients type only their own; the value is the same filter).
 */
function traceIdIs(traceId: number): { path: string; equals: number } {
  const path = (dialect() === "postgres" ? ["traceId"] : "$.traceId") as unknown as string;
  return { path, equals: traceId };
}

interface UndoEntry { id: number; action: string; entity: string; entityId: string; data: string; userId: number }

/**
 * Undoing a label or a decision (the undo of the review loop) as a statement program, as they were
 * written: BEGIN; the user's latest undoable audit row (the (userId, id) index, newest first); that
 * row marked undone — `AND "undoneAt" IS NULL` locks it and says whether another undo got there
 * first (the same 409 as before); one `batch` of the writes (labels retired and restored, the
 * steps' versions bumped and returned); the label-state recount (a decision's in its batch);
 * COMMIT. An edit, re-run or bulk action comes back as `{ pending }`, the audit row found, for
 * `undoLastAction`'s Prisma path (which then does not look for it again).
 */
function* undoProgram(userName: string, traceId: number | undefined, now: Date): Program<ReviewActionResult | { pending: { id: number; action: string; entityId: string } }> {
  const onTrace = traceId === undefined ? "" : sqlDialect() === "postgres" ? ` AND a."data" -> 'traceId' = to_jsonb(?::integer)` : ` AND json_extract(a."data", '$.traceId') = ?`;
  const entry = yield* get<UndoEntry>(
    prepared(`SELECT a."id" AS id, a."action" AS action, a."entity" AS entity, a."entityId" AS entityId, a."data" AS data, a."userId" AS userId FROM "AuditLog" a
     WHERE a."userId" = ${USER_ID} AND a."undoneAt" IS NULL AND a."action" IN (${placeholders(UNDOABLE)})${onTrace} ORDER BY a."id" DESC LIMIT 1`),
    userName, ...UNDOABLE, ...(traceId === undefined ? [] : [traceId]),
  );
  if (!entry) throw new AppError("not_found", "nothing to undo");
  if (entry.action !== "review.label" && entry.action !== "review.decision") return { pending: { id: entry.id, action: entry.action, entityId: entry.entityId } };
  if ((yield* run(prepared(`UPDATE "AuditLog" SET "undoneAt" = ? WHERE "id" = ? AND "undoneAt" IS NULL`), now, entry.id)).changes === 0) throw new AppError("conflict", "this action was undone meanwhile");
  const data = JSON.parse(entry.data) as Record<string, unknown>;
  const trace = Number(data.traceId);
  const previous = data.previousReviewId ? [Number(data.previousReviewId)] : [];
  const retire = (ids: number[]): Statement => ({ text: prepared(`UPDATE "Review" SET "current" = FALSE WHERE "id" IN (${placeholders(ids)})`), params: ids });
  const restore = (ids: number[]): Statement => ({ text: prepared(`UPDATE "Review" SET "current" = TRUE WHERE "id" IN (${placeholders(ids)})`), params: ids });
  if (entry.action === "review.decision") {
    const [state] = yield* batch<{ labelState: string; version: number }>([
      retire([Number(data.reviewId)]),
      ...(previous.length ? [restore(previous)] : []),
      {
        text: prepared(`UPDATE "Trace" SET "decision" = ?, "version" = "version" + 1, "labelState" = ${LABEL_STATE_OF_TRACE}, "disagreements" = ${DISAGREEMENTS_OF_TRACE} WHERE "id" = ? RETURNING "labelState" AS labelState, "version" AS version`),
        params: [(data.previousDecision as string | null) ?? null, trace],
      },
    ]);
    return { action: "undo", undone: "decision", traceId: trace, stepId: null, steps: [], traceVersion: state.version, labelState: state.labelState };
  }
  const stepId = Number(entry.entityId);
  const markers = (data.markers ?? []) as Array<{ id: number; stepId: number; replaced: number | null }>;
  const restored = (data.clearedMarkerIds ?? []) as number[];
  const back = [...previous, ...markers.flatMap((m) => (m.replaced ? [m.replaced] : [])), ...restored];
  // the steps touched: the label's, its markers', and those of the markers it had cleared (read from their rows)
  const own = [stepId, ...markers.map((m) => m.stepId)];
  const bumped = yield* batch<ReviewStep>([
    retire([Number(data.reviewId), ...markers.map((m) => m.id)]),
    ...(back.length ? [restore(back)] : []),
    {
      text: prepared(`UPDATE "Step" SET "version" = "version" + 1 WHERE "id" IN (${placeholders(own)})${restored.length ? ` OR "id" IN (SELECT "stepId" FROM "Review" WHERE "id" IN (${placeholders(restored)}))` : ""}
       RETURNING "id" AS id, "version" AS version, "revision" AS revision, "index" AS "index"`),
      params: [...own, ...restored],
    },
  ]);
  const state = (yield* get<{ labelState: string; version: number }>(TRACE_STATE, trace))!;
  return {
    action: "undo", undone: "label", traceId: trace, stepId: entry.entity === "step" ? stepId : null,
    steps: [...bumped].sort((a, b) => a.index - b.index).map(({ id, version, revision }) => ({ id, version, revision })),
    traceVersion: state.version, labelState: state.labelState,
  };
}

/**
 * Reverts the user's most recent review action that is not undone yet — on one trace when
 * `traceId` is given (a bulk action has no single trace, so it is never picked then), or the bulk
 * action `bulk` (lib/services/review/bulk.ts), which is reverted whole in one undo.
 */
export async function undoLastAction(options: { user?: string; traceId?: number; bulk?: number } = {}): Promise<ReviewActionResult> {
  let pending: { id: number; action: string; entityId: string } | null = null;
  if (!options.bulk) {
    const undone = await writeProgram(() => undoProgram(reviewerName(options.user), options.traceId, new Date()));
    if (!("pending" in undone)) return undone;
    pending = undone.pending;
  }
  const user = await resolveUser(options.user);
  const latest = pending ?? await db().auditLog.findFirst({
    where: {
      userId: user.id, undoneAt: null,
      ...(options.bulk ? { action: "review.bulk", entity: "bulk", entityId: String(options.bulk) } : { action: { in: UNDOABLE } }),
      ...(options.traceId ? { data: traceIdIs(options.traceId) } : {}),
    },
    orderBy: { id: "desc" },
    select: { id: true, action: true, entityId: true },
  });
  if (!latest) throw new AppError("not_found", options.bulk ? `bulk action ${options.bulk} is not yours, or was undone already` : "nothing to undo");
  if (latest.action === "review.bulk") {
    const summary = await undoBulk(Number(latest.entityId), user);
    const traceId = summary.firstTraceId ?? 0;
    const trace = traceId ? await db().trace.findUnique({ where: { id: traceId }, select: { version: true, labelState: true } }) : null;
    return { action: "undo", undone: "bulk", traceId, stepId: null, steps: [], traceVersion: trace?.version ?? 0, labelState: trace?.labelState ?? "unlabeled", bulk: { id: summary.id, reverted: summary.reverted, keptLater: summary.keptLater, chunks: summary.chunks } };
  }
  const outcome = await db().$transaction(async (tx) => {
    const entry = await tx.auditLog.findFirst({ where: { id: latest.id, undoneAt: null } });
    if (!entry) throw new AppError("conflict", "this action was undone meanwhile");
    const data = entry.data as Record<string, unknown>;
    const traceId = Number(data.traceId);
    const touched: number[] = [];
    if (entry.action === "review.label") {
      const stepId = Number(entry.entityId);
      await tx.review.update({ where: { id: Number(data.reviewId) }, data: { current: false } });
      if (data.previousReviewId) await tx.review.update({ where: { id: Number(data.previousReviewId) }, data: { current: true } });
      for (const marker of (data.markers ?? []) as Array<{ id: number; stepId: number; replaced: number | null }>) {
        await tx.review.update({ where: { id: marker.id }, data: { current: false } });
        if (marker.replaced) await tx.review.update({ where: { id: marker.replaced }, data: { current: true } });
        touched.push(marker.stepId);
      }
      const restored = (data.clearedMarkerIds ?? []) as number[];
      if (restored.length) {
        await tx.review.updateMany({ where: { id: { in: restored } }, data: { current: true } });
        touched.push(...(await tx.review.findMany({ where: { id: { in: restored } }, select: { stepId: true } })).map((r) => r.stepId!));
      }
      touched.push(stepId);
    } else if (entry.action === "review.decision") {
      await tx.review.update({ where: { id: Number(data.reviewId) }, data: { current: false } });
      if (data.previousReviewId) await tx.review.update({ where: { id: Number(data.previousReviewId) }, data: { current: true } });
      await tx.trace.update({ where: { id: traceId }, data: { decision: (data.previousDecision as string | null) ?? null, version: { increment: 1 } } });
    } else {
      // Edits and re-runs are undone by a new revision carrying the earlier content: history stays whole.
      for (const change of (data.revisions ?? []) as Array<{ stepId: number; from: number }>) {
        const step = await tx.step.findUniqueOrThrow({ where: { id: change.stepId } });
        const earlier = await tx.stepRevision.findUniqueOrThrow({ where: { stepId_revision: { stepId: change.stepId, revision: change.from } } });
        await writeRevision(tx, user, step, { text: earlier.text, args: earlier.args, result: earlier.result }, "undo");
        touched.push(change.stepId);
      }
    }
    for (const stepId of new Set(touched)) if (entry.action === "review.label") await bumpStep(tx, stepId);
    await tx.auditLog.update({ where: { id: entry.id }, data: { undoneAt: new Date() } });
    return { traceId, touched: [...new Set(touched)], action: entry.action, stepId: entry.entity === "step" ? Number(entry.entityId) : null };
  });
  if (outcome.action === "review.edit" || outcome.action === "review.rerun") await reverifyTrace(outcome.traceId);
  return db().$transaction(async (tx) => ({
    ...(await result(tx, "undo", outcome.traceId, outcome.stepId, outcome.touched)),
    undone: outcome.action.replace("review.", ""),
  }));
}

export async function listRevisions(stepId: number): Promise<RevisionDto[]> {
  const step = await db().step.findUnique({ where: { id: stepId }, select: { revision: true, text: true, args: true, result: true } });
  if (!step) throw new AppError("not_found", `step ${stepId} not found`);
  const rows = await db().stepRevision.findMany({ where: { stepId }, orderBy: { revision: "asc" }, include: { createdBy: { select: { name: true } } } });
  if (rows.length === 0) return [{ revision: step.revision, text: step.text, args: step.args, result: step.result, reason: "original", user: null, createdAt: new Date(0).toISOString() }];
  return rows.map((r) => ({ revision: r.revision, text: r.text, args: r.args, result: r.result, reason: r.reason, user: r.createdBy?.name ?? null, createdAt: r.createdAt.toISOString() }));
}
