import type Database from "better-sqlite3";
import { auditStamp } from "@/lib/auth/context";
import { db, prepare, sqlite, writeTransaction } from "@/lib/db";
import { AppError } from "@/lib/errors";
import type { Prisma } from "@/lib/generated/prisma/client";
import type { BulkActionDto, BulkActionSpec, BulkApplyBody, BulkApplyResult, BulkKind, BulkPreview, BulkPreviewBody, BulkUndoSummary } from "@/lib/schemas/bulk";
import { LIMITS } from "@/lib/schemas/limits";
import { viewQuery } from "@/lib/schemas/trace-list";
import { disagreementsSql, failingRuleNeedle } from "@/lib/services/review/disagreements";
import { resolveUser, type UserRef } from "@/lib/services/review/users";
import { traceWhere } from "@/lib/services/traces/trace-list";

// Bulk review actions on the trace list's filter (docs/design.md §6 "Bulk actions").
//
// One action = one BulkAction row + one item per label or decision written + one audit row
// ("review.bulk", stamped like a single label), so the review undo (undoLastAction) reverts the
// whole action in one step — and only what is still this reviewer's current label: a label they
// changed again afterwards stays as they changed it.
//
// Labels are written under the signed-in user with source "human", like single labels, through
// prepared statements on the shared connection (lib/db.ts `writeTransaction`), in transactions of at
// most LIMITS.bulkChunk labels: other writers interleave between chunks, memory stays bounded, and a
// crash leaves a consistent prefix that is itself undoable. The preview runs the same decision per
// item without writing, so what it counts is what apply writes.

/** Traces read per page while walking the filter (keyset on id). */
const TRACE_PAGE = 200;

interface Candidate {
  traceId: number;
  /** null: a trace decision */
  stepId: number | null;
  revision: number | null;
}

interface Scope {
  user: UserRef;
  spec: BulkActionSpec;
  label: string;
  overwrite: boolean;
  where: Prisma.TraceWhereInput;
}

/** In-process bulk actions being applied: undo waits for apply to finish (conflict). */
const applying = new Set<number>();

function labelOf(spec: BulkActionSpec): string {
  if (spec.kind === "accept_passed_steps") return "accept";
  if (spec.kind === "label_rule_steps") return spec.label;
  return spec.decision;
}

const ruleOf = (spec: BulkActionSpec): string | null => (spec.kind === "accept_passed_steps" ? null : (spec.rule ?? null));

async function scopeOf(body: BulkPreviewBody, userName: string | undefined): Promise<Scope> {
  const user = await resolveUser(userName);
  const spec = body.action;
  let datasetId: number | null | undefined;
  if (body.filter.dataset) {
    const dataset = await db().dataset.findUnique({ where: { name: body.filter.dataset }, select: { id: true } });
    if (!dataset) throw new AppError("not_found", `dataset "${body.filter.dataset}" not found`, [{ path: "filter.dataset", error: "no such dataset" }]);
    datasetId = dataset.id;
  }
  const and: Prisma.TraceWhereInput[] = [traceWhere(body.filter, datasetId)];
  // Narrow with the action's own condition, on the indexed columns the list filters use.
  if (spec.kind === "accept_passed_steps") and.push({ valid: true, runId: { not: null } });
  const rule = ruleOf(spec);
  if (rule) and.push({ runId: { not: null }, failingRules: { contains: failingRuleNeedle(rule) } });
  return { user, spec, label: labelOf(spec), overwrite: body.overwrite, where: { AND: and } };
}

async function* tracePages(where: Prisma.TraceWhereInput): AsyncGenerator<Array<{ id: number; externalId: string; datasetId: number }>> {
  let cursor = 0;
  for (;;) {
    const rows = await db().trace.findMany({ where: { AND: [where, { id: { gt: cursor } }] }, orderBy: { id: "asc" }, take: TRACE_PAGE, select: { id: true, externalId: true, datasetId: true } });
    if (rows.length === 0) return;
    yield rows;
    cursor = rows[rows.length - 1].id;
  }
}

