import { db, sqlite, writeTransaction } from "@/lib/db";
import { AppError } from "@/lib/errors";
import type { RunSummary } from "@/lib/schemas/verifier";
import { mergeCoverage, tallyCoverage, type CoverageTally } from "@/lib/services/verify/coverage";
import { getVerifierConfig, runSettings } from "@/lib/services/verify/verifier-configs";
import { CalibrationStore } from "@/lib/services/calibration/calibration-sql";
import { ensureRunProfiles } from "@/lib/services/calibration/run-profiles";
import { failingRulesText } from "@/lib/services/review/disagreements";
import { refreshRunMetrics } from "@/lib/services/verify/metrics";
import { loadToolScenes } from "@/lib/services/traces/scenes";
import { dropRunInBatches, VerifyStore, type StepRow, type TraceRow } from "@/lib/services/verify/verify-store";
import { crashPoint } from "@/lib/jobs/crash-point";
import { markActive, markInactive } from "@/lib/jobs/owner";
import { paperMetrics, type ScoredTrace } from "@/lib/verifier/metrics";
import { isEnabled, type VerifierSettings } from "@/lib/verifier/config";
import { verifyTrace, type TraceVerification, type VerifyInput, type VerifyStep } from "@/lib/verifier/verify";
import type { EndpointConfigInput } from "@/lib/schemas/endpoint";
import { JudgeSession, judgeEndpoint } from "@/lib/services/verify/judge";

// A verifier run: one config applied to every trace of a dataset. Reads steps, evaluates the
// rules in memory and writes verdicts and trace scores batch by batch, one short transaction per
// batch with the event loop free in between (a big run must not freeze the server: reviewers keep
// working and the run's progress can be polled). What readers see stays whole: the run is
// `running` until its last transaction, which also writes the denormalised Trace columns (quality,
// valid, runId, failingSteps — so lists filter without joins) and marks it `done` — every consumer
// reads done runs only. A run that fails is removed with everything it wrote.

export interface RunVerifierOptions {
  dataset: string;
  /** Config version; default: the default config (DefaultVerifierConfig), never simply the newest. */
  config?: number;
  onProgress?: (done: number, total: number) => void;
  /** Build the run's calibration cache right away, so the calibration page answers at once. */
  prepareCalibration?: boolean;
  /** Traces per transaction (tests use small batches). */
  batchSize?: number;
  /**
   * reasoning.judge's endpoint, when the config enables the rule; default: the STEPWISE_JUDGE_*
   * environment variables (judge.ts), else the rule skips ("no judge endpoint").
   */
  judge?: EndpointConfigInput | null;
}

/** Traces per transaction: ~0.1 s of work, the longest another request waits while a run goes on. */
const BATCH = 200;

function parseJson(text: string | null): unknown {
  return text === null ? null : JSON.parse(text);
}

/** What a run remembers of each trace until its last transaction writes the Trace columns. */
interface TraceOutcome extends ScoredTrace {
  failingSteps: number;
  failingRules: string | null;
  steps: number;
  verdicts: number;
  uncheckedSteps: number;
  /** Per step kind: [checked, unchecked]; per unchecked reason: how many steps. */
  coverage: CoverageTally;
}

/** Writes a trace's verdicts (straight from the verifier's log) and score in a run; returns the Trace columns' values. */
function persistVerdicts(store: VerifyStore, runId: number, traceId: number, steps: ReadonlyArray<{ id: number }>, result: TraceVerification): { failingRules: string | null } {
  const failing: string[] = [];
  result.eachVerdict((step, rule, outcome, message, evidence) => {
    if (outcome === "fail") failing.push(rule);
    store.insertVerdict(runId, steps[step].id, traceId, rule, outcome, outcome === "fail" ? "error" : null, message, evidence ? JSON.stringify(evidence) : null);
  });
  store.insertScore(runId, traceId, result.quality, result.valid, result.parts);
  return { failingRules: failingRulesText(failing) };
}

function toStep(row: StepRow): VerifyStep {
  return { kind: row.kind, text: row.text, tool: row.tool, callId: row.callId, args: parseJson(row.args), result: parseJson(row.result) };
}

/**
 * Marks reasoning steps written before an earlier tool result changed (a re-run after an edit)
 * and not revised since (VerifyStep.stale): later calls are checked against the current results,
 * not against what such a step still says (docs/design.md §6). Order of changes = StepRevision ids.
 */
