import { db } from "@/lib/db";
import { claimNextTrace, hasReviewPolicy } from "@/lib/services/review/review-slots";
import type { Prisma } from "@/lib/generated/prisma/client";
import type { QueuePick, TraceFacets, TraceFilters, TraceListResult, TraceSort } from "@/lib/schemas/trace-list";
import { listDatasetNames } from "@/lib/services/traces/datasets";
import { failingRuleNeedle, failingRulesList } from "@/lib/services/review/disagreements";
import { resolveUser } from "@/lib/services/review/users";
import { queueReason } from "@/lib/review/queue-reason";

// The trace list at 100k traces: every filter is an indexed column on Trace (denormalised from the
// latest verifier run and from reviews) or an EXISTS over an indexed table, and pages are keyset
// on id, so page N costs what page 1 costs.

/** Counts stop here: past it the list says "10,000+" instead of scanning every match. */
export const COUNT_CAP = 10_000;

async function datasetId(name: string | undefined): Promise<number | null | undefined> {
  if (!name) return undefined;
  const dataset = await db().dataset.findUnique({ where: { name }, select: { id: true } });
  return dataset?.id ?? null;
}

export function traceWhere(filters: Omit<TraceFilters, "cursor" | "limit" | "sort">, resolvedDatasetId?: number | null): Prisma.TraceWhereInput {
  const and: Prisma.TraceWhereInput[] = [];
  // datasetId = ? (not a join on the name) lets SQLite walk the (datasetId, id) index in id order
  if (resolvedDatasetId !== undefined) and.push({ datasetId: resolvedDatasetId ?? -1 });
  else if (filters.dataset) and.push({ dataset: { name: filters.dataset } });
  if (filters.method) and.push({ method: filters.method });
  if (filters.qmin !== undefined) and.push({ quality: { gte: filters.qmin } });
  if (filters.qmax !== undefined) and.push({ quality: { lte: filters.qmax } });
  if (filters.valid) and.push({ valid: filters.valid === "true" });
  if (filters.rule) and.push({ failingRules: { contains: failingRuleNeedle(filters.rule) } });
  if (filters.label) and.push({ labelState: filters.label });
  if (filters.decision) and.push({ decision: filters.decision === "none" ? null : filters.decision });
  if (filters.disagreement === "true") and.push({ disagreements: { gt: 0 } });
  if (filters.disagreement === "false") and.push({ disagreements: 0 });
  if (filters.unchecked === "true") and.push({ uncheckedSteps: { gt: 0 } });
  if (filters.unchecked === "false") and.push({ uncheckedSteps: 0 });
  if (filters.relation) and.push({ questionRef: { relations: { some: { relationClass: filters.relation } } } });
  if (filters.reviewer) and.push({ reviews: { some: { current: true, source: "human", user: { name: filters.reviewer } } } });
  if (filters.q) and.push({ OR: [{ question: { contains: filters.q } }, { externalId: { contains: filters.q } }] });
  return and.length ? { AND: and } : {};
}

/**
 * Keyset pages in the list's order. The cursor is the last trace id shown; for a quality order its
 * quality is looked up, and the next page starts after (quality, id). Unverified traces (no quality)
 * come last either way.
 */
async function pageAfter(sort: TraceSort, cursor: number | undefined): Promise<{ orderBy: Prisma.TraceOrderByWithRelationInput[]; after: Prisma.TraceWhereInput | null }> {
  if (sort === "id" || sort === "-id") {
    const dir = sort === "id" ? "asc" : "desc";
    return { orderBy: [{ id: dir }], after: cursor ? { id: dir === "asc" ? { gt: cursor } : { lt: cursor } } : null };
  }
  const dir = sort === "quality" ? "asc" : "desc";
  const orderBy: Prisma.TraceOrderByWithRelationInput[] = [{ quality: { sort: dir, nulls: "last" } }, { id: "asc" }];
  if (!cursor) return { orderBy, after: null };
  const last = await db().trace.findUnique({ where: { id: cursor }, select: { quality: true } });
  if (!last) return { orderBy, after: { id: { gt: cursor } } };
  if (last.quality === null) return { orderBy, after: { quality: null, id: { gt: cursor } } };
  return {
    orderBy,
    after: { OR: [{ quality: dir === "asc" ? { gt: last.quality } : { lt: last.quality } }, { quality: last.quality, id: { gt: cursor } }, { quality: null }] },
  };
}

