import { db } from "@/lib/db";
import { sql } from "@/lib/db/sql";
import { AppError } from "@/lib/errors";
import { isActiveRun, type RunDto, type StepVerdictsDto, type TraceVerificationDto, type VerdictDto } from "@/lib/schemas/verifier";
import type { MethodMetrics } from "@/lib/verifier/metrics";

// Reading a run's results: runs of a dataset, one trace's verdicts (trace page), and every step's
// verdicts as JSON lines (CLI, calibration, export).

const runSelect = {
  id: true, status: true, traces: true, steps: true, seconds: true, metrics: true, startedAt: true, finishedAt: true,
  config: { select: { version: true } }, dataset: { select: { name: true } },
} as const;

const runSelectWithTotal = { ...runSelect, dataset: { select: { name: true, _count: { select: { traces: true } } } } } as const;

type RunRow = { id: number; status: string; traces: number; steps: number; seconds: number | null; metrics: unknown; startedAt: Date; finishedAt: Date | null; config: { version: number }; dataset: { name: string; _count?: { traces: number } } };

function toRunDto(row: RunRow): RunDto {
  const metrics = row.metrics as { overall?: MethodMetrics } | null;
  return {
    id: row.id,
    dataset: row.dataset.name,
    config: row.config.version,
    status: row.status,
    traces: row.traces,
    steps: row.steps,
    total: isActiveRun(row.status) ? (row.dataset._count?.traces ?? null) : null,
    seconds: row.seconds,
    startedAt: row.startedAt.toISOString(),
    finishedAt: row.finishedAt?.toISOString() ?? null,
    overall: metrics?.overall ?? null,
  };
}

export async function listRuns(query: { dataset?: string }): Promise<RunDto[]> {
  const rows = await db().verifierRun.findMany({
    where: query.dataset ? { dataset: { name: query.dataset } } : {},
    orderBy: { id: "desc" },
    select: runSelect,
  });
  // an active run's progress needs the dataset's size (counted only then)
  const active = rows.filter((r) => isActiveRun(r.status)).map((r) => r.id);
  if (active.length === 0) return rows.map(toRunDto);
  const totals = new Map((await db().verifierRun.findMany({ where: { id: { in: active } }, select: runSelectWithTotal })).map((r) => [r.id, r]));
  return rows.map((r) => toRunDto(totals.get(r.id) ?? r));
}

export async function getRun(id: number): Promise<RunDto> {
  const row = await db().verifierRun.findUnique({ where: { id }, select: runSelectWithTotal });
  if (!row) throw new AppError("not_found", `verifier run ${id} not found`);
  return toRunDto(row);
}

/** The run to read for a dataset: the given one (checked to belong to it) or the latest finished. */
export async function resolveRun(dataset: string, runId?: number): Promise<{ datasetId: number; run: RunDto | null }> {
  const found = await db().dataset.findUnique({ where: { name: dataset }, select: { id: true } });
  if (!found) throw new AppError("not_found", `dataset "${dataset}" not found`);
  if (runId !== undefined) {
    const row = await db().verifierRun.findFirst({ where: { id: runId, datasetId: found.id }, select: runSelect });
    if (!row) throw new AppError("not_found", `verifier run ${runId} not found for dataset "${dataset}"`);
    return { datasetId: found.id, run: toRunDto(row) };
  }
  const row = await db().verifierRun.findFirst({ where: { datasetId: found.id, status: "done" }, orderBy: { id: "desc" }, select: runSelect });
  return { datasetId: found.id, run: row ? toRunDto(row) : null };
}

/** A step fails when any rule fails on it, passes when one passes, skips otherwise. */
function stepOutcome(verdicts: ReadonlyArray<{ outcome: string }>): StepVerdictsDto["outcome"] {
  if (verdicts.some((v) => v.outcome === "fail")) return "fail";
  return verdicts.some((v) => v.outcome === "pass") ? "pass" : "skip";
}