/**
 * Traces of this page the reviewer may not label: their dataset has a review policy, every slot is
 * held by others (a current label or a live lease) and the reviewer holds none (review-slots.ts).
 */
async function slotsFull(traces: Array<{ id: number; datasetId: number }>, userId: number): Promise<Set<number>> {
  const policies = await db().reviewPolicy.findMany({ where: { datasetId: { in: [...new Set(traces.map((t) => t.datasetId))] } }, select: { datasetId: true, minReviews: true } });
  if (policies.length === 0) return new Set();
  const min = new Map(policies.map((p) => [p.datasetId, p.minReviews]));
  const ruled = traces.filter((t) => min.has(t.datasetId));
  const ids = ruled.map((t) => t.id);
  const now = new Date();
  const [reviews, leases] = await Promise.all([
    db().review.findMany({ where: { traceId: { in: ids }, current: true, source: "human" }, select: { traceId: true, userId: true }, distinct: ["traceId", "userId"] }),
    db().reviewLease.findMany({ where: { traceId: { in: ids }, OR: [{ expiresAt: null }, { expiresAt: { gt: now } }] }, select: { traceId: true, userId: true } }),
  ]);
  const holders = new Map<number, Set<number>>();
  for (const h of [...reviews, ...leases]) holders.set(h.traceId, (holders.get(h.traceId) ?? new Set()).add(h.userId));
  return new Set(ruled.filter((t) => {
    const set = holders.get(t.id);
    return !set?.has(userId) && (set?.size ?? 0) >= min.get(t.datasetId)!;
  }).map((t) => t.id));
}

/** What the action would write on these traces, before the reviewer's own labels are looked at. */
function candidates(handle: Database.Database, spec: BulkActionSpec, traceIds: number[]): Candidate[] {
  if (traceIds.length === 0) return [];
  const ids = traceIds.map((id) => Math.trunc(id)).join(",");
  if (spec.kind === "decide_traces") return traceIds.map((traceId) => ({ traceId, stepId: null, revision: null }));
  const condition =
    spec.kind === "accept_passed_steps"
      ? `t."valid" = 1
         AND EXISTS (SELECT 1 FROM "Verdict" v WHERE v."runId" = t."runId" AND v."stepId" = s."id" AND v."outcome" = 'pass')
         AND NOT EXISTS (SELECT 1 FROM "Verdict" v WHERE v."runId" = t."runId" AND v."stepId" = s."id" AND v."outcome" = 'fail')`
      : `EXISTS (SELECT 1 FROM "Verdict" v WHERE v."runId" = t."runId" AND v."stepId" = s."id" AND v."rule" = ? AND v."outcome" = 'fail')`;
  const sql = `SELECT s."id" AS stepId, s."traceId" AS traceId, s."revision" AS revision FROM "Step" s JOIN "Trace" t ON t."id" = s."traceId"
    WHERE s."traceId" IN (${ids}) AND t."runId" IS NOT NULL AND ${condition} ORDER BY s."traceId", s."index"`;
  const statement = prepare(handle, sql);
  return (spec.kind === "label_rule_steps" ? statement.all(spec.rule) : statement.all()) as Candidate[];
}

type Decision = { write: false; reason: "unchanged" | "keptOwn" } | { write: true; previousReviewId: number | null };

function statements(handle: Database.Database) {
  return {
    ownStep: prepare(handle, `SELECT "id", "label" FROM "Review" WHERE "stepId" = ? AND "userId" = ? AND "current" = 1 ORDER BY "id" DESC LIMIT 1`),
    ownDecision: prepare(handle, `SELECT "id", "label" FROM "Review" WHERE "traceId" = ? AND "stepId" IS NULL AND "userId" = ? AND "current" = 1 ORDER BY "id" DESC LIMIT 1`),
  };
}

