import { auditStamp } from "@/lib/auth/context";
import type { Principal } from "@/lib/auth/principal";
import { db } from "@/lib/db";
import { sql } from "@/lib/db/sql";
import { AppError } from "@/lib/errors";
import type { Prisma } from "@/lib/generated/prisma/client";
import { GOLD, type AdjudicateBody, type AdjudicationQueue, type DisagreementItem, type ReviewerLabel } from "@/lib/schemas/adjudication";

// Adjudication (docs/design.md §13): a step whose reviewers gave different current labels waits in
// the queue until an adjudicator (admin) decides. The decision is a Review row with source "gold"
// and its provenance (the labels it overrode); calibration and exports prefer it over the
// reviewers' majority. Deciding again replaces the gold label (the old one stays as history).

const STEP_LABEL_SQL = `r."current" = TRUE AND r."source" = 'human' AND r."stepId" IS NOT NULL AND r."afterError" = FALSE AND r."label" IN ('accept', 'neutral', 'reject')`;

async function datasetIdOf(name: string): Promise<number> {
  const dataset = await db().dataset.findUnique({ where: { name }, select: { id: true } });
  if (!dataset) throw new AppError("not_found", `dataset "${name}" not found`, [{ path: "query.dataset", error: "no such dataset" }]);
  return dataset.id;
}

/** Steps of the dataset where current human labels differ, split by whether a gold label exists. */
async function disagreeingSteps(datasetId: number): Promise<{ open: number[]; resolved: number[] }> {
  const rows = await (await sql()).all<{ stepId: number; gold: number }>(
    `SELECT r."stepId" AS stepId,
       EXISTS (SELECT 1 FROM "Review" g WHERE g."stepId" = r."stepId" AND g."current" = TRUE AND g."source" = '${GOLD}') AS gold
     FROM "Review" r
     WHERE r."traceId" IN (SELECT "id" FROM "Trace" WHERE "datasetId" = ?) AND ${STEP_LABEL_SQL}
     GROUP BY r."stepId" HAVING COUNT(DISTINCT r."label") > 1
     ORDER BY r."stepId"`,
    [datasetId],
  );
  return { open: rows.filter((r) => !Number(r.gold)).map((r) => Number(r.stepId)), resolved: rows.filter((r) => Number(r.gold)).map((r) => Number(r.stepId)) };
}

const labelOf = (r: { id: number; label: string; createdAt: Date; user: { name: string } }): ReviewerLabel => ({ reviewId: r.id, user: r.user.name, label: r.label, createdAt: r.createdAt.toISOString() });

export async function adjudicationQueue(query: { dataset: string; status: "open" | "resolved" | "all"; limit: number }): Promise<AdjudicationQueue> {
  const datasetId = await datasetIdOf(query.dataset);
  const steps = await disagreeingSteps(datasetId);
  const ids = (query.status === "open" ? steps.open : query.status === "resolved" ? steps.resolved : [...steps.open, ...steps.resolved].sort((a, b) => a - b)).slice(0, query.limit);
  const rows = await db().step.findMany({
    where: { id: { in: ids } },
    orderBy: [{ traceId: "asc" }, { index: "asc" }],
    select: {
      id: true, index: true, kind: true, text: true, tool: true, traceId: true,
      trace: { select: { question: true } },
      reviews: { where: { current: true, OR: [{ source: "human", afterError: false }, { source: GOLD }] }, orderBy: { id: "asc" }, select: { id: true, label: true, source: true, comment: true, provenance: true, createdAt: true, user: { select: { name: true } } } },
    },
  });
  const items: DisagreementItem[] = rows.map((step) => {
    const gold = step.reviews.find((r) => r.source === GOLD);
    return {
      stepId: step.id, stepIndex: step.index, stepKind: step.kind, stepText: step.text ?? step.tool ?? "", traceId: step.traceId, question: step.trace.question,
      labels: step.reviews.filter((r) => r.source === "human").map(labelOf),
      gold: gold ? { ...labelOf(gold), comment: gold.comment, overrode: ((gold.provenance as { overrode?: ReviewerLabel[] } | null)?.overrode ?? []) } : null,
    };
  });
  return { dataset: query.dataset, open: steps.open.length, resolved: steps.resolved.length, items };
}

/** The adjudicator's label for a step becomes its gold label, recording which labels it overrode. */
export async function adjudicateStep(stepId: number, body: AdjudicateBody, actor: Principal): Promise<DisagreementItem> {
  return db().$transaction(async (tx) => {
    const step = await tx.step.findUnique({ where: { id: stepId }, select: { id: true, traceId: true, revision: true } });
    if (!step) throw new AppError("not_found", `step ${stepId} not found`);
    const labels = await tx.review.findMany({ where: { stepId, current: true, source: "human", afterError: false, label: { in: ["accept", "neutral", "reject"] } }, orderBy: { id: "asc" }, select: { id: true, label: true, createdAt: true, user: { select: { name: true } } } });
    if (labels.length === 0) throw new AppError("conflict", `step ${stepId} has no reviewer labels to adjudicate`);
    const previous = await tx.review.findFirst({ where: { stepId, current: true, source: GOLD }, select: { id: true, label: true } });
    if (previous) await tx.review.update({ where: { id: previous.id }, data: { current: false } });
    const overrode = labels.filter((l) => l.label !== body.label).map(labelOf);
    const gold = await tx.review.create({
      data: {
        traceId: step.traceId, stepId, userId: actor.userId, label: body.label, comment: body.comment ?? null, revision: step.revision, source: GOLD,
        provenance: { overrode, considered: labels.map(labelOf) } as unknown as Prisma.InputJsonValue,
      },
      select: { id: true, label: true, comment: true, createdAt: true, user: { select: { name: true } } },
    });
    await tx.step.update({ where: { id: stepId }, data: { version: { increment: 1 } } });
    await tx.auditLog.create({
      data: {
        userId: actor.userId, action: "review.adjudicate", entity: "step", entityId: String(stepId),
        before: { gold: previous ? { reviewId: previous.id, label: previous.label } : null, labels: labels.map(labelOf) } as unknown as Prisma.InputJsonValue,
        after: { reviewId: gold.id, label: gold.label, overrode } as unknown as Prisma.InputJsonValue,
        data: { traceId: step.traceId } as Prisma.InputJsonValue,
        ...auditStamp(),
      },
    });
    const full = await tx.step.findUniqueOrThrow({ where: { id: stepId }, select: { index: true, kind: true, text: true, tool: true, trace: { select: { question: true } } } });
    return {
      stepId, stepIndex: full.index, stepKind: full.kind, stepText: full.text ?? full.tool ?? "", traceId: step.traceId, question: full.trace.question,
      labels: labels.map(labelOf), gold: { ...labelOf(gold), comment: gold.comment, overrode },
    };
  });
}