export async function listTraces(filters: TraceFilters): Promise<TraceListResult> {
  const where = traceWhere(filters, await datasetId(filters.dataset));
  const { orderBy, after } = await pageAfter(filters.sort ?? "id", filters.cursor);
  const [rows, counted] = await Promise.all([
    db().trace.findMany({
      where: after ? { AND: [where, after] } : where,
      orderBy,
      take: filters.limit + 1,
      select: {
        id: true, externalId: true, question: true, method: true, format: true, stepCount: true, finalAnswer: true,
        answer: true, quality: true, valid: true, labelState: true, decision: true, dataset: { select: { name: true } },
        failingSteps: true, failingRules: true, disagreements: true, imageId: true,
      },
    }),
    db().trace.findMany({ where, select: { id: true }, take: COUNT_CAP + 1 }),
  ]);
  const page = rows.slice(0, filters.limit);
  return {
    items: page.map(({ dataset, failingRules, ...row }) => ({ ...row, dataset: dataset.name, failingRules: failingRulesList(failingRules) })),
    nextCursor: rows.length > filters.limit ? page[page.length - 1].id : null,
    total: Math.min(counted.length, COUNT_CAP),
    totalCapped: counted.length > COUNT_CAP,
  };
}

export async function traceFacets(dataset?: string): Promise<TraceFacets> {
  const prisma = db();
  const inDataset = dataset ? { dataset: { name: dataset } } : {};
  const [datasets, methods, rules, relations, reviewers] = await Promise.all([
    listDatasetNames(),
    prisma.trace.findMany({ where: inDataset, distinct: ["method"], select: { method: true }, orderBy: { method: "asc" } }),
    prisma.verdict.findMany({ where: { outcome: "fail", ...(dataset ? { run: { dataset: { name: dataset } } } : {}) }, distinct: ["rule"], select: { rule: true }, orderBy: { rule: "asc" } }),
    prisma.questionRelation.findMany({ where: dataset ? { question: { dataset: { name: dataset } } } : {}, distinct: ["relationClass"], select: { relationClass: true }, orderBy: { relationClass: "asc" } }),
    prisma.user.findMany({ where: { reviews: { some: { source: "human", ...(dataset ? { trace: inDataset } : {}) } } }, select: { name: true }, orderBy: { name: "asc" } }),
  ]);
  return {
    datasets: datasets.map((d) => d.name),
    methods: methods.map((m) => m.method),
    rules: rules.map((r) => r.rule),
    relations: relations.map((r) => r.relationClass),
    reviewers: reviewers.map((r) => r.name),
  };
}

/** A reviewer's trace-level decision (source "human"): imported verdicts are not review. */
const humanDecision: Prisma.ReviewWhereInput = { stepId: null, current: true, source: "human" };

/**
 * The most useful trace to review next: verifier–human disagreements first, then traces whose
 * quality sits nearest the verifier threshold (the verdicts least sure of themselves), drawn from
 * the relation class this reviewer has covered least so the queue stays stratified.
 *
 * Only reviewers' own work counts as review: a trace is open until a reviewer decides it or labels
 * every step (Trace.labelState counts human labels only), and never offered to a reviewer who has
 * labelled it already. Imported labels and verdicts (Trace.decision mirrors VisProg's too) do not
 * close a trace. The reason is worded by lib/review/queue-reason.ts, also when nothing is left.
 */