/** The reviewer's own current label decides: the same → nothing to do; another → kept unless overwrite. */
function decide(own: { id: number; label: string } | undefined, label: string, overwrite: boolean): Decision {
  if (!own) return { write: true, previousReviewId: null };
  if (own.label === label) return { write: false, reason: "unchanged" };
  if (!overwrite) return { write: false, reason: "keptOwn" };
  return { write: true, previousReviewId: own.id };
}

function ownOf(s: ReturnType<typeof statements>, c: Candidate, userId: number) {
  return (c.stepId === null ? s.ownDecision.get(c.traceId, userId) : s.ownStep.get(c.stepId, userId)) as { id: number; label: string } | undefined;
}

/** Walks the filter once: per page, the traces whose slots are full and the candidates of the rest. */
async function* walk(scope: Scope): AsyncGenerator<{ traces: Array<{ id: number; externalId: string }>; blocked: number; candidates: Candidate[] }> {
  for await (const page of tracePages(scope.where)) {
    const blocked = await slotsFull(page, scope.user.id);
    const open = page.filter((t) => !blocked.has(t.id));
    const handle = await sqlite();
    yield { traces: page, blocked: blocked.size, candidates: candidates(handle, scope.spec, open.map((t) => t.id)) };
  }
}

export async function previewBulk(body: BulkPreviewBody, options: { user?: string } = {}): Promise<BulkPreview> {
  const scope = await scopeOf(body, options.user);
  const handle = await sqlite();
  const s = statements(handle);
  const out: BulkPreview = {
    kind: scope.spec.kind, label: scope.label, rule: ruleOf(scope.spec), traces: 0, affectedTraces: 0, items: 0, unchanged: 0, keptOwn: 0, slotsFull: 0,
    steps: scope.spec.kind !== "decide_traces", sample: [], overLimit: false,
  };
  for await (const page of walk(scope)) {
    out.traces += page.traces.length;
    out.slotsFull += page.blocked;
    const perTrace = new Map<number, number>();
    for (const c of page.candidates) {
      const decision = decide(ownOf(s, c, scope.user.id), scope.label, scope.overwrite);
      if (decision.write) perTrace.set(c.traceId, (perTrace.get(c.traceId) ?? 0) + 1);
      else out[decision.reason]++;
    }
    for (const t of page.traces) {
      const n = perTrace.get(t.id);
      if (!n) continue;
      out.affectedTraces++;
      out.items += n;
      if (out.sample.length < 5) out.sample.push({ id: t.id, externalId: t.externalId, items: n });
    }
  }
  out.overLimit = out.items > LIMITS.bulkItems;
  return out;
}

/** Recounts label state and disagreements of these traces (as refreshTraceState does for one). */
function refreshTraces(handle: Database.Database, traceIds: Iterable<number>): void {
  const ids = [...new Set(traceIds)].map((id) => Math.trunc(id));
  if (ids.length === 0) return;
  const scope = `"id" IN (${ids.join(",")})`;
  const labelled = `(SELECT COUNT(*) FROM "Step" s WHERE s."traceId" = "Trace"."id" AND EXISTS (SELECT 1 FROM "Review" r WHERE r."stepId" = s."id" AND r."current" = 1 AND r."source" = 'human'))`;
  const total = `(SELECT COUNT(*) FROM "Step" s WHERE s."traceId" = "Trace"."id")`;
  prepare(handle, `UPDATE "Trace" SET "labelState" = CASE WHEN ${labelled} = 0 THEN 'unlabeled' WHEN ${labelled} >= ${total} THEN 'complete' ELSE 'partial' END WHERE ${scope}`).run();
  prepare(handle, disagreementsSql(scope)).run();
}

export interface BulkProgress {
  /** items written so far, items the preview counted, and the size of the chunk just committed */
  written: number;
  total: number;
  chunk: number;
}