/** The verdicts of a trace in its latest run (Trace.runId, which the caller has read), grouped by step; null before any run. */
export async function getTraceVerification(traceId: number, runId: number | null): Promise<TraceVerificationDto | null> {
  if (runId === null) return null;
  const [score, verdicts, run] = await Promise.all([
    db().traceScore.findUnique({ where: { runId_traceId: { runId, traceId } } }),
    db().verdict.findMany({ where: { runId, traceId }, orderBy: { id: "asc" }, select: { stepId: true, rule: true, outcome: true, message: true, evidence: true } }),
    db().verifierRun.findUnique({ where: { id: runId }, select: { config: { select: { version: true } } } }),
  ]);
  if (!score || !run) return null;
  const grouped = new Map<number, VerdictDto[]>();
  for (const v of verdicts) {
    const list = grouped.get(v.stepId) ?? [];
    list.push({ rule: v.rule, outcome: v.outcome as VerdictDto["outcome"], message: v.message, evidence: v.evidence });
    grouped.set(v.stepId, list);
  }
  const steps: Record<number, StepVerdictsDto> = {};
  let failingSteps = 0;
  for (const [stepId, list] of grouped) {
    const outcome = stepOutcome(list);
    if (outcome === "fail") failingSteps++;
    steps[stepId] = { outcome, verdicts: list };
  }
  return { run: runId, config: run.config.version, quality: score.quality, valid: score.valid, failingSteps, parts: score.parts, steps };
}

export interface StepVerdictLine {
  trace: string;
  step: number;
  kind: string;
  outcome: "pass" | "fail" | "skip";
  rules: Array<{ id: string; outcome: string; message: string | null }>;
}

/**
 * Every step of a dataset with its verdicts in a run (latest by default), in trace and step
 * order, 500 traces at a time: memory stays flat however large the dataset, and an HTTP
 * response can stream the batches as they are read.
 */
export async function openStepVerdicts(query: { dataset: string; run?: number }): Promise<{ run: RunDto; batches: AsyncGenerator<StepVerdictLine[]> }> {
  const { datasetId, run } = await resolveRun(query.dataset, query.run);
  if (!run) throw new AppError("not_found", `dataset "${query.dataset}" has no verifier run yet; run \`stepwise verify --dataset ${query.dataset}\``);
  return { run, batches: verdictBatches(datasetId, run.id) };
}

async function* verdictBatches(datasetId: number, runId: number): AsyncGenerator<StepVerdictLine[]> {
  const q = await sql();
  let after = 0;
  for (;;) {
    // keyset pages of 500 traces (docs/design.md §14): the same statements on both dialects
    const page = await q.all<{ id: number; externalId: string }>(`SELECT "id", "externalId" FROM "Trace" WHERE "datasetId" = ? AND "id" > ? ORDER BY "id" LIMIT 500`, [datasetId, after]);
    if (page.length === 0) return;
    const first = page[0].id;
    after = page[page.length - 1].id;
    const byStep = new Map<number, StepVerdictLine["rules"]>();
    for (const v of await q.all<{ stepId: number; rule: string; outcome: string; message: string | null }>(`SELECT "stepId", "rule", "outcome", "message" FROM "Verdict" WHERE "runId" = ? AND "traceId" >= ? AND "traceId" <= ? ORDER BY "id"`, [runId, first, after])) {
      const list = byStep.get(v.stepId) ?? [];
      list.push({ id: v.rule, outcome: v.outcome, message: v.message });
      byStep.set(v.stepId, list);
    }
    const names = new Map(page.map((t) => [t.id, t.externalId]));
    const batch: StepVerdictLine[] = [];
    for (const s of await q.all<{ id: number; traceId: number; index: number; kind: string }>(`SELECT "id", "traceId", "index", "kind" FROM "Step" WHERE "traceId" >= ? AND "traceId" <= ? ORDER BY "traceId", "index"`, [first, after])) {
      const externalId = names.get(s.traceId);
      if (externalId === undefined) continue;
      const rules = byStep.get(s.id) ?? [];
      batch.push({ trace: externalId, step: s.index, kind: s.kind, outcome: stepOutcome(rules), rules });
    }
    yield batch;
  }
}

/** Convenience over openStepVerdicts: every line to `write`. */
export async function streamStepVerdicts(query: { dataset: string; run?: number }, write: (line: StepVerdictLine) => void): Promise<{ run: number; steps: number }> {
  const { run, batches } = await openStepVerdicts(query);
  let count = 0;
  for await (const batch of batches) {
    for (const line of batch) write(line);
    count += batch.length;
  }
  return { run: run.id, steps: count };
}
