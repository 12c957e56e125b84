import { db } from "@/lib/db";
import { sql } from "@/lib/db/sql";
import type { DatasetMetricsDto } from "@/lib/schemas/verifier";
import { runCoverage } from "@/lib/services/verify/coverage";
import { resolveRun } from "@/lib/services/verify/verdicts";
import { runSettings } from "@/lib/services/verify/verifier-configs";
import { ablationTable, paperMetrics, qualityHistogram, type MethodMetrics, type ScoredTrace } from "@/lib/verifier/metrics";
import type { ScoreParts } from "@/lib/verifier/score";

// The papers' metrics for a dataset from one verifier run's TraceScores (SpatialTraceGen Table 1
// per generation method, the ablation table, the quality histogram). No verdict joins.

export interface MetricsQuery {
  dataset: string;
  run?: number;
  ablation?: boolean;
}

export async function scoredTraces(runId: number): Promise<ScoredTrace[]> {
  const q = await sql();
  const rows = await q.all<{ quality: number; valid: number; parts: string | null; method: string }>(`SELECT s."quality", s."valid", s."parts", t."method" FROM "TraceScore" s JOIN "Trace" t ON t."id" = s."traceId" WHERE s."runId" = ? ORDER BY s."traceId"`, [runId]);
  return rows.map((r) => ({ method: r.method, quality: r.quality, valid: r.valid === 1, parts: (r.parts ? JSON.parse(r.parts) : { steps: null, completeness: null, final: null, rules: {} }) as ScoreParts }));
}

export async function getDatasetMetrics(query: MetricsQuery): Promise<DatasetMetricsDto> {
  const { run } = await resolveRun(query.dataset, query.run);
  if (!run) return { dataset: query.dataset, run: null, threshold: null, overall: null, byMethod: [], ablation: null, histogram: [], methods: [], coverage: null };
  const settings = await runSettings(run.id);
  const traces = await scoredTraces(run.id);
  const metrics = paperMetrics(traces);
  return {
    dataset: query.dataset,
    run,
    threshold: settings.threshold,
    overall: metrics.overall,
    byMethod: metrics.byMethod,
    ablation: query.ablation ? ablationTable(traces, settings) : null,
    histogram: qualityHistogram(traces),
    methods: metrics.byMethod.map((m) => m.method),
    coverage: await runCoverage(run.id, (await db().dataset.findUniqueOrThrow({ where: { name: query.dataset }, select: { id: true } })).id),
  };
}

/**
 * Recomputes a run's stored metrics (the datasets overview reads them) from its TraceScores, after
 * traces were re-verified one by one. Same figures as the run computed when it finished.
 */
export async function refreshRunMetrics(runId: number): Promise<void> {
  const metrics = paperMetrics(await scoredTraces(runId));
  await db().verifierRun.update({ where: { id: runId }, data: { metrics: JSON.parse(JSON.stringify(metrics)) } });
}

/** Latest finished run's overall figures per dataset (datasets overview). */
export async function latestQualityByDataset(): Promise<Map<number, { run: number; overall: MethodMetrics | null }>> {
  const runs = await db().verifierRun.findMany({ where: { status: "done" }, orderBy: { id: "desc" }, distinct: ["datasetId"], select: { id: true, datasetId: true, metrics: true } });
  const result = new Map<number, { run: number; overall: MethodMetrics | null }>();
  for (const run of runs) {
    if (result.has(run.datasetId)) continue;
    result.set(run.datasetId, { run: run.id, overall: (run.metrics as { overall?: MethodMetrics } | null)?.overall ?? null });
  }
  return result;
}

export interface DecisionConfusion {
  run: number;
  /** verifier valid × human decision (accept / reject), over traces with a decision */
  validAccepted: number;
  validRejected: number;
  invalidAccepted: number;
  invalidRejected: number;
}

/** How a run's trace validity lines up with human trace decisions (e.g. VisProg's verdicts). */
export async function decisionConfusion(query: { dataset: string; run?: number }): Promise<DecisionConfusion | null> {
  const { datasetId, run } = await resolveRun(query.dataset, query.run);
  if (!run) return null;
  const rows = await db().traceScore.findMany({
    where: { runId: run.id, trace: { datasetId, decision: { not: null } } },
    select: { valid: true, trace: { select: { decision: true } } },
  });
  const count = (valid: boolean, decision: string) => rows.filter((r) => r.valid === valid && r.trace.decision === decision).length;
  return { run: run.id, validAccepted: count(true, "accept"), validRejected: count(true, "reject"), invalidAccepted: count(false, "accept"), invalidRejected: count(false, "reject") };
}