export function markStale<T extends VerifyStep>(steps: T[], changedAt: Array<number | null>): T[] {
  let latestResultChange = 0;
  return steps.map((step, i) => {
    const at = changedAt[i] ?? 0;
    if (step.kind === "tool_result") latestResultChange = Math.max(latestResultChange, at);
    else if (step.kind === "reasoning" && latestResultChange > at) return { ...step, stale: true };
    return step;
  });
}

/**
 * verifyTrace with reasoning.judge's answers: a first pass says which steps no rule checked; when
 * the judge has answers for some (in the cache: askJudge put them there before the transaction),
 * a second pass with them gives the verdicts. Without a judge session: one pass.
 */
function judged(input: VerifyInput, question: string | null, settings: VerifierSettings, judge: JudgeSession | null): TraceVerification {
  const first = verifyTrace(input, settings);
  if (!judge) return first;
  const judgments = judge.judgments(judge.requests(question, input.scene ?? null, input.steps, first), input.steps.length);
  return judgments ? verifyTrace({ ...input, judgments }, settings) : first;
}

/** Before a batch's transaction: asks the judge about the unchecked steps of the next batch's traces. */
async function askJudge(
  judge: JudgeSession,
  store: VerifyStore,
  datasetId: number,
  after: number,
  batchSize: number,
  inputOf: (trace: TraceRow, steps: StepRow[]) => VerifyInput,
  settings: VerifierSettings,
): Promise<void> {
  const traces = store.traces(datasetId, after, batchSize);
  if (traces.length === 0) return;
  const rows = store.steps(traces[0].id, traces[traces.length - 1].id);
  let r = 0;
  const asked = [];
  for (const trace of traces) {
    const stepRows: StepRow[] = [];
    while (r < rows.length && rows[r].traceId === trace.id) stepRows.push(rows[r++]);
    const input = inputOf(trace, stepRows);
    asked.push(...judge.requests(trace.question, input.scene ?? null, input.steps, verifyTrace(input, settings)));
  }
  await judge.fetch(asked);
}

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Between batches: a run someone cancelled stops here (and is removed with what it wrote). */
function stopIfCancelled(store: VerifyStore, runId: number): void {
  if (store.runStatus(runId) === "cancelling") throw new AppError("cancelled", `verifier run ${runId} was cancelled; nothing of it was kept`);
}

/**
 * Cancels a running verifier run (from the browser, the API, or another process): it stops before
 * its next batch and is removed with everything it wrote; no Trace column was touched.
 */
export async function cancelRun(runId: number): Promise<{ id: number; status: "cancelling" | "cancelled" }> {
  const store = new VerifyStore(await sqlite());
  // a run whose process died can never see the request: it goes now (lib/recovery would later)
  const abandoned = store.abandonedRuns().find((r) => r.id === runId);
  if (abandoned) {
    await dropRunInBatches(store, runId);
    return { id: runId, status: "cancelled" };
  }
  if (store.requestCancel(runId)) return { id: runId, status: "cancelling" };
  const status = store.runStatus(runId);
  if (status === undefined) throw new AppError("not_found", `verifier run ${runId} not found`);
  if (status === "cancelling") return { id: runId, status: "cancelling" };
  throw new AppError("conflict", `verifier run ${runId} is ${status}, not running: only a running run can be cancelled`);
}

