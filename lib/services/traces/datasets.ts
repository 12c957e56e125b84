import { db } from "@/lib/db";
import type { DatasetSummary } from "@/lib/schemas/datasets";

export type { DatasetSummary };


/** Every dataset's id and name, by name (pickers and indexes that need no counts). */
export function listDatasetNames(): Promise<Array<{ id: number; name: string }>> {
  return db().dataset.findMany({ orderBy: { name: "asc" }, select: { id: true, name: true } });
}

/** Every dataset with its counts, in one query per count kind (grouped, not per dataset). */
export async function listDatasets(): Promise<DatasetSummary[]> {
  const prisma = db();
  const [datasets, images, scenes, questions, traces] = await Promise.all([
    prisma.dataset.findMany({ orderBy: { name: "asc" }, select: { id: true, name: true, description: true, license: true, attribution: true, createdAt: true } }),
    prisma.image.groupBy({ by: ["datasetId"], _count: { _all: true } }),
    prisma.scene.groupBy({ by: ["datasetId"], _count: { _all: true } }),
    prisma.question.groupBy({ by: ["datasetId"], _count: { _all: true } }),
    prisma.trace.groupBy({ by: ["datasetId"], _count: { _all: true }, _sum: { stepCount: true } }),
  ]);
  // Reviewed = a reviewer labelled a step or decided the trace; imported labels and verdicts (which
  // Trace.decision mirrors too) are data, not review (docs/design.md §6).
  const reviewed = await prisma.trace.groupBy({
    by: ["datasetId"],
    where: { OR: [{ labelState: { not: "unlabeled" } }, { reviews: { some: { stepId: null, current: true, source: "human" } } }] },
    _count: { _all: true },
  });
  const count = (rows: Array<{ datasetId: number; _count: { _all: number } }>, id: number) => rows.find((r) => r.datasetId === id)?._count._all ?? 0;
  return datasets.map((d) => ({
    id: d.id,
    name: d.name,
    description: d.description,
    license: d.license,
    attribution: d.attribution,
    createdAt: d.createdAt.toISOString(),
    images: count(images, d.id),
    scenes: count(scenes, d.id),
    questions: count(questions, d.id),
    traces: count(traces, d.id),
    steps: traces.find((r) => r.datasetId === d.id)?._sum.stepCount ?? 0,
    reviewedTraces: count(reviewed, d.id),
  }));
}