/**
 * Applies a bulk action: previews it (refusing one over the limit, one that writes nothing, or one
 * whose count moved since the client's preview), then writes it chunk by chunk as one action.
 */
export async function applyBulk(body: BulkApplyBody, options: { user?: string; chunkSize?: number; onChunk?: (progress: BulkProgress) => void } = {}): Promise<BulkApplyResult> {
  const chunkSize = Math.max(1, Math.min(options.chunkSize ?? LIMITS.bulkChunk, LIMITS.bulkChunk));
  const preview = await previewBulk(body, options);
  if (preview.overLimit) {
    throw new AppError("too_large", `this bulk action would write ${preview.items.toLocaleString("en-US")} labels; at most ${LIMITS.bulkItems.toLocaleString("en-US")} per action — narrow the filter (e.g. by dataset or quality)`, [{ path: "filter", error: "matches too many items" }]);
  }
  if (body.expectedItems !== undefined && body.expectedItems !== preview.items) {
    throw new AppError("conflict", `the filter now gives ${preview.items} ${preview.steps ? "labels" : "decisions"} to write, not the ${body.expectedItems} of your preview (labels changed meanwhile); preview again`);
  }
  if (preview.items === 0) {
    const why = [preview.unchanged ? `${preview.unchanged} already carry your ${preview.label}` : null, preview.keptOwn ? `${preview.keptOwn} carry your own other label (overwrite is off)` : null, preview.slotsFull ? `${preview.slotsFull} traces have all review slots taken` : null].filter(Boolean);
    throw new AppError("invalid_input", `nothing to write: the filter gives ${preview.traces} trace${preview.traces === 1 ? "" : "s"} for this action${why.length ? ` (${why.join("; ")})` : ""}`, [{ path: "filter", error: "nothing to write" }]);
  }
  const scope = await scopeOf(body, options.user);
  const datasetId = body.filter.dataset ? ((await db().dataset.findUnique({ where: { name: body.filter.dataset }, select: { id: true } }))?.id ?? null) : null;
  const filter = viewQuery(Object.fromEntries(Object.entries(body.filter).map(([k, v]) => [k, v === undefined ? undefined : String(v)])));
  const bulk = await db().$transaction(async (tx) => {
    const row = await tx.bulkAction.create({ data: { userId: scope.user.id, datasetId, kind: scope.spec.kind, label: scope.label, rule: ruleOf(scope.spec), filter } });
    await tx.auditLog.create({
      data: {
        userId: scope.user.id, action: "review.bulk", entity: "bulk", entityId: String(row.id),
        data: { bulkId: row.id, kind: row.kind, label: row.label, rule: row.rule, filter, overwrite: body.overwrite, previewItems: preview.items } as Prisma.InputJsonValue,
        ...auditStamp(),
      },
    });
    return row;
  });
  applying.add(bulk.id);
  const counts = { items: 0, unchanged: 0, keptOwn: 0, slotsFull: 0, chunks: 0 };
  const touchedTraces = new Set<number>();
  try {
    for await (const page of walk(scope)) {
      counts.slotsFull += page.blocked;
      for (let start = 0; start < page.candidates.length; start += chunkSize) {
        const slice = page.candidates.slice(start, start + chunkSize);
        const written = await writeTransaction((handle) => writeChunk(handle, bulk.id, scope, slice, counts));
        for (const id of written.traces) touchedTraces.add(id);
        if (written.items > 0) {
          counts.chunks++;
          options.onChunk?.({ written: counts.items, total: preview.items, chunk: written.items });
        }
        await new Promise((resolve) => setImmediate(resolve)); // let other requests in between chunks
      }
    }
    const done = await db().bulkAction.update({ where: { id: bulk.id }, data: { status: "done", traces: touchedTraces.size, steps: counts.items } });
    return { ...dto(done), chunks: counts.chunks, unchanged: counts.unchanged, keptOwn: counts.keptOwn, slotsFull: counts.slotsFull };
  } finally {
    applying.delete(bulk.id);
  }
}