export async function runVerifier(options: RunVerifierOptions): Promise<RunSummary> {
  const dataset = await db().dataset.findUnique({ where: { name: options.dataset }, select: { id: true, name: true } });
  if (!dataset) throw new AppError("not_found", `dataset "${options.dataset}" not found`);
  // timed from here: the first query above pays for opening the connection, not for verifying
  const started = performance.now();
  const config = await getVerifierConfig(options.config);
  const total = await db().trace.count({ where: { datasetId: dataset.id } });
  const batchSize = options.batchSize ?? BATCH;
  // one store for the whole run: its statements are prepared once on the shared connection
  const store = new VerifyStore(await sqlite());
  // runs a killed process left behind go first (nothing reads them, but they hold rows)
  for (const run of store.abandonedRuns()) await dropRunInBatches(store, run.id);
  const { runId, revisedAfter, scenes } = await writeTransaction(() => {
    // step edits during the run are caught by their revisions: the last one before the run starts
    const id = store.insertRun(config.id, dataset.id);
    // registered before any await: a recovery in this process never takes it for abandoned
    markActive(`verifier-run:${id}`);
    return { runId: id, revisedAfter: store.lastRevision(), scenes: store.scenes(dataset.id) };
  });
  const programs = new Map<number, unknown>();
  const outcomes = new Map<number, TraceOutcome>();
  let judge: JudgeSession | null = null;
  const inputOf = (trace: TraceRow, stepRows: StepRow[]): VerifyInput => {
    let program = trace.questionId === null ? null : programs.get(trace.questionId);
    if (program === undefined) {
      program = parseJson(trace.program);
      programs.set(trace.questionId!, program);
    }
    return { steps: markStale(stepRows.map(toStep), stepRows.map((r) => r.changedAt)), answer: trace.answer, program, scene: trace.sceneId === null ? null : (scenes.get(trace.sceneId) ?? null), format: trace.format };
  };
  const verify = (trace: TraceRow, stepRows: StepRow[]): void => {
    const result = judged(inputOf(trace, stepRows), trace.question, config.settings, judge);
    const { failingRules } = persistVerdicts(store, runId, trace.id, stepRows, result);
    outcomes.set(trace.id, {
      method: trace.method, quality: result.quality, valid: result.valid, parts: result.parts,
      failingSteps: result.failingSteps, failingRules, steps: stepRows.length, verdicts: result.verdictCount, uncheckedSteps: result.uncheckedSteps,
      coverage: tallyCoverage(stepRows, result.coverage),
    });
  };
  let summary: RunSummary;
  const activeKey = `verifier-run:${runId}`;
  try {
    const endpoint = isEnabled(config.settings, "reasoning.judge") ? judgeEndpoint(options.judge) : null;
    if (endpoint) judge = await JudgeSession.open(endpoint, await sqlite());
    let after = 0;
    let stepsSoFar = 0;
    for (;;) {
      await yieldToEventLoop();
      // the judge's HTTP calls happen here, outside the batch's transaction; inside it the answers come from the cache
      if (judge) await askJudge(judge, store, dataset.id, after, batchSize, inputOf, config.settings);
      const more = await writeTransaction(() => {
        stopIfCancelled(store, runId);
        const traces = store.traces(dataset.id, after, batchSize);
        if (traces.length === 0) return false;
        after = traces[traces.length - 1].id;
        const rows = store.steps(traces[0].id, after);
        let r = 0;
        for (const trace of traces) {
          const stepRows: StepRow[] = [];
          while (r < rows.length && rows[r].traceId === trace.id) stepRows.push(rows[r++]);
          verify(trace, stepRows);
          stepsSoFar += stepRows.length;
        }
        store.runProgress(runId, outcomes.size, stepsSoFar, (performance.now() - started) / 1000);
        return true;
      });
      if (!more) break;
      crashPoint("verify:batch");
      options.onProgress?.(outcomes.size, total);
    }
    await yieldToEventLoop();
    summary = await writeTransaction(() => {
      stopIfCancelled(store, runId);
      // traces whose steps a reviewer edited (or re-ran, or undid) while the run went on: verified
      // again as they now read, so the run describes the dataset as it is when the run finishes
      for (const trace of store.revisedTraces(dataset.id, revisedAfter)) {
        store.clearTrace(runId, trace.id);
        verify(trace, store.steps(trace.id, trace.id));
      }
      let steps = 0;
      let verdicts = 0;
      for (const [traceId, outcome] of outcomes) {
        store.updateTrace(traceId, outcome.quality, outcome.valid, runId, outcome.failingSteps, outcome.failingRules, outcome.uncheckedSteps);
        steps += outcome.steps;
        verdicts += outcome.verdicts;
      }
      store.refreshDisagreements({ datasetId: dataset.id });
      const metrics = paperMetrics([...outcomes.values()]);
      const coverage = mergeCoverage([...outcomes.values()].map((o) => o.coverage));
      const seconds = (performance.now() - started) / 1000;
      store.finishRun(runId, outcomes.size, steps, seconds, metrics);
      // a kill here, inside the last transaction, must leave no Trace column touched and the run removable
      crashPoint("verify:commit");
      return {
        run: runId,
        config: config.version,
        dataset: dataset.name,
        traces: outcomes.size,
        steps,
        verdicts,
        seconds,
        stepsPerSecond: seconds > 0 ? steps / seconds : 0,
        metrics,
        coverage: coverage.kinds,
        unchecked: coverage.reasons,
        ...(judge ? { judge: { model: judge.model, ...judge.stats } } : {}),
      };
    });
  } catch (error) {
    // nothing half-written: the run goes with its verdicts and scores (no Trace column was touched)
    await dropRunInBatches(store, runId);
    throw error;
  } finally {
    markInactive(activeKey);
  }
  // the run is done from here on: a failure below leaves it standing (it is derived data)
  if (options.prepareCalibration) {
    await ensureRunProfiles(summary.run);
  }
  return summary;
}

