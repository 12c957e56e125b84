import { sql, sqlDialect } from "@/lib/db/sql";
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

/** A finite number inlined into SQL (computed here, never user input). */
function literal(value: number): string {
  if (!Number.isFinite(value)) throw new Error(`not a finite number: ${value}`);
  return String(value);
}

export async function datasetDashboards(): Promise<Map<number, DatasetDashboard>> {
  const q = await sql();
  const postgres = sqlDialect() === "postgres";
  // a number inside a run's stored metrics (JSON text on SQLite, jsonb on PostgreSQL)
  const metric = (path: string[]) => (postgres ? `(r."metrics" #>> '{${path.join(",")}}')::float8` : `json_extract(r."metrics", '$.${path.join(".")}')`);
  const result = new Map<number, DatasetDashboard>();
  const card = (datasetId: number): DatasetDashboard =>
    result.get(datasetId) ??
    result.set(datasetId, { datasetId, latestRun: null, histogram: [], runs: [], review: { traces: 0, complete: 0, partial: 0, decided: 0 }, topRules: [], coverage: null }).get(datasetId)!;

  // review progress: label state and human trace decisions per dataset
  const review = await q.all<{ datasetId: number; traces: number; complete: number; partial: number; decided: number }>(
    `SELECT t."datasetId" AS datasetId, COUNT(*) AS traces,
       SUM(CASE WHEN t."labelState" = 'complete' THEN 1 ELSE 0 END) AS complete, SUM(CASE WHEN t."labelState" = 'partial' THEN 1 ELSE 0 END) AS partial,
       SUM(CASE WHEN EXISTS (SELECT 1 FROM "Review" r WHERE r."traceId" = t."id" AND r."stepId" IS NULL AND r."current" = TRUE AND r."source" = 'human') THEN 1 ELSE 0 END) AS decided
     FROM "Trace" t GROUP BY t."datasetId"`,
  );
  for (const r of review) card(r.datasetId).review = { traces: r.traces, complete: r.complete ?? 0, partial: r.partial ?? 0, decided: r.decided ?? 0 };

  // every finished run's overall figures (stored with the run), oldest first
  const runs = await q.all<RunRow>(
    `SELECT r."id" AS id, r."datasetId" AS datasetId, r."startedAt" AS startedAt,
       ${metric(["overall", "validRatio"])} AS validRatio,
       ${metric(["overall", "avgQuality"])} AS avgQuality,
       ${metric(["overall", "traces"])} AS traces
     FROM "VerifierRun" r WHERE r."status" = 'done' ORDER BY r."datasetId", r."id"`,
  );
  const latest = new Map<number, number>();
  for (const r of runs) {
    const c = card(r.datasetId);
    c.runs.push({ run: r.id, startedAt: new Date(r.startedAt).toISOString(), validRatio: r.validRatio, avgQuality: r.avgQuality, traces: r.traces ?? 0 });
    if (c.runs.length > RUNS_SHOWN) c.runs.shift();
    latest.set(r.datasetId, r.id);
    c.latestRun = r.id;
  }
  if (!latest.size) return result;
  const latestRuns = [...latest.values()].map((id) => Math.trunc(id)).join(",");

  // quality histogram of the latest run: its span first, then counts per bin of that span
  const spans = await q.all<{ runId: number; lo: number | null; hi: number | null }>(`SELECT s."runId" AS runId, MIN(s."quality") AS lo, MAX(s."quality") AS hi FROM "TraceScore" s WHERE s."runId" IN (${latestRuns}) GROUP BY s."runId"`);
  const ranges = new Map<number, HistogramRange>(spans.filter((s) => s.lo !== null && s.hi !== null).map((s) => [s.runId, histogramRange(s.lo!, s.hi!, 20)]));
  // the bin of a score: SQLite's CAST truncates, PostgreSQL's rounds (FLOOR is the same for these non-negative offsets)
  const bin = postgres
    ? `LEAST(r.bins - 1, GREATEST(0, FLOOR((s."quality" - r.lo) / r.width + 1e-9)::integer))`
    : `MIN(r.bins - 1, MAX(0, CAST((s."quality" - r.lo) / r.width + 1e-9 AS INTEGER)))`;
  const binned = ranges.size
    ? await q.all<{ runId: number; bin: number; n: number }>(
        `WITH r (run, lo, width, bins) AS (VALUES ${[...ranges].map(([run, range]) => `(${literal(run)}, ${literal(range.lo)}, ${literal(range.width)}, ${literal(range.bins)})`).join(", ")})
         SELECT s."runId" AS runId, ${bin} AS bin, COUNT(*) AS n
         FROM "TraceScore" s JOIN r ON r.run = s."runId" GROUP BY s."runId", ${bin}`,
      )
    : [];
  const datasetOfRun = new Map([...latest].map(([dataset, run]) => [run, dataset]));
  for (const [run, range] of ranges) card(datasetOfRun.get(run)!).histogram = binEdges(range).map((e) => ({ ...e, count: 0 }));
  for (const b of binned) {
    const bins = card(datasetOfRun.get(b.runId)!).histogram;
    if (bins[b.bin]) bins[b.bin].count = b.n;
  }

  // the rules that fail most in the latest run: steps and traces they fail
  const failing = await q.all<{ runId: number; rule: string; steps: number; traces: number }>(
    `SELECT v."runId" AS runId, v."rule" AS rule, COUNT(*) AS steps, COUNT(DISTINCT v."traceId") AS traces
     FROM "Verdict" v WHERE v."runId" IN (${latestRuns}) AND v."outcome" = 'fail' GROUP BY v."runId", v."rule" ORDER BY steps DESC, rule`,
  );
  for (const f of failing) {
    const rules = card(datasetOfRun.get(f.runId)!).topRules;
    if (rules.length < TOP_RULES) rules.push({ rule: f.rule, steps: f.steps, traces: f.traces });
  }

  // coverage (docs/design.md §5): the share of steps some rule checked in the latest run
  const coverage = await q.all<{ datasetId: number; steps: number; checked: number }>(
    `WITH l ("datasetId", "runId") AS (VALUES ${[...latest].map(([dataset, run]) => `(${literal(dataset)}, ${literal(run)})`).join(", ")})
     SELECT t."datasetId" AS datasetId, COUNT(*) AS steps,
       SUM(CASE WHEN EXISTS (SELECT 1 FROM "Verdict" v WHERE v."runId" = l."runId" AND v."stepId" = s."id" AND (v."outcome" = 'fail' OR (v."outcome" = 'pass' AND v."rule" IN (${CONTENT_RULES})))) THEN 1 ELSE 0 END) AS checked
     FROM l JOIN "Trace" t ON t."datasetId" = l."datasetId" JOIN "Step" s ON s."traceId" = t."id" GROUP BY t."datasetId"`,
  );
  for (const c of coverage) card(c.datasetId).coverage = { steps: c.steps, checked: c.checked ?? 0 };
  return result;
}
