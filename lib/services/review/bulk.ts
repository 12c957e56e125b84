import { auditStamp } from "@/lib/auth/context";
import { db } from "@/lib/db";
import { all, many, readProgram, run, insert, writeProgram, type Program } from "@/lib/db/sql";
import { AppError } from "@/lib/errors";
import type { Prisma } from "@/lib/generated/prisma/client";
import type { BulkActionDto, BulkActionSpec, BulkApplyBody, BulkApplyResult, BulkKind, BulkPreview, BulkPreviewBody, BulkUndoSummary } from "@/lib/schemas/bulk";
import { LIMITS } from "@/lib/schemas/limits";
import { AFTER_ERROR } from "@/lib/schemas/reviews";
import { viewQuery } from "@/lib/schemas/trace-list";
import { DISAGREEMENTS_OF_TRACE, failingRuleNeedle, LABEL_STATE_OF_TRACE } from "@/lib/services/review/disagreements";
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
// statement programs (lib/db/sql.ts: synchronous prepared statements on SQLite's shared connection,
// one pooled client on PostgreSQL), in transactions of at most LIMITS.bulkChunk labels: other writers interleave between chunks, memory stays bounded, and a
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
/** Per trace of a dataset with a review policy: its slots and who holds a live lease (read before writing). */
type SlotRules = Map<number, { min: number; leases: Set<number> }>;

async function slotsFull(traces: Array<{ id: number; datasetId: number }>, userId: number): Promise<{ blocked: Set<number>; rules: SlotRules }> {
  const policies = await db().reviewPolicy.findMany({ where: { datasetId: { in: [...new Set(traces.map((t) => t.datasetId))] } }, select: { datasetId: true, minReviews: true } });
  if (policies.length === 0) return { blocked: new Set(), rules: new Map() };
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
  const rules: SlotRules = new Map(ruled.map((t) => [t.id, { min: min.get(t.datasetId)!, leases: new Set(leases.filter((l) => l.traceId === t.id).map((l) => l.userId)) }]));
  const blocked = new Set(ruled.filter((t) => {
    const set = holders.get(t.id);
    return !set?.has(userId) && (set?.size ?? 0) >= min.get(t.datasetId)!;
  }).map((t) => t.id));
  return { blocked, rules };
}

/** What the action would write on these traces, before the reviewer's own labels are looked at. */
function* candidates(spec: BulkActionSpec, traceIds: number[]): Program<Candidate[]> {
  if (traceIds.length === 0) return [];
  const ids = idList(traceIds);
  if (spec.kind === "decide_traces") return traceIds.map((traceId) => ({ traceId, stepId: null, revision: null }));
  const condition =
    spec.kind === "accept_passed_steps"
      ? `t."valid" = TRUE
         AND EXISTS (SELECT 1 FROM "Verdict" v WHERE v."runId" = t."runId" AND v."stepId" = s."id" AND v."outcome" = 'pass')
         AND NOT EXISTS (SELECT 1 FROM "Verdict" v WHERE v."runId" = t."runId" AND v."stepId" = s."id" AND v."outcome" = 'fail')`
      : `EXISTS (SELECT 1 FROM "Verdict" v WHERE v."runId" = t."runId" AND v."stepId" = s."id" AND v."rule" = ? AND v."outcome" = 'fail')`;
  const text = `SELECT s."id" AS "stepId", s."traceId" AS "traceId", s."revision" AS "revision" FROM "Step" s JOIN "Trace" t ON t."id" = s."traceId"
    WHERE s."traceId" IN (${ids}) AND t."runId" IS NOT NULL AND ${condition} ORDER BY s."traceId", s."index"`;
  return yield* spec.kind === "label_rule_steps" ? all<Candidate>(text, spec.rule) : all<Candidate>(text);
}

/** Whole-number ids inlined into an IN list (bounded by a page or a chunk). */
const idList = (ids: Iterable<number>): string => [...ids].map((id) => Math.trunc(id)).join(",");

type Decision = { write: false; reason: "unchanged" | "keptOwn" } | { write: true; previousReviewId: number | null };

