import { db } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { STEP_LABELS_SOURCE } from "@/lib/formats/step-labels";

// `stepwise labels export`: the current human step labels of a dataset in the `step-labels` JSONL
// shape (issue 16, docs/formats.md): {"trace", "step", "label", "reviewer", "comment"?, "time"} —
// the trace's external id, the 0-based step index, accept | neutral | reject, the reviewer's name,
// the comment when there is one, and when it was given (ISO 8601). After-error markers (labels a
// reviewer's "stop at first error" set on later steps) are not the reviewer's own judgement and are
// left out. Labels imported from a step-labels file come out with the reviewer's name as given
// (so export → import → export is the identity). Read in id pages: memory stays flat.

export interface StepLabelLine {
  trace: string;
  step: number;
  label: "accept" | "neutral" | "reject";
  reviewer: string;
  comment?: string;
  time: string;
}

const PAGE = 5_000;
const LABELS = new Set(["accept", "neutral", "reject"]);

export async function streamStepLabels(options: { dataset: string; humanOnly?: boolean }, onLine: (line: StepLabelLine) => void): Promise<{ labels: number }> {
  const dataset = await db().dataset.findUnique({ where: { name: options.dataset }, select: { id: true } });
  if (!dataset) throw new AppError("not_found", `dataset "${options.dataset}" not found`);
  let labels = 0;
  for (let after = 0; ; ) {
    const rows = await db().review.findMany({
      where: { id: { gt: after }, current: true, afterError: false, stepId: { not: null }, trace: { datasetId: dataset.id }, ...(options.humanOnly ? { source: "human" } : {}) },
      orderBy: { id: "asc" },
      take: PAGE,
      select: { id: true, label: true, comment: true, createdAt: true, source: true, provenance: true, user: { select: { name: true } }, trace: { select: { externalId: true } }, step: { select: { index: true } } },
    });
    if (rows.length === 0) break;
    for (const r of rows) {
      if (!LABELS.has(r.label) || !r.step) continue;
      onLine({ trace: r.trace.externalId, step: r.step.index, label: r.label as StepLabelLine["label"], reviewer: reviewerOf(r), ...(r.comment ? { comment: r.comment } : {}), time: r.createdAt.toISOString() });
      labels++;
    }
    after = rows[rows.length - 1].id;
  }
  return { labels };
}

/** Labels imported from step-labels files keep the reviewer's name as the file gave it (round trip). */
function reviewerOf(row: { source: string; provenance: unknown; user: { name: string } }): string {
  const given = (row.provenance as { reviewer?: unknown } | null)?.reviewer;
  return row.source === STEP_LABELS_SOURCE && typeof given === "string" && given ? given : row.user.name;
}