export async function nextInQueue(options: { dataset?: string; after?: number; user?: string; prefer?: "unchecked" }): Promise<QueuePick> {
  const user = await resolveUser(options.user);
  const prisma = db();
  const scopeId = await datasetId(options.dataset);
  const scope: Prisma.TraceWhereInput = scopeId === undefined ? {} : { datasetId: scopeId ?? -1 };
  const openAny: Prisma.TraceWhereInput = {
    ...scope,
    labelState: { not: "complete" },
    AND: [
      { NOT: { reviews: { some: humanDecision } } },
      { NOT: { reviews: { some: { userId: user.id, current: true, source: "human" } } } },
    ],
  };
  const open: Prisma.TraceWhereInput = options.after ? { ...openAny, id: { not: options.after } } : openAny;
  // Reviewed = complete (one index) + decided by a reviewer but not complete (driven from Review,
  // which is small next to Trace); yours likewise from Review.
  const [total, complete, decidedOpen, yours] = await Promise.all([
    prisma.trace.count({ where: scope }),
    prisma.trace.count({ where: { ...scope, labelState: "complete" } }),
    prisma.review.findMany({ where: { ...humanDecision, trace: { ...scope, labelState: { not: "complete" } } }, distinct: ["traceId"], select: { traceId: true } }),
    prisma.review.findMany({ where: { userId: user.id, source: "human", ...(scopeId === undefined ? {} : { trace: scope }) }, distinct: ["traceId"], select: { traceId: true } }),
  ]);
  const progress = { reviewed: complete + decidedOpen.length, total, byYou: yours.length };

  // Several reviewers per trace (docs/design.md §13): with a review policy the queue hands out
  // review slots — the reviewer's assignments first, then traces with a free slot, leased to them.
  if (typeof scopeId === "number" && options.dataset && (await hasReviewPolicy(scopeId))) {
    const claim = await claimNextTrace(options.dataset, { userId: user.id }, { exclude: options.after });
    if (claim.traceId !== null) {
      const reason = claim.assigned ? `assigned to you (${claim.holders} of ${claim.minReviews} reviewers)` : `a free review slot (${claim.holders} of ${claim.minReviews} reviewers)`;
      return { traceId: claim.traceId, reason, progress };
    }
    return { traceId: null, reason: claim.reason, progress };
  }

  const disagreement = await prisma.trace.findFirst({ where: { ...open, disagreements: { gt: 0 } }, orderBy: [{ disagreements: "desc" }, { id: "asc" }], select: { id: true, disagreements: true } });
  if (disagreement) return { traceId: disagreement.id, reason: queueReason({ kind: "disagreement", steps: disagreement.disagreements }), progress };

  if (options.prefer === "unchecked") {
    const unchecked = await prisma.trace.findFirst({ where: { ...open, uncheckedSteps: { gt: 0 } }, orderBy: [{ uncheckedSteps: "desc" }, { id: "asc" }], select: { id: true, uncheckedSteps: true } });
    if (unchecked) return { traceId: unchecked.id, reason: queueReason({ kind: "unchecked", steps: unchecked.uncheckedSteps ?? 0 }), progress };
  }

  const threshold = await currentThreshold();
  const relationClass = await leastCoveredRelation(user.id, scopeId);
  const withClass: Prisma.TraceWhereInput = relationClass ? { ...open, questionRef: { relations: { some: { relationClass } } } } : open;
  for (const where of relationClass ? [withClass, open] : [open]) {
    const near = await nearThreshold(where, threshold);
    if (near) {
      const inClass = relationClass && where === withClass ? relationClass : null;
      if (near.quality !== null) return { traceId: near.id, reason: queueReason({ kind: "threshold", quality: near.quality, threshold, relationClass: inClass }), progress };
      const verified = await prisma.trace.findFirst({ where: { ...scope, quality: { not: null } }, select: { id: true } });
      return { traceId: near.id, reason: queueReason({ kind: "unverified", datasetVerified: verified !== null, relationClass: inClass }), progress };
    }
  }
  const onlyCurrentLeft = options.after ? (await prisma.trace.count({ where: { ...openAny, id: options.after } })) > 0 : false;
  return { traceId: null, reason: queueReason({ kind: "empty", total, reviewed: progress.reviewed, byYou: progress.byYou, onlyCurrentLeft }), progress };
}

async function currentThreshold(): Promise<number> {
  // the default config's threshold (chosen explicitly; v1 when none was chosen)
  const config =
    (await db().verifierConfig.findFirst({ where: { defaultOf: { isNot: null } }, select: { threshold: true } })) ??
    (await db().verifierConfig.findFirst({ orderBy: { version: "asc" }, select: { threshold: true } }));
  return config?.threshold ?? 0.5;
}

async function nearThreshold(where: Prisma.TraceWhereInput, threshold: number): Promise<{ id: number; quality: number | null } | null> {
  // The closest traces on each side of the threshold, via the (datasetId, quality) index.
  const [above, below] = await Promise.all([
    db().trace.findFirst({ where: { ...where, quality: { gte: threshold } }, orderBy: [{ quality: "asc" }, { id: "asc" }], select: { id: true, quality: true } }),
    db().trace.findFirst({ where: { ...where, quality: { lt: threshold } }, orderBy: [{ quality: "desc" }, { id: "asc" }], select: { id: true, quality: true } }),
  ]);
  const candidates = [above, below].filter((c): c is { id: number; quality: number } => c !== null && c.quality !== null);
  if (candidates.length) return candidates.sort((a, b) => Math.abs(a.quality - threshold) - Math.abs(b.quality - threshold) || a.id - b.id)[0];
  return db().trace.findFirst({ where, orderBy: { id: "asc" }, select: { id: true, quality: true } });
}

async function leastCoveredRelation(userId: number, scopeId: number | null | undefined): Promise<string | null> {
  const classes = await db().questionRelation.groupBy({ by: ["relationClass"], where: scopeId === undefined ? {} : { question: { datasetId: scopeId ?? -1 } }, _count: { _all: true } });
  if (classes.length === 0) return null;
  // Traces this reviewer touched, per relation class, counted from the reviewer's own reviews.
  const reviewed = await db().review.findMany({
    where: { userId, source: "human", ...(scopeId === undefined ? {} : { trace: { datasetId: scopeId ?? -1 } }) },
    distinct: ["traceId"],
    select: { trace: { select: { questionRef: { select: { relations: { select: { relationClass: true } } } } } } },
  });
  const covered = new Map<string, number>();
  for (const r of reviewed) for (const rel of r.trace.questionRef?.relations ?? []) covered.set(rel.relationClass, (covered.get(rel.relationClass) ?? 0) + 1);
  return classes
    .map((c) => ({ relationClass: c.relationClass, reviewed: covered.get(c.relationClass) ?? 0 }))
    .sort((a, b) => a.reviewed - b.reviewed || a.relationClass.localeCompare(b.relationClass))[0].relationClass;
}