/** The reviewer's current own labels on these traces: per step, and per trace for decisions (the latest wins). */
interface OwnLabels {
  steps: Map<number, { id: number; label: string }>;
  decisions: Map<number, { id: number; label: string }>;
}

function* ownLabels(traceIds: Iterable<number>, userId: number): Program<OwnLabels> {
  const own: OwnLabels = { steps: new Map(), decisions: new Map() };
  const ids = idList(new Set(traceIds));
  if (!ids) return own;
  const rows = yield* all<{ id: number; traceId: number; stepId: number | null; label: string }>(
    `SELECT "id", "traceId", "stepId", "label" FROM "Review" WHERE "traceId" IN (${ids}) AND "userId" = ? AND "current" = TRUE ORDER BY "id"`,
    userId,
  );
  for (const r of rows) {
    if (r.stepId === null) own.decisions.set(r.traceId, { id: r.id, label: r.label });
    else own.steps.set(r.stepId, { id: r.id, label: r.label });
  }
  return own;
}

/** The reviewer's own current label decides: the same → nothing to do; another → kept unless overwrite. */
function decide(own: { id: number; label: string } | undefined, label: string, overwrite: boolean): Decision {
  if (!own) return { write: true, previousReviewId: null };
  if (own.label === label) return { write: false, reason: "unchanged" };
  if (!overwrite) return { write: false, reason: "keptOwn" };
  return { write: true, previousReviewId: own.id };
}

function ownOf(own: OwnLabels, c: Candidate) {
  return c.stepId === null ? own.decisions.get(c.traceId) : own.steps.get(c.stepId);
}

/** Walks the filter once: per page, the traces whose slots are full and the candidates of the rest. */
async function* walk(scope: Scope): AsyncGenerator<{ traces: Array<{ id: number; externalId: string }>; blocked: number; rules: SlotRules; candidates: Candidate[] }> {
  for await (const page of tracePages(scope.where)) {
    const { blocked, rules } = await slotsFull(page, scope.user.id);
    const open = page.filter((t) => !blocked.has(t.id));
    yield { traces: page, blocked: blocked.size, rules, candidates: await readProgram(candidates(scope.spec, open.map((t) => t.id))) };
  }
}