function writeChunk(handle: Database.Database, bulkId: number, scope: Scope, slice: Candidate[], counts: { items: number; unchanged: number; keptOwn: number }): { items: number; traces: Set<number> } {
  const s = statements(handle);
  const userId = scope.user.id;
  const provenance = JSON.stringify({ bulk: bulkId });
  const retire = prepare(handle, `UPDATE "Review" SET "current" = 0 WHERE "id" = ?`);
  const insert = prepare(handle, `INSERT INTO "Review" ("traceId", "stepId", "userId", "label", "revision", "source", "provenance", "current") VALUES (?, ?, ?, ?, ?, 'human', ?, 1)`);
  const bumpStep = prepare(handle, `UPDATE "Step" SET "version" = "version" + 1 WHERE "id" = ?`);
  const traceDecision = prepare(handle, `SELECT "decision" FROM "Trace" WHERE "id" = ?`);
  const setDecision = prepare(handle, `UPDATE "Trace" SET "decision" = ?, "version" = "version" + 1 WHERE "id" = ?`);
  const item = prepare(handle, `INSERT INTO "BulkActionItem" ("bulkId", "traceId", "stepId", "reviewId", "previousReviewId", "previousDecision") VALUES (?, ?, ?, ?, ?, ?)`);
  const traces = new Set<number>();
  let items = 0;
  for (const c of slice) {
    const decision = decide(ownOf(s, c, userId), scope.label, scope.overwrite);
    if (!decision.write) {
      counts[decision.reason]++;
      continue;
    }
    if (decision.previousReviewId !== null) retire.run(decision.previousReviewId);
    const reviewId = Number(insert.run(c.traceId, c.stepId, userId, scope.label, c.revision, provenance).lastInsertRowid);
    let previousDecision: string | null = null;
    if (c.stepId === null) {
      previousDecision = (traceDecision.get(c.traceId) as { decision: string | null } | undefined)?.decision ?? null;
      setDecision.run(scope.label, c.traceId);
    } else {
      bumpStep.run(c.stepId);
    }
    item.run(bulkId, c.traceId, c.stepId, reviewId, decision.previousReviewId, previousDecision);
    traces.add(c.traceId);
    items++;
  }
  refreshTraces(handle, traces);
  counts.items += items;
  return { items, traces };
}

/**
 * Reverts a bulk action of this user (called by undoLastAction for a "review.bulk" audit row):
 * chunk by chunk, each item once (items are marked undone in the same transaction, so a crash or a
 * second undo resumes where the first stopped). A label the reviewer changed after the bulk action
 * is left as they changed it.
 */