const pendingMetrics = new Map<number, ReturnType<typeof setTimeout>>();

/**
 * The run's stored metrics follow its re-verified traces a moment later: edits in a burst share one
 * recomputation (it reads every score of the run), and the reviewer's request does not wait for it.
 */
function refreshRunMetricsSoon(runId: number, delayMs = 1500): void {
  clearTimeout(pendingMetrics.get(runId));
  const timer = setTimeout(() => {
    pendingMetrics.delete(runId);
    refreshRunMetrics(runId).catch((error: unknown) => console.error(`stepwise: run ${runId} metrics not refreshed:`, error));
  }, delayMs);
  timer.unref?.();
  pendingMetrics.set(runId, timer);
}

/**
 * Verifies one trace again after a reviewer edited or re-ran a step, with the config of the run it
 * belongs to, replacing that trace's verdicts and score in the run (the run then describes the
 * trace as it now reads; its stored aggregate metrics follow shortly, refreshRunMetricsSoon).
 * No run yet: no-op.
 */
export async function reverifyTrace(traceId: number): Promise<void> {
  const trace = await db().trace.findUnique({
    where: { id: traceId },
    select: { id: true, runId: true, answer: true, answerUnreliable: true, sceneId: true, format: true, question: true, questionRef: { select: { program: true } } },
  });
  if (!trace?.runId) return;
  const settings = await runSettings(trace.runId);
  const scene = trace.sceneId === null ? null : ((await loadToolScenes([trace.sceneId])).get(trace.sceneId) ?? null);
  const rows = await db().step.findMany({ where: { traceId }, orderBy: { index: "asc" }, select: { id: true, kind: true, text: true, tool: true, callId: true, args: true, result: true } });
  const changes = await db().stepRevision.groupBy({ by: ["stepId"], where: { stepId: { in: rows.map((r) => r.id) }, revision: { gt: 0 } }, _max: { id: true } });
  const changedAt = new Map(changes.map((c) => [c.stepId, c._max.id ?? null]));
  const steps = markStale(rows.map((r) => ({ kind: r.kind, text: r.text, tool: r.tool, callId: r.callId, args: r.args, result: r.result })), rows.map((r) => changedAt.get(r.id) ?? null));
  // an unreliable ground truth (Trace.answerUnreliable) is never used to check the answer
  const input: VerifyInput = { steps, answer: trace.answerUnreliable ? null : trace.answer, program: trace.questionRef?.program ?? null, scene, format: trace.format };
  // reasoning.judge: the run's endpoint is not remembered; the environment's (judge.ts) answers edits
  let judge: JudgeSession | null = null;
  const endpoint = isEnabled(settings, "reasoning.judge") ? judgeEndpoint(null) : null;
  if (endpoint) {
    try {
      judge = await JudgeSession.open(endpoint, await sqlite());
      await judge.fetch(judge.requests(trace.question, scene, input.steps, verifyTrace(input, settings)));
    } catch (error) {
      // an edit is never refused because the judge is down: the rule skips and says so
      console.error("stepwise: reasoning.judge unavailable while re-verifying trace", traceId, error instanceof Error ? error.message : error);
      judge = null;
    }
  }
  const result = judged(input, trace.question, settings, judge);
  const runId = trace.runId;
  await writeTransaction((handle) => {
    const store = new VerifyStore(handle);
    store.clearTrace(runId, traceId);
    const { failingRules } = persistVerdicts(store, runId, traceId, rows, result);
    store.updateTrace(traceId, result.quality, result.valid, runId, result.failingSteps, failingRules, result.uncheckedSteps);
    store.refreshDisagreements({ traceId });
    new CalibrationStore(handle).refreshTrace(runId, traceId);
  });
  refreshRunMetricsSoon(runId);
}