export async function previewBulk(body: BulkPreviewBody, options: { user?: string } = {}): Promise<BulkPreview> {
  const scope = await scopeOf(body, options.user);
  const out: BulkPreview = {
    kind: scope.spec.kind, label: scope.label, rule: ruleOf(scope.spec), traces: 0, affectedTraces: 0, items: 0, unchanged: 0, keptOwn: 0, slotsFull: 0,
    steps: scope.spec.kind !== "decide_traces", sample: [], overLimit: false,
  };
  for await (const page of walk(scope)) {
    out.traces += page.traces.length;
    out.slotsFull += page.blocked;
    const perTrace = new Map<number, number>();
    const own = await readProgram(ownLabels(page.candidates.map((c) => c.traceId), scope.user.id));
    for (const c of page.candidates) {
      const decision = decide(ownOf(own, c), scope.label, scope.overwrite);
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
function* refreshTraces(traceIds: Iterable<number>): Program<void> {
  const ids = idList(new Set(traceIds));
  if (!ids) return;
  yield* run(`UPDATE "Trace" SET "labelState" = ${LABEL_STATE_OF_TRACE}, "disagreements" = ${DISAGREEMENTS_OF_TRACE} WHERE "id" IN (${ids})`);
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
export async function applyBulk(body: BulkApplyBody, options: { user?: string; chunkSize?: number; onChunk?: (progress: BulkProgress) => void | Promise<void> } = {}): Promise<BulkApplyResult> {
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
  const counts: Counts & { chunks: number } = { items: 0, unchanged: 0, keptOwn: 0, slotsFull: 0, chunks: 0, blocked: new Set<number>() };
  const touchedTraces = new Set<number>();
  try {
    for await (const page of walk(scope)) {
      counts.slotsFull += page.blocked;
      for (let start = 0; start < page.candidates.length; start += chunkSize) {
        const slice = page.candidates.slice(start, start + chunkSize);
        const written = await writeProgram(() => writeChunk(bulk.id, scope, slice, page.rules, counts));
        counts.items += written.tally.items;
        counts.unchanged += written.tally.unchanged;
        counts.keptOwn += written.tally.keptOwn;
        counts.slotsFull += written.tally.slotsFull;
        for (const id of written.tally.blocked) counts.blocked.add(id);
        for (const id of written.traces) touchedTraces.add(id);
        if (written.items > 0) {
          counts.chunks++;
          await options.onChunk?.({ written: counts.items, total: preview.items, chunk: written.items });
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

type Counts = { items: number; unchanged: number; keptOwn: number; slotsFull: number; blocked: Set<number> };

/**
 * One chunk in one transaction. The reviewer's own labels, the slot holders and the traces'
 * decisions are read once for the chunk (each candidate is its own step or trace, so no write of
 * the chunk changes what another candidate reads); the writes are a new Review per item and
 * set-wise updates. Returns what it wrote; `counts` is updated only by the caller once committed.
 */
function* writeChunk(bulkId: number, scope: Scope, slice: Candidate[], rules: SlotRules, counts: Counts): Program<{ items: number; traces: Set<number>; tally: Counts }> {
  const userId = scope.user.id;
  const provenance = JSON.stringify({ bulk: bulkId });
  const tally: Counts = { items: 0, unchanged: 0, keptOwn: 0, slotsFull: 0, blocked: new Set() };
  const own = yield* ownLabels(slice.map((c) => c.traceId), userId);
  // Slots again inside the transaction: another reviewer may have labelled a trace since the page
  // was read (their labels are seen here; leases as of the page read).
  const ruled = [...new Set(slice.map((c) => c.traceId))].filter((id) => rules.has(id));
  const holders = new Map<number, Set<number>>(ruled.map((id) => [id, new Set(rules.get(id)!.leases)]));
  if (ruled.length) {
    const rows = yield* all<{ traceId: number; userId: number }>(`SELECT DISTINCT "traceId", "userId" FROM "Review" WHERE "traceId" IN (${idList(ruled)}) AND "current" = TRUE AND "source" = 'human'`);
    for (const r of rows) holders.get(r.traceId)!.add(r.userId);
  }
  const full = new Set<number>();
  for (const id of ruled) {
    const set = holders.get(id)!;
    if (set.has(userId) || set.size < rules.get(id)!.min) continue;
    full.add(id);
    if (!counts.blocked.has(id)) tally.blocked.add(id); // once per trace, even when its steps span two chunks
  }
  tally.slotsFull = tally.blocked.size;

  const writes: Array<{ c: Candidate; previousReviewId: number | null }> = [];
  for (const c of slice) {
    if (full.has(c.traceId)) continue;
    const decision = decide(ownOf(own, c), scope.label, scope.overwrite);
    if (!decision.write) tally[decision.reason]++;
    else writes.push({ c, previousReviewId: decision.previousReviewId });
  }
  const traces = new Set<number>(writes.map((w) => w.c.traceId));
  if (writes.length === 0) return { items: 0, traces, tally };

  const retired = writes.flatMap((w) => (w.previousReviewId === null ? [] : [w.previousReviewId]));
  if (retired.length) yield* run(`UPDATE "Review" SET "current" = FALSE WHERE "id" IN (${idList(retired)})`);
  const cleared = yield* clearMarkers(writes.flatMap((w) => (w.previousReviewId === null || w.c.stepId === null ? [] : [w.c.stepId])), userId);
  const decided = writes.filter((w) => w.c.stepId === null).map((w) => w.c.traceId);
  const previousDecisions = new Map<number, string | null>();
  if (decided.length) {
    const rows = yield* all<{ id: number; decision: string | null }>(`SELECT "id", "decision" FROM "Trace" WHERE "id" IN (${idList(decided)})`);
    for (const r of rows) previousDecisions.set(r.id, r.decision);
  }
  const items: Array<[number, number, number | null, number, number | null, string | null, string | null]> = [];
  for (const { c, previousReviewId } of writes) {
    const reviewId = yield* insert(
      `INSERT INTO "Review" ("traceId", "stepId", "userId", "label", "revision", "source", "provenance", "current") VALUES (?, ?, ?, ?, ?, 'human', ?, TRUE)`,
      c.traceId, c.stepId, userId, scope.label, c.revision, provenance,
    );
    const markers = c.stepId === null ? undefined : cleared.get(c.stepId);
    items.push([bulkId, c.traceId, c.stepId, reviewId, previousReviewId, c.stepId === null ? (previousDecisions.get(c.traceId) ?? null) : null, markers ? JSON.stringify(markers) : null]);
  }
  if (decided.length) yield* run(`UPDATE "Trace" SET "decision" = ?, "version" = "version" + 1 WHERE "id" IN (${idList(decided)})`, scope.label);
  const steps = writes.flatMap((w) => (w.c.stepId === null ? [] : [w.c.stepId]));
  const markerSteps = [...cleared.values()].flatMap((markers) => markers.map((m) => m.stepId));
  if (steps.length) yield* run(`UPDATE "Step" SET "version" = "version" + 1 WHERE "id" IN (${idList(new Set([...steps, ...markerSteps]))})`);
  yield* many("BulkActionItem", ["bulkId", "traceId", "stepId", "reviewId", "previousReviewId", "previousDecision", "clearedMarkers"], items);
  yield* refreshTraces(traces);
  tally.items = writes.length;
  return { items: writes.length, traces, tally };
}

/**
 * The reviewer's current after-error markers left by their own labels of these steps (a reject in
 * stop-at-first-error mode marks the later steps "after step N"), set not current: a step whose own
 * label is replaced no longer marks the steps after it, as relabelling one step does
 * (reviews.ts recordStepLabel). Per step, the markers it cleared (undo restores them).
 */
function* clearMarkers(stepIds: number[], userId: number): Program<Map<number, Array<{ id: number; stepId: number }>>> {
  const out = new Map<number, Array<{ id: number; stepId: number }>>();
  if (stepIds.length === 0) return out;
  const rows = yield* all<{ id: number; stepId: number; of: number }>(
    `SELECT m."id" AS "id", m."stepId" AS "stepId", s."id" AS "of" FROM "Step" s
     JOIN "Review" m ON m."traceId" = s."traceId" AND m."comment" = 'after step ' || CAST(s."index" AS TEXT)
     WHERE s."id" IN (${idList(stepIds)}) AND m."userId" = ? AND m."current" = TRUE AND m."label" = ? ORDER BY m."id"`,
    userId, AFTER_ERROR,
  );
  if (rows.length === 0) return out;
  yield* run(`UPDATE "Review" SET "current" = FALSE WHERE "id" IN (${idList(rows.map((r) => r.id))})`);
  for (const r of rows) out.set(r.of, [...(out.get(r.of) ?? []), { id: r.id, stepId: r.stepId }]);
  return out;
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
    const chunk = await writeProgram(() => undoChunk(bulkId, user.id, chunkSize));
    if (chunk === null) break;
    summary.reverted += chunk.reverted;
    summary.keptLater += chunk.keptLater;
    summary.firstTraceId ??= chunk.firstTraceId;
    summary.chunks++;
    await new Promise((resolve) => setImmediate(resolve));
  }
  await db().$transaction([
    db().bulkAction.update({ where: { id: bulkId }, data: { status: "undone", undoneAt: new Date() } }),
    db().auditLog.updateMany({ where: { action: "review.bulk", entity: "bulk", entityId: String(bulkId), undoneAt: null }, data: { undoneAt: new Date() } }),
  ]);
  return summary;
}

/** One chunk of an undo in one transaction; null when no item is left. */
function* undoChunk(bulkId: number, userId: number, chunkSize: number): Program<{ reverted: number; keptLater: number; firstTraceId: number | null } | null> {
  const items = yield* all<{ id: number; traceId: number; stepId: number | null; reviewId: number; previousReviewId: number | null; previousDecision: string | null; clearedMarkers: string | null }>(
    `SELECT "id", "traceId", "stepId", "reviewId", "previousReviewId", "previousDecision", "clearedMarkers" FROM "BulkActionItem" WHERE "bulkId" = ? AND "undone" = FALSE ORDER BY "id" LIMIT ?`,
    bulkId, chunkSize,
  );
  if (items.length === 0) return null;
  const out = { reverted: 0, keptLater: 0, firstTraceId: null as number | null };
  const traces = new Set<number>();
  yield* run(`UPDATE "BulkActionItem" SET "undone" = TRUE WHERE "id" IN (${idList(items.map((it) => it.id))})`);
  // set-wise per chunk: each item is its own step or trace decision, so no item's writes change
  // what another reads (a handful of statements per chunk instead of five per item)
  const state = new Map((yield* all<{ id: number; current: number }>(`SELECT "id", "current" FROM "Review" WHERE "id" IN (${idList(items.map((it) => it.reviewId))})`)).map((r) => [r.id, r.current]));
  const live = items.filter((it) => {
    const current = state.get(it.reviewId);
    if (current === undefined) return false; // the trace was deleted since
    if (!current) out.keptLater++;
    return Boolean(current);
  });
  if (live.length === 0) return out;
  yield* run(`UPDATE "Review" SET "current" = FALSE WHERE "id" IN (${idList(live.map((it) => it.reviewId))})`);
  const stepItems = live.filter((it) => it.stepId !== null);
  const decisionItems = live.filter((it) => it.stepId === null);
  const ownSteps = new Set(
    stepItems.length
      ? (yield* all<{ stepId: number }>(`SELECT DISTINCT "stepId" FROM "Review" WHERE "stepId" IN (${idList(stepItems.map((it) => it.stepId!))}) AND "userId" = ? AND "current" = TRUE`, userId)).map((r) => r.stepId)
      : [],
  );
  const ownDecisions = new Set(
    decisionItems.length
      ? (yield* all<{ traceId: number }>(`SELECT DISTINCT "traceId" FROM "Review" WHERE "traceId" IN (${idList(decisionItems.map((it) => it.traceId))}) AND "stepId" IS NULL AND "userId" = ? AND "current" = TRUE`, userId)).map((r) => r.traceId)
      : [],
  );
  const restored = live.filter((it) => it.previousReviewId !== null && !(it.stepId === null ? ownDecisions.has(it.traceId) : ownSteps.has(it.stepId)));
  if (restored.length) yield* run(`UPDATE "Review" SET "current" = TRUE WHERE "id" IN (${idList(restored.map((it) => it.previousReviewId!))})`);
  // the label that is back marks the steps after it again — each marker whose step has no own current label now
  const markers = restored.flatMap((it) => (it.clearedMarkers ? (JSON.parse(it.clearedMarkers) as Array<{ id: number; stepId: number }>) : []));
  if (markers.length) {
    yield* run(
      `UPDATE "Review" SET "current" = TRUE WHERE "id" IN (${idList(markers.map((m) => m.id))})
       AND NOT EXISTS (SELECT 1 FROM "Review" o WHERE o."stepId" = "Review"."stepId" AND o."userId" = ? AND o."current" = TRUE)`,
      userId,
    );
  }
  if (stepItems.length) yield* run(`UPDATE "Step" SET "version" = "version" + 1 WHERE "id" IN (${idList(new Set([...stepItems.map((it) => it.stepId!), ...markers.map((m) => m.stepId)]))})`);
  for (const it of decisionItems) {
    const [newer] = yield* all(`SELECT 1 AS "one" FROM "Review" WHERE "traceId" = ? AND "stepId" IS NULL AND "current" = TRUE AND "id" > ? LIMIT 1`, it.traceId, it.reviewId);
    if (!newer) yield* run(`UPDATE "Trace" SET "decision" = ?, "version" = "version" + 1 WHERE "id" = ?`, it.previousDecision, it.traceId);
  }
  for (const it of live) {
    traces.add(it.traceId);
    out.firstTraceId ??= it.traceId;
    out.reverted++;
  }
  yield* refreshTraces(traces);
  return out;
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
