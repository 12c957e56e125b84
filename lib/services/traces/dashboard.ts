import { prepare, sqlite } from "@/lib/db";
import type { DatasetDashboard } from "@/lib/schemas/datasets";
import { CONTENT_RULES } from "@/lib/services/verify/coverage";
import { binEdges, histogramRange, type HistogramRange } from "@/lib/verifier/histogram";

export type { DatasetDashboard };

// The datasets page as a dashboard (docs/design.md §5, §6): per dataset the latest run's quality
// histogram (bins scaled to where the scores are), the valid ratio of every finished run, review
// progress, the rules that fail most and coverage. Every figure comes from one grouped query over
// all datasets at once (six statements whatever the number of datasets — never one per card).

/** Runs shown in a card's sparkline (the newest). */
export const RUNS_SHOWN = 12;
/** Failing rules listed per card. */
export const TOP_RULES = 3;

interface RunRow {
  id: number;
  datasetId: number;
  startedAt: string | number;
  validRatio: number | null;
  avgQuality: number | null;
  traces: number | null;
}

export async function datasetDashboards(): Promise<Map<number, DatasetDashboard>> {
  const handle = await sqlite();
  const result = new Map<number, DatasetDashboard>();
  const card = (datasetId: number): DatasetDashboard =>
    result.get(datasetId) ??
    result.set(datasetId, { datasetId, latestRun: null, histogram: [], runs: [], review: { traces: 0, complete: 0, partial: 0, decided: 0 }, topRules: [], coverage: null }).get(datasetId)!;

  // review progress: label state and human trace decisions per dataset
  const review = prepare(
    handle,
    `SELECT t."datasetId" AS datasetId, COUNT(*) AS traces,
       SUM(t."labelState" = 'complete') AS complete, SUM(t."labelState" = 'partial') AS partial,
       SUM(EXISTS (SELECT 1 FROM "Review" r WHERE r."traceId" = t."id" AND r."stepId" IS NULL AND r."current" = 1 AND r."source" = 'human')) AS decided
     FROM "Trace" t GROUP BY t."datasetId"`,
  ).all() as Array<{ datasetId: number; traces: number; complete: number; partial: number; decided: number }>;
  for (const r of review) card(r.datasetId).review = { traces: r.traces, complete: r.complete ?? 0, partial: r.partial ?? 0, decided: r.decided ?? 0 };

  // every finished run's overall figures (stored with the run), oldest first
  const runs = prepare(
    handle,
    `SELECT r."id" AS id, r."datasetId" AS datasetId, r."startedAt" AS startedAt,
       json_extract(r."metrics", '$.overall.validRatio') AS validRatio,
       json_extract(r."metrics", '$.overall.avgQuality') AS avgQuality,
       json_extract(r."metrics", '$.overall.traces') AS traces
     FROM "VerifierRun" r WHERE r."status" = 'done' ORDER BY r."datasetId", r."id"`,
  ).all() as RunRow[];
  const latest = new Map<number, number>();
  for (const r of runs) {
    const c = card(r.datasetId);
    c.runs.push({ run: r.id, startedAt: new Date(r.startedAt).toISOString(), validRatio: r.validRatio, avgQuality: r.avgQuality, traces: r.traces ?? 0 });
    if (c.runs.length > RUNS_SHOWN) c.runs.shift();
    latest.set(r.datasetId, r.id);
    c.latestRun = r.id;
  }
  if (!latest.size) return result;
  const latestRuns = JSON.stringify([...latest.values()]);

  // quality histogram of the latest run: its span first, then counts per bin of that span
  const spans = prepare(handle, `SELECT s."runId" AS runId, MIN(s."quality") AS lo, MAX(s."quality") AS hi FROM "TraceScore" s WHERE s."runId" IN (SELECT value FROM json_each(?)) GROUP BY s."runId"`).all(latestRuns) as Array<{ runId: number; lo: number; hi: number }>;
  const ranges = new Map<number, HistogramRange>(spans.map((s) => [s.runId, histogramRange(s.lo, s.hi, 20)]));
  const binned = prepare(
    handle,
    `WITH r AS (SELECT json_extract(value, '$[0]') AS run, json_extract(value, '$[1]') AS lo, json_extract(value, '$[2]') AS width, json_extract(value, '$[3]') AS bins FROM json_each(?))
     SELECT s."runId" AS runId, MIN(r.bins - 1, MAX(0, CAST((s."quality" - r.lo) / r.width + 1e-9 AS INTEGER))) AS bin, COUNT(*) AS n
     FROM "TraceScore" s JOIN r ON r.run = s."runId" GROUP BY s."runId", bin`,
  ).all(JSON.stringify([...ranges].map(([run, range]) => [run, range.lo, range.width, range.bins]))) as Array<{ runId: number; bin: number; n: number }>;
  const datasetOfRun = new Map([...latest].map(([dataset, run]) => [run, dataset]));
  for (const [run, range] of ranges) card(datasetOfRun.get(run)!).histogram = binEdges(range).map((e) => ({ ...e, count: 0 }));
  for (const b of binned) {
    const bins = card(datasetOfRun.get(b.runId)!).histogram;
    if (bins[b.bin]) bins[b.bin].count = b.n;
  }

  // the rules that fail most in the latest run: steps and traces they fail
  const failing = prepare(
    handle,
    `SELECT v."runId" AS runId, v."rule" AS rule, COUNT(*) AS steps, COUNT(DISTINCT v."traceId") AS traces
     FROM "Verdict" v WHERE v."runId" IN (SELECT value FROM json_each(?)) AND v."outcome" = 'fail' GROUP BY v."runId", v."rule" ORDER BY steps DESC, rule`,
  ).all(latestRuns) as Array<{ runId: number; rule: string; steps: number; traces: number }>;
  for (const f of failing) {
    const rules = card(datasetOfRun.get(f.runId)!).topRules;
    if (rules.length < TOP_RULES) rules.push({ rule: f.rule, steps: f.steps, traces: f.traces });
  }

  // coverage (docs/design.md §5): the share of steps some rule checked in the latest run
  const coverage = prepare(
    handle,
    `WITH l AS (SELECT json_extract(value, '$[0]') AS datasetId, json_extract(value, '$[1]') AS runId FROM json_each(?))
     SELECT t."datasetId" AS datasetId, COUNT(*) AS steps,
       SUM(EXISTS (SELECT 1 FROM "Verdict" v WHERE v."runId" = l.runId AND v."stepId" = s."id" AND (v."outcome" = 'fail' OR (v."outcome" = 'pass' AND v."rule" IN (${CONTENT_RULES}))))) AS checked
     FROM l JOIN "Trace" t ON t."datasetId" = l.datasetId JOIN "Step" s ON s."traceId" = t."id" GROUP BY t."datasetId"`,
  ).all(JSON.stringify([...latest])) as Array<{ datasetId: number; steps: number; checked: number }>;
  for (const c of coverage) card(c.datasetId).coverage = { steps: c.steps, checked: c.checked ?? 0 };
  return result;
}
