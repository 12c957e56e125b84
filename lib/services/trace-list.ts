import { db } from "@/lib/db";
import type { Prisma } from "@/lib/generated/prisma/client";
import type { QueuePick, TraceFacets, TraceFilters, TraceListResult } from "@/lib/schemas/trace-list";
import { resolveUser } from "@/lib/services/users";

// The trace list at 100k traces: every filter is an indexed column on Trace (denormalised from the
// latest verifier run and from reviews) or an EXISTS over an indexed table, and pages are keyset
// on id, so page N costs what page 1 costs.

export function traceWhere(filters: Omit<TraceFilters, "cursor" | "limit">): Prisma.TraceWhereInput {
  const and: Prisma.TraceWhereInput[] = [];
  if (filters.dataset) and.push({ dataset: { name: filters.dataset } });
  if (filters.method) and.push({ method: filters.method });
  if (filters.qmin !== undefined) and.push({ quality: { gte: filters.qmin } });
  if (filters.qmax !== undefined) and.push({ quality: { lte: filters.qmax } });
  if (filters.valid) and.push({ valid: filters.valid === "true" });
  if (filters.rule) and.push({ failingRules: { contains: `,${filters.rule},` } });
  if (filters.label) and.push({ labelState: filters.label });
  if (filters.decision) and.push({ decision: filters.decision === "none" ? null : filters.decision });
  if (filters.disagreement === "true") and.push({ disagreements: { gt: 0 } });
  if (filters.disagreement === "false") and.push({ disagreements: 0 });
  if (filters.relation) and.push({ questionRef: { relations: { some: { relationClass: filters.relation } } } });
  if (filters.reviewer) and.push({ reviews: { some: { current: true, source: "human", user: { name: filters.reviewer } } } });
  if (filters.q) and.push({ OR: [{ question: { contains: filters.q } }, { externalId: { contains: filters.q } }] });
  return and.length ? { AND: and } : {};
}

export async function listTraces(filters: TraceFilters): Promise<TraceListResult> {
  const where = traceWhere(filters);
  const [rows, total] = await Promise.all([
    db().trace.findMany({
      where: filters.cursor ? { AND: [where, { id: { gt: filters.cursor } }] } : where,
      orderBy: { id: "asc" },
      take: filters.limit + 1,
      select: {
        id: true, externalId: true, question: true, method: true, format: true, stepCount: true, finalAnswer: true,
        answer: true, quality: true, valid: true, labelState: true, decision: true, dataset: { select: { name: true } },
      },
    }),
    db().trace.count({ where }),
  ]);
  const page = rows.slice(0, filters.limit);
  return {
    items: page.map(({ dataset, ...row }) => ({ ...row, dataset: dataset.name })),
    nextCursor: rows.length > filters.limit ? page[page.length - 1].id : null,
    total,
  };
}

export async function traceFacets(dataset?: string): Promise<TraceFacets> {
  const prisma = db();
  const inDataset = dataset ? { dataset: { name: dataset } } : {};
  const [datasets, methods, rules, relations, reviewers] = await Promise.all([
    prisma.dataset.findMany({ select: { name: true }, orderBy: { name: "asc" } }),
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

/**
 * The most useful trace to review next: verifier–human disagreements first, then traces whose
 * quality sits nearest the verifier threshold (the verdicts least sure of themselves), drawn from
 * the relation class this reviewer has covered least so the queue stays stratified.
 */
export async function nextInQueue(options: { dataset?: string; after?: number; user?: string }): Promise<QueuePick> {
  const user = await resolveUser(options.user);
  const prisma = db();
  const scope: Prisma.TraceWhereInput = options.dataset ? { dataset: { name: options.dataset } } : {};
  const open: Prisma.TraceWhereInput = {
    ...scope,
    decision: null,
    labelState: { not: "complete" },
    NOT: { reviews: { some: { userId: user.id, current: true, source: "human" } } },
    ...(options.after ? { id: { not: options.after } } : {}),
  };
  const [total, reviewed, byYou] = await Promise.all([
    prisma.trace.count({ where: scope }),
    prisma.trace.count({ where: { ...scope, OR: [{ decision: { not: null } }, { labelState: "complete" }] } }),
    prisma.trace.count({ where: { ...scope, reviews: { some: { userId: user.id, source: "human" } } } }),
  ]);
  const progress = { reviewed, total, byYou };

  const disagreement = await prisma.trace.findFirst({ where: { ...open, disagreements: { gt: 0 } }, orderBy: [{ disagreements: "desc" }, { id: "asc" }], select: { id: true, disagreements: true } });
  if (disagreement) return { traceId: disagreement.id, reason: `${disagreement.disagreements} step(s) where you and the verifier disagree`, progress };

  const threshold = await currentThreshold();
  const relationClass = await leastCoveredRelation(user.id, options.dataset);
  const withClass: Prisma.TraceWhereInput = relationClass ? { ...open, questionRef: { relations: { some: { relationClass } } } } : open;
  for (const where of relationClass ? [withClass, open] : [open]) {
    const near = await nearThreshold(where, threshold);
    if (near) {
      const classNote = relationClass && where === withClass ? `, relation class "${relationClass}" (least reviewed)` : "";
      return { traceId: near.id, reason: near.quality === null ? `not verified yet${classNote}` : `quality ${near.quality.toFixed(2)} is near the threshold ${threshold.toFixed(2)}${classNote}`, progress };
    }
  }
  return { traceId: null, reason: null, progress };
}

async function currentThreshold(): Promise<number> {
  const config = await db().verifierConfig.findFirst({ orderBy: { version: "desc" }, select: { threshold: true } });
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

async function leastCoveredRelation(userId: number, dataset?: string): Promise<string | null> {
  const classes = await db().questionRelation.groupBy({ by: ["relationClass"], where: dataset ? { question: { dataset: { name: dataset } } } : {}, _count: { _all: true } });
  if (classes.length === 0) return null;
  const covered = await Promise.all(classes.map(async (c) => ({
    relationClass: c.relationClass,
    reviewed: await db().trace.count({ where: { questionRef: { relations: { some: { relationClass: c.relationClass } } }, reviews: { some: { userId, source: "human" } } } }),
  })));
  return covered.sort((a, b) => a.reviewed - b.reviewed || a.relationClass.localeCompare(b.relationClass))[0].relationClass;
}
