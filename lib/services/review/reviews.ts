import { auditStamp } from "@/lib/auth/context";
import { db, dialect } from "@/lib/db";
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
import { ensureSlot } from "@/lib/services/review/review-slots";
import { resolveUser, type UserRef } from "@/lib/services/review/users";
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

async function lockedStep(tx: Tx, stepId: number, expectedVersion: number) {
  // PostgreSQL runs transactions side by side (READ COMMITTED): the step row is locked so two
  // reviewers holding the same version cannot both pass the check. SQLite's writer is alone already.
  if (dialect() === "postgres") await tx.$executeRawUnsafe(`SELECT 1 FROM "Step" WHERE "id" = $1 FOR UPDATE`, stepId);
  const step = await tx.step.findUnique({ where: { id: stepId } });
  if (!step) throw new AppError("not_found", `step ${stepId} not found`);
  if (step.version !== expectedVersion) {
    const latest = await tx.review.findFirst({ where: { stepId, current: true, source: HUMAN }, orderBy: { id: "desc" }, include: { user: { select: { name: true } } } });
    const revision = await tx.stepRevision.findFirst({ where: { stepId }, orderBy: { revision: "desc" }, include: { createdBy: { select: { name: true } } } });
    const parts = [
      latest ? `labelled ${latest.label} by ${latest.user.name}` : null,
      revision && revision.revision > 0 ? `edited (revision ${revision.revision}) by ${revision.createdBy?.name ?? "someone"}` : null,
    ].filter(Boolean);
    throw conflict(`Step ${step.index}`, step.version, expectedVersion, parts.join(", ") || "updated elsewhere");
  }
  return step;
}

async function bumpStep(tx: Tx, stepId: number, data: Prisma.StepUpdateInput = {}) {
  return tx.step.update({ where: { id: stepId }, data: { ...data, version: { increment: 1 } }, select: { id: true, version: true, revision: true } });
}

/**
 * unlabeled | partial | complete over steps, counting human labels and after-error markers, and
 * the disagreements: one UPDATE … RETURNING (one round trip on PostgreSQL instead of four).
 */
async function refreshTraceState(tx: Tx, traceId: number): Promise<{ labelState: string; version: number }> {
  const [row] = await tx.$queryRawUnsafe<Array<{ labelState: string; version: number | bigint }>>(
    `UPDATE "Trace" SET "labelState" = ${LABEL_STATE_OF_TRACE}, "disagreements" = ${DISAGREEMENTS_OF_TRACE} WHERE "id" = ${Math.trunc(traceId)} RETURNING "labelState", "version"`,
  );
  if (!row) throw new AppError("not_found", `trace ${traceId} not found`);
  return { labelState: row.labelState, version: Number(row.version) };
}

/** Label state and disagreements recounted after steps were replaced (Re-generate from here, restore). */
export async function refreshTraceReviewState(traceId: number): Promise<void> {
  await db().$transaction((tx) => refreshTraceState(tx, traceId));
}

/** Recounts Trace.disagreements for these traces (see lib/services/review/disagreements.ts). */
export async function refreshDisagreements(tx: Tx | ReturnType<typeof db>, traceIds: number[]): Promise<void> {
  if (traceIds.length === 0) return;
  await tx.$executeRawUnsafe(disagreementsSql(`"id" IN (${traceIds.map((id) => Math.trunc(id)).join(",")})`));
}

async function audit(tx: Tx, user: UserRef, action: string, entity: string, entityId: number, data: Record<string, unknown>) {
  await tx.auditLog.create({ data: { userId: user.id, action, entity, entityId: String(entityId), data: data as Prisma.InputJsonValue, ...auditStamp() } });
}

async function result(tx: Tx, action: ReviewActionResult["action"], traceId: number, stepId: number | null, stepIds: number[]): Promise<ReviewActionResult> {
  const state = await refreshTraceState(tx, traceId);
  const steps = await tx.step.findMany({ where: { id: { in: stepIds } }, select: { id: true, version: true, revision: true }, orderBy: { index: "asc" } });
  return { action, traceId, stepId, steps, traceVersion: state.version, labelState: state.labelState };
}