export async function undoBulk(bulkId: number, user: UserRef, options: { chunkSize?: number } = {}): Promise<BulkUndoSummary & { firstTraceId: number | null }> {
  const chunkSize = Math.max(1, Math.min(options.chunkSize ?? LIMITS.bulkChunk, LIMITS.bulkChunk));
  const bulk = await db().bulkAction.findUnique({ where: { id: bulkId } });
  if (!bulk || bulk.userId !== user.id) throw new AppError("not_found", `bulk action ${bulkId} not found among your actions`);
  if (bulk.undoneAt) throw new AppError("conflict", `bulk action ${bulkId} was undone already`);
  if (applying.has(bulkId)) throw new AppError("conflict", `bulk action ${bulkId} is still being applied; undo it when it has finished`);
  await db().bulkAction.update({ where: { id: bulkId }, data: { status: "undoing" } });
  const summary = { id: bulkId, reverted: 0, keptLater: 0, chunks: 0, firstTraceId: null as number | null };
  for (;;) {
    const done = await writeTransaction((handle) => {
      const items = prepare(handle, `SELECT "id", "traceId", "stepId", "reviewId", "previousReviewId", "previousDecision" FROM "BulkActionItem" WHERE "bulkId" = ? AND "undone" = 0 ORDER BY "id" LIMIT ?`).all(bulkId, chunkSize) as Array<{ id: number; traceId: number; stepId: number | null; reviewId: number; previousReviewId: number | null; previousDecision: string | null }>;
      if (items.length === 0) return true;
      const review = prepare(handle, `SELECT "current" FROM "Review" WHERE "id" = ?`);
      const setCurrent = prepare(handle, `UPDATE "Review" SET "current" = ? WHERE "id" = ?`);
      const otherOwnStep = prepare(handle, `SELECT 1 FROM "Review" WHERE "stepId" = ? AND "userId" = ? AND "current" = 1 LIMIT 1`);
      const otherOwnDecision = prepare(handle, `SELECT 1 FROM "Review" WHERE "traceId" = ? AND "stepId" IS NULL AND "userId" = ? AND "current" = 1 LIMIT 1`);
      const newerDecision = prepare(handle, `SELECT 1 FROM "Review" WHERE "traceId" = ? AND "stepId" IS NULL AND "current" = 1 AND "id" > ? LIMIT 1`);
      const bumpStep = prepare(handle, `UPDATE "Step" SET "version" = "version" + 1 WHERE "id" = ?`);
      const setDecision = prepare(handle, `UPDATE "Trace" SET "decision" = ?, "version" = "version" + 1 WHERE "id" = ?`);
      const markUndone = prepare(handle, `UPDATE "BulkActionItem" SET "undone" = 1 WHERE "id" = ?`);
      const traces = new Set<number>();
      for (const it of items) {
        markUndone.run(it.id);
        const row = review.get(it.reviewId) as { current: number } | undefined;
        if (!row) continue; // the trace was deleted since
        if (!row.current) {
          summary.keptLater++;
          continue;
        }
        setCurrent.run(0, it.reviewId);
        const ownAgain = it.stepId === null ? otherOwnDecision.get(it.traceId, user.id) : otherOwnStep.get(it.stepId, user.id);
        if (it.previousReviewId !== null && !ownAgain) setCurrent.run(1, it.previousReviewId);
        if (it.stepId === null) {
          if (!newerDecision.get(it.traceId, it.reviewId)) setDecision.run(it.previousDecision, it.traceId);
        } else {
          bumpStep.run(it.stepId);
        }
        traces.add(it.traceId);
        summary.firstTraceId ??= it.traceId;
        summary.reverted++;
      }
      refreshTraces(handle, traces);
      summary.chunks++;
      return false;
    });
    if (done) break;
    await new Promise((resolve) => setImmediate(resolve));
  }
  await db().$transaction([
    db().bulkAction.update({ where: { id: bulkId }, data: { status: "undone", undoneAt: new Date() } }),
    db().auditLog.updateMany({ where: { action: "review.bulk", entity: "bulk", entityId: String(bulkId), undoneAt: null }, data: { undoneAt: new Date() } }),
  ]);
  return summary;
}

function dto(row: { id: number; kind: string; label: string; rule: string | null; filter: string; status: string; traces: number; steps: number; createdAt: Date; undoneAt: Date | null }): BulkActionDto {
  return { id: row.id, kind: row.kind as BulkKind, label: row.label, rule: row.rule, filter: row.filter, status: row.status, traces: row.traces, items: row.steps, createdAt: row.createdAt.toISOString(), undoneAt: row.undoneAt?.toISOString() ?? null };
}

/** The reviewer's recent bulk actions, newest first (the trace list offers to undo the latest). */
export async function listBulkActions(options: { user?: string; limit?: number } = {}): Promise<BulkActionDto[]> {
  const user = await resolveUser(options.user);
  const rows = await db().bulkAction.findMany({ where: { userId: user.id }, orderBy: { id: "desc" }, take: options.limit ?? 10 });
  return rows.map(dto);
}