export async function recordStepLabel(stepId: number, body: StepLabelBody): Promise<ReviewActionResult> {
  const user = await resolveUser(body.user);
  return db().$transaction(async (tx) => {
    const step = await lockedStep(tx, stepId, body.expectedVersion);
    await ensureSlot(tx, step.traceId, user); // several reviewers per trace: a free slot or one already held
    const previous = await tx.review.findFirst({ where: { stepId, userId: user.id, current: true }, orderBy: { id: "desc" } });
    if (previous) await tx.review.update({ where: { id: previous.id }, data: { current: false } });
    const review = await tx.review.create({
      data: {
        traceId: step.traceId, stepId, userId: user.id, label: body.label, comment: body.comment ?? null,
        revision: step.revision, timeSpentMs: body.timeSpentMs ?? null, source: HUMAN,
        provenance: body.stopAtFirstError ? { mode: "stop_at_first_error" } : undefined,
      },
    });
    // Markers this step created earlier (as a rejected step) stop applying once it is relabelled.
    const cleared = await tx.review.findMany({ where: { traceId: step.traceId, userId: user.id, current: true, label: AFTER_ERROR, comment: `after step ${step.index}` }, select: { id: true, stepId: true } });
    if (cleared.length) await tx.review.updateMany({ where: { id: { in: cleared.map((c) => c.id) } }, data: { current: false } });
    const markers: Array<{ id: number; stepId: number; replaced: number | null }> = [];
    if (body.label === "reject" && body.stopAtFirstError) {
      // PRM800K phase 2: after the first error, later steps are not judged; mark them so.
      const later = await tx.step.findMany({ where: { traceId: step.traceId, index: { gt: step.index } }, select: { id: true, reviews: { where: { userId: user.id, current: true }, select: { id: true, label: true } } } });
      for (const next of later) {
        const own = next.reviews[0];
        if (own && own.label !== AFTER_ERROR) continue; // an explicit label stays
        if (own) await tx.review.update({ where: { id: own.id }, data: { current: false } });
        const marker = await tx.review.create({ data: { traceId: step.traceId, stepId: next.id, userId: user.id, label: AFTER_ERROR, afterError: true, source: HUMAN, comment: `after step ${step.index}` } });
        markers.push({ id: marker.id, stepId: next.id, replaced: own?.id ?? null });
      }
    }
    await bumpStep(tx, stepId);
    for (const m of markers) await bumpStep(tx, m.stepId);
    await audit(tx, user, "review.label", "step", stepId, {
      traceId: step.traceId, reviewId: review.id, previousReviewId: previous?.id ?? null, markers, clearedMarkerIds: cleared.map((c) => c.id),
    });
    return result(tx, "label", step.traceId, stepId, [stepId, ...markers.map((m) => m.stepId), ...cleared.map((c) => c.stepId!)]);
  });
}

export async function recordTraceDecision(traceId: number, body: TraceDecisionBody): Promise<ReviewActionResult> {
  const user = await resolveUser(body.user);
  return db().$transaction(async (tx) => {
    // the trace row locked on PostgreSQL, as lockedStep does for a step
    if (dialect() === "postgres") await tx.$executeRawUnsafe(`SELECT 1 FROM "Trace" WHERE "id" = $1 FOR UPDATE`, traceId);
    const trace = await tx.trace.findUnique({ where: { id: traceId }, select: { id: true, version: true, decision: true } });
    if (!trace) throw new AppError("not_found", `trace ${traceId} not found`);
    if (trace.version !== body.expectedVersion) throw conflict("The trace decision", trace.version, body.expectedVersion, `now ${trace.decision ?? "undecided"}`);
    await ensureSlot(tx, traceId, user);
    const previous = await tx.review.findFirst({ where: { traceId, stepId: null, userId: user.id, current: true } });
    if (previous) await tx.review.update({ where: { id: previous.id }, data: { current: false } });
    const review = await tx.review.create({ data: { traceId, userId: user.id, label: body.decision, comment: body.comment ?? null, timeSpentMs: body.timeSpentMs ?? null, source: HUMAN } });
    await tx.trace.update({ where: { id: traceId }, data: { decision: body.decision, version: { increment: 1 } } });
    await audit(tx, user, "review.decision", "trace", traceId, { traceId, reviewId: review.id, previousReviewId: previous?.id ?? null, previousDecision: trace.decision });
    return result(tx, "decision", traceId, null, []);
  });
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

/**
 * Reverts the user's most recent review action that is not undone yet — on one trace when
 * `traceId` is given (a bulk action has no single trace, so it is never picked then), or the bulk
 * action `bulk` (lib/services/review/bulk.ts), which is reverted whole in one undo.
 */
export async function undoLastAction(options: { user?: string; traceId?: number; bulk?: number } = {}): Promise<ReviewActionResult> {
  const user = await resolveUser(options.user);
  const latest = await db().auditLog.findFirst({
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
