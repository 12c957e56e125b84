import { db, dialect } from "@/lib/db";
import { readProgram, writeProgram, type Program } from "@/lib/db/sql";
import { env, sqliteFile } from "@/lib/env";
import { AppError } from "@/lib/errors";
import type { RunSummary } from "@/lib/schemas/verifier";
import { mergeCoverage, tallyCoverage, type CoverageTally } from "@/lib/services/verify/coverage";
import { getVerifierConfig, runSettings } from "@/lib/services/verify/verifier-configs";
import { CalibrationStore } from "@/lib/services/calibration/calibration-sql";
import { ensureRunProfiles } from "@/lib/services/calibration/run-profiles";
import { failingRulesText } from "@/lib/services/review/disagreements";
import { refreshRunMetrics } from "@/lib/services/verify/metrics";
import { loadToolScenes } from "@/lib/services/traces/scenes";
import { ChunkStore, readSlice, type ChunkRow } from "@/lib/services/verify/chunk-store";
import { abandonedVerifierRuns, dropRunInBatches, pendingRows, VerifyStore, type PendingRows, type StepRow, type TraceRow, type TraceUpdate } from "@/lib/services/verify/verify-store";
import { crashPoint } from "@/lib/jobs/crash-point";
import { enqueueJobs, queueEnabled, queueReady } from "@/lib/jobs/queue";
import { claimable, dropLease, extended, leaseMs, newLease, type Lease } from "@/lib/jobs/lease";
import { markActive, markInactive } from "@/lib/jobs/owner";
import { paperMetrics, type ScoredTrace } from "@/lib/verifier/metrics";
import { isEnabled, type VerifierSettings } from "@/lib/verifier/config";
import { compactVerification, inputOfRow, markStale, wireOf, type VerifiedTrace, type WireTrace } from "@/lib/verifier/parallel-core";
import { coreCount, VerifierPool } from "@/lib/verifier/parallel";
import type { RowSource } from "@/lib/verifier/parallel-worker";
import { verifyTrace, type TraceVerification, type VerifyInput } from "@/lib/verifier/verify";
import type { Scene } from "@/lib/tools/scene";
import type { EndpointConfigInput } from "@/lib/schemas/endpoint";
import { JudgeSession, judgeEndpoint } from "@/lib/services/verify/judge";

export { markStale } from "@/lib/verifier/parallel-core";

// A verifier run: one config applied to every trace of a dataset (docs/design.md §5, §14). The
// run is split into chunks of the dataset's traces (VerifyChunk: ~1,000 traces each, by id). A
// chunk is taken under a lease (lib/jobs/lease.ts); its traces are read and verified — on this
// thread or spread over the cores by a worker_threads pool (lib/verifier/parallel.ts), the same
// pure function either way — and its verdicts and scores are written in one short transaction
// together with the chunk's `done`, with the event loop free in between (a big run must not
// freeze the server: reviewers keep working and the run's progress can be polled; progress is
// the sum over done chunks). A chunk written again replaces what the run held of its traces, so
// nothing is ever written twice. What readers see stays whole: the run is `running` until its
// last transaction, which also writes the denormalised Trace columns (quality, valid, runId,
// failingSteps — so lists filter without joins) and marks it `done` — every consumer reads done
// runs only. A run that fails is removed with everything it wrote; a run whose process was killed
// keeps its done chunks and resumes with the others (the next `verify` of the same dataset and
// config, or `verify --resume RUN`). A queued run (`verify --queue`) has no owner process: any
// number of `stepwise worker` processes share its chunks (lib/services/verify/worker.ts).

export interface RunVerifierOptions {
  dataset: string;
  /** Config version; default: the default config (DefaultVerifierConfig), never simply the newest. */
  config?: number;
  onProgress?: (done: number, total: number) => void;
  /** Build the run's calibration cache right away, so the calibration page answers at once. */
  prepareCalibration?: boolean;
  /** Traces per chunk, i.e. per write transaction (tests use small ones); default chunkSizeFor. */
  batchSize?: number;
  /**
   * reasoning.judge's endpoint, when the config enables the rule; default: the STEPWISE_JUDGE_*
   * environment variables (judge.ts), else the rule skips ("no judge endpoint").
   */
  judge?: EndpointConfigInput | null;
  /** Verification threads; default threadsFor. */
  threads?: number;
  /**
   * Wait for the threads before the first chunk, so the run is on them from its first trace —
   * default when `threads` is given (asked for N threads, it reports N: tests, e2e); otherwise they
   * start in the background and the run verifies on its own thread until they are ready.
   */
  awaitThreads?: boolean;
}

/** Traces per chunk on big datasets: ~0.1 s of writes, the longest another request waits while a run goes on. */
export const CHUNK = 1_000;
/** Traces read and verified at a time inside a chunk (the event loop is free between them). */
const SLICE = 200;
/**
 * From this many traces a run verifies on threads by default: every core but one — the run's own
 * thread reads, writes and hands batches over, and is its critical path (verification is ~10% of
 * a whole SQLite run of the scripted corpus; `npm run bench -- verify-scale`, whole run). Threads
 * start in the background (~0.5 s of CPU each, then cold code), so they never hold a run up.
 */
export const AUTO_THREADS_FROM = 2_000;

/** Default chunk size: CHUNK, smaller on small datasets so a run still has a few chunks (≥ 100 traces each). */
export function chunkSizeFor(total: number): number {
  return Math.min(CHUNK, Math.max(100, Math.ceil(total / 8)));
}

/** Threads a run uses: the option, else STEPWISE_VERIFY_THREADS, else every core but one from AUTO_THREADS_FROM traces, else one. */
export function threadsFor(total: number, option?: number, env: Record<string, string | undefined> = process.env): number {
  if (option !== undefined) {
    if (!Number.isInteger(option) || option < 1) throw new AppError("invalid_input", `threads must be a whole number ≥ 1 (got ${option})`);
    return option;
  }
  const raw = env.STEPWISE_VERIFY_THREADS?.trim();
  if (raw) {
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 1) throw new AppError("invalid_input", `STEPWISE_VERIFY_THREADS must be a whole number ≥ 1 (got "${raw}")`);
    return n;
  }
  return total >= AUTO_THREADS_FROM ? Math.max(1, coreCount() - 1) : 1;
}

/** What the run's last transaction needs of a trace besides its score (kept in its chunk's row until then). */
interface TraceOutcome {
  failingSteps: number;
  failingRules: string | null;
  steps: number;
  verdicts: number;
  uncheckedSteps: number;
  /** Per step kind: [checked, unchecked]; per unchecked reason: how many steps. */
  coverage: CoverageTally;
}

type StoredOutcome = [traceId: number, failingSteps: number, failingRules: string | null, steps: number, verdicts: number, uncheckedSteps: number, kinds: Array<[string, number, number]>, reasons?: Array<[string, number]>];

function storeOutcome(traceId: number, o: TraceOutcome): StoredOutcome {
  const kinds = Object.entries(o.coverage.kinds).map(([kind, c]): [string, number, number] => [kind, c.checked, c.unchecked]);
  const reasons = Object.entries(o.coverage.reasons);
  return reasons.length ? [traceId, o.failingSteps, o.failingRules, o.steps, o.verdicts, o.uncheckedSteps, kinds, reasons] : [traceId, o.failingSteps, o.failingRules, o.steps, o.verdicts, o.uncheckedSteps, kinds];
}

function loadOutcome(s: StoredOutcome): [number, TraceOutcome] {
  const coverage: CoverageTally = { kinds: {}, reasons: {} };
  for (const [kind, checked, unchecked] of s[6]) coverage.kinds[kind] = { checked, unchecked };
  for (const [reason, n] of s[7] ?? []) coverage.reasons[reason] = n;
  return [s[0], { failingSteps: s[1], failingRules: s[2], steps: s[3], verdicts: s[4], uncheckedSteps: s[5], coverage }];
}

/** Collects a trace's verdict and score rows in a run (written by the caller's flush); returns what its Trace columns and the run's summary need. */
function persistVerified(pending: PendingRows, runId: number, traceId: number, steps: ReadonlyArray<{ id: number; kind: string }>, result: VerifiedTrace): TraceOutcome {
  const failing: string[] = [];
  for (let k = 0; k < result.step.length; k++) {
    const outcome = result.outcome[k];
    if (outcome === "fail") failing.push(result.rule[k]);
    pending.verdicts.push([runId, steps[result.step[k]].id, traceId, result.rule[k], outcome, outcome === "fail" ? "error" : null, result.message[k], result.evidence[k]]);
  }
  pending.scores.push([runId, traceId, result.quality, result.valid, JSON.stringify(result.parts)]);
  return {
    failingSteps: result.failingSteps,
    failingRules: failingRulesText(failing),
    steps: steps.length,
    verdicts: result.step.length,
    uncheckedSteps: result.uncheckedSteps,
    coverage: tallyCoverage(steps, result.coverage),
  };
}

/**
 * verifyTrace with reasoning.judge's answers: a first pass says which steps no rule checked; when
 * the judge has answers for some (in the cache: the run asked before verifying), a second pass
 * with them gives the verdicts. Without a judge session: one pass.
 */
function judged(input: VerifyInput, question: string | null, settings: VerifierSettings, judge: JudgeSession | null): TraceVerification {
  const first = verifyTrace(input, settings);
  if (!judge) return first;
  const judgments = judge.judgments(judge.requests(question, input.scene ?? null, input.steps, first), input.steps.length);
  return judgments ? verifyTrace({ ...input, judgments }, settings) : first;
}

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/** One run as a process works on it: its config, scenes, the verifier (threads or this thread). */
interface RunContext {
  runId: number;
  datasetId: number;
  datasetName: string;
  configVersion: number;
  settings: VerifierSettings;
  revisedAfter: number;
  store: VerifyStore;
  chunks: ChunkStore;
  scenes: Map<number, Scene>;
  programs: Map<number, unknown>;
  judge: JudgeSession | null;
  /** The verification threads once they have started (null until then, or without threads). */
  pool: VerifierPool | null;
  /** Stops the threads (a pool still starting is stopped once it has). */
  closePool: () => Promise<void>;
  /** The run's seconds so far, as the runs list shows them. */
  seconds: () => number;
}

/** Verifies a slice of traces: spread over the pool's threads, else here (asking the judge first when it is on). */
async function verifySlice(ctx: RunContext, traces: TraceRow[], wires: WireTrace[]): Promise<VerifiedTrace[]> {
  if (ctx.pool) return ctx.pool.verifySpread(wires);
  const judge = ctx.judge;
  if (judge) {
    // the judge's HTTP calls happen here, before verifying; inside `judged` the answers come from its cache
    const asked = [];
    for (let i = 0; i < wires.length; i++) {
      const input = inputOfRow(wires[i], ctx.scenes, ctx.programs);
      asked.push(...judge.requests(traces[i].question, input.scene ?? null, input.steps, verifyTrace(input, ctx.settings)));
    }
    await judge.fetch(asked);
  }
  return wires.map((w, i) => compactVerification(judged(inputOfRow(w, ctx.scenes, ctx.programs), traces[i].question, ctx.settings, judge)));
}

/** What the writer needs of a chunk's rows: trace ids, per trace its steps' ids and kinds, and the results. */
interface ChunkRows {
  traces: ReadonlyArray<{ id: number }>;
  steps: ReadonlyArray<ReadonlyArray<{ id: number; kind: string }>>;
  results: VerifiedTrace[];
}

/** A chunk taken under a lease, its traces being read and verified. */
interface StartedChunk {
  chunk: ChunkRow;
  lease: Lease;
  started: number;
  rows: Promise<ChunkRows>;
  renew: ReturnType<typeof setInterval>;
}
/** Between chunks: a run someone cancelled stops here (and is removed with what it wrote); a run removed meanwhile is gone. */
function* checkRunning(store: VerifyStore, runId: number): Program<void> {
  const status = yield* store.runStatus(runId);
  if (status === "cancelling") throw new AppError("cancelled", `verifier run ${runId} was cancelled; nothing of it was kept`);
  if (status !== "running") throw new AppError("conflict", `verifier run ${runId} is ${status ?? "gone"}, no longer running`);
}

/** Takes the run's next claimable chunk (pending, or its lease lapsed); null when none is. */
async function claimChunk(ctx: RunContext, only?: number): Promise<{ chunk: ChunkRow; lease: Lease } | null> {
  const ms = leaseMs();
  return writeProgram(function* () {
    yield* checkRunning(ctx.store, ctx.runId);
    for (const chunk of yield* ctx.chunks.openChunks(ctx.runId)) {
      if (only !== undefined && chunk.id !== only) continue;
      if (!claimable(chunk)) continue;
      const lease = newLease(ms);
      if (yield* ctx.chunks.claim(chunk, lease)) return { chunk: { ...chunk, attempts: chunk.attempts + 1, status: "running", leaseToken: lease.token }, lease };
      dropLease(lease);
    }
    return null;
  });
}

/** Claims a chunk and starts verifying it; the results come while the caller writes the previous one. */
async function startChunk(ctx: RunContext, only?: number): Promise<StartedChunk | null> {
  const claimed = await claimChunk(ctx, only);
  if (!claimed) return null;
  const { chunk } = claimed;
  let lease = claimed.lease;
  const ms = leaseMs();
  const renew = setInterval(() => {
    lease = extended(lease, ms);
    writeProgram(() => ctx.chunks.renew(chunk.id, lease)).catch(() => {});
  }, Math.max(200, Math.floor(ms / 3)));
  renew.unref?.();
  const started = performance.now();
  const pieces: Array<Promise<ChunkRows>> = [];
  try {
    let after = chunk.firstTraceId - 1;
    for (;;) {
      let piece: Promise<ChunkRows>;
      if (ctx.pool?.reads) {
        // the threads read their own rows (docs/design.md §14): here only the ids, to split the page
        const ids = await readProgram(ctx.chunks.traceIds(ctx.datasetId, after, chunk.lastTraceId, SLICE));
        if (ids.length === 0) break;
        after = ids[ids.length - 1];
        piece = ctx.pool.readSpread(ctx.datasetId, ids).then((read) => ({ traces: read.traces, steps: read.traces.map((t) => t.steps), results: read.results }));
      } else {
        const slice = await readProgram(readSlice(ctx.datasetId, after, chunk.lastTraceId, SLICE));
        if (slice.traces.length === 0) break;
        after = slice.traces[slice.traces.length - 1].id;
        const wires = slice.traces.map((trace, i) => wireOf(trace, slice.steps[i]));
        piece = verifySlice(ctx, slice.traces, wires).then((results) => ({ traces: slice.traces, steps: slice.steps, results }));
      }
      piece.catch(() => {}); // awaited below with the others
      pieces.push(piece);
      await yieldToEventLoop();
    }
  } catch (error) {
    clearInterval(renew);
    await releaseChunk(ctx, chunk, lease);
    throw error;
  }
  const rows = Promise.all(pieces).then((parts) => ({ traces: parts.flatMap((p) => p.traces), steps: parts.flatMap((p) => p.steps), results: parts.flatMap((p) => p.results) }));
  rows.catch(() => {}); // awaited by commitChunk
  return { chunk, get lease() { return lease; }, started, rows, renew };
}

async function releaseChunk(ctx: RunContext, chunk: ChunkRow, lease: Lease): Promise<void> {
  await writeProgram(() => ctx.chunks.release(chunk.id, lease)).catch(() => {});
  dropLease(lease);
}

/**
 * Writes a verified chunk: its verdicts and scores, replacing anything the run held of its traces,
 * and its `done` with the per-trace outcomes, in one transaction — only while the lease is still
 * this process's (false: another process took the chunk over; it writes it).
 */
async function commitChunk(ctx: RunContext, work: StartedChunk): Promise<boolean> {
  let read: ChunkRows;
  try {
    read = await work.rows;
  } catch (error) {
    clearInterval(work.renew);
    await releaseChunk(ctx, work.chunk, work.lease);
    throw error;
  }
  await yieldToEventLoop();
  // a kill here leaves the chunk verified but unwritten, under a lease another process takes over
  crashPoint("verify:chunk");
  try {
    // the rows are built before the transaction: inside it, only statements
    const pending = pendingRows();
    const outcomes: StoredOutcome[] = [];
    let steps = 0;
    let verdicts = 0;
    read.traces.forEach((trace, i) => {
      const outcome = persistVerified(pending, ctx.runId, trace.id, read.steps[i], read.results[i]);
      outcomes.push(storeOutcome(trace.id, outcome));
      steps += outcome.steps;
      verdicts += outcome.verdicts;
    });
    const outcomesText = JSON.stringify(outcomes);
    const lease = work.lease;
    return await writeProgram(function* () {
      yield* checkRunning(ctx.store, ctx.runId);
      // the fence: the chunk is written only while its row carries this process's token (on
      // PostgreSQL the complete below takes the row's lock first, so a takeover waits or loses)
      const seconds = (performance.now() - work.started) / 1000;
      if (!(yield* ctx.chunks.complete(work.chunk.id, lease, { traces: read.traces.length, steps, verdicts, seconds }, outcomesText))) return false;
      yield* ctx.chunks.clear(ctx.runId, work.chunk);
      yield* ctx.store.flush(pending);
      const totals = yield* ctx.chunks.totals(ctx.runId);
      yield* ctx.store.runProgress(ctx.runId, totals.traces, totals.steps, ctx.seconds());
      return true;
    });
  } finally {
    clearInterval(work.renew);
    dropLease(work.lease);
  }
}

/**
 * Works on the run's chunks until none is left to take: with threads, the next chunk is read and
 * verifying while this one is written. Returns the chunks this process wrote.
 */
async function driveChunks(ctx: RunContext, onChunk?: () => unknown, stop?: () => boolean): Promise<number> {
  let written = 0;
  let current = await startChunk(ctx);
  try {
    while (current) {
      const next = ctx.pool && !stop?.() ? await startChunk(ctx) : null;
      try {
        if (await commitChunk(ctx, current)) written++;
      } catch (error) {
        if (next) {
          clearInterval(next.renew);
          await releaseChunk(ctx, next.chunk, next.lease);
        }
        throw error;
      }
      current = null;
      crashPoint("verify:batch");
      await onChunk?.();
      current = next ?? (stop?.() ? null : await startChunk(ctx));
    }
  } finally {
    if (current) {
      clearInterval(current.renew);
      await releaseChunk(ctx, current.chunk, current.lease);
    }
  }
  return written;
}

/** Traces re-verified per transaction while a run finishes (revised during the run). */
const FINISH_BATCH = 500;

/** Verifies revised traces as they now read (asking the judge first, outside any transaction). */
async function verifyRevised(ctx: RunContext, traces: TraceRow[]): Promise<Array<{ trace: TraceRow; steps: StepRow[]; result: VerifiedTrace }>> {
  const out: Array<{ trace: TraceRow; steps: StepRow[]; result: VerifiedTrace }> = [];
  for (const trace of traces) {
    const steps = await readProgram(ctx.store.steps(trace.id, trace.id));
    const input = inputOfRow(wireOf(trace, steps), ctx.scenes, ctx.programs);
    if (ctx.judge) await ctx.judge.fetch(ctx.judge.requests(trace.question, input.scene ?? null, input.steps, verifyTrace(input, ctx.settings)));
    out.push({ trace, steps, result: compactVerification(judged(input, trace.question, ctx.settings, ctx.judge)) });
  }
  return out;
}

/**
 * Finishes a run once every chunk is done (docs/design.md §14, §15): in bounded transactions with
 * the event loop free between them, and the run invisible until the last one — (1) traces a
 * reviewer edited during the run are verified again, a batch per transaction (their verdicts
 * replace the chunk's: still rows of a running run, which nothing reads); (2) the per-trace
 * outcomes and scores are read chunk by chunk and the metrics computed outside any transaction;
 * (3) the last transaction takes the run's row, verifies the few traces edited since (1), writes
 * the denormalised Trace columns (one UPDATE per trace on SQLite, multi-row UPDATEs on PostgreSQL),
 * the disagreements and `done`. Null when a chunk is not done yet or another process finished the
 * run first.
 */
async function finishRun(ctx: RunContext): Promise<Omit<RunSummary, "threads" | "chunks"> | null> {
  await yieldToEventLoop();
  const totals = await readProgram(ctx.chunks.totals(ctx.runId));
  if (totals.done < totals.chunks) return null;
  await readProgram(checkRunning(ctx.store, ctx.runId));
  // (1) revised traces, batch by batch; `mark`: the revisions seen so far (later ones: step 3)
  const mark = await readProgram(ctx.store.lastRevision());
  const revised = new Map<number, TraceOutcome>();
  const early = await readProgram(ctx.store.revisedTraces(ctx.datasetId, ctx.revisedAfter));
  for (let start = 0; start < early.length; start += FINISH_BATCH) {
    const verified = await verifyRevised(ctx, early.slice(start, start + FINISH_BATCH));
    const pending = pendingRows();
    const outcomes = verified.map((v) => [v.trace.id, persistVerified(pending, ctx.runId, v.trace.id, v.steps, v.result)] as const);
    const wrote = await writeProgram(function* () {
      if (!(yield* ctx.store.lockRunning(ctx.runId))) return false;
      for (const v of verified) yield* ctx.store.clearTrace(ctx.runId, v.trace.id);
      yield* ctx.store.flush(pending);
      return true;
    });
    if (!wrote) {
      await readProgram(checkRunning(ctx.store, ctx.runId));
      return null;
    }
    for (const [id, outcome] of outcomes) revised.set(id, outcome);
    await yieldToEventLoop();
  }
  // (2) outcomes and scores, chunk by chunk, outside any transaction
  const updates: TraceUpdate[] = [];
  const scored = new Map<number, ScoredTrace>();
  const outcomes = new Map<number, TraceOutcome>();
  for (const chunk of await readProgram(ctx.chunks.doneChunks(ctx.runId))) {
    for (const stored of JSON.parse((await readProgram(ctx.chunks.outcomesOf(chunk.id))) ?? "[]") as StoredOutcome[]) {
      const [id, outcome] = loadOutcome(stored);
      outcomes.set(id, revised.get(id) ?? outcome);
    }
    for (const row of await readProgram(ctx.chunks.scores(ctx.runId, chunk.firstTraceId, chunk.lastTraceId))) {
      const outcome = outcomes.get(row.traceId);
      if (!outcome) continue;
      const valid = row.valid === 1;
      updates.push([row.traceId, row.quality, valid, outcome.failingSteps, outcome.failingRules, outcome.uncheckedSteps]);
      scored.set(row.traceId, { method: row.method, quality: row.quality, valid, parts: JSON.parse(row.parts) });
    }
    await yieldToEventLoop();
  }
  // (3) the last transaction
  const late = await readProgram(ctx.store.revisedTraces(ctx.datasetId, mark));
  const lateVerified = await verifyRevised(ctx, late);
  const latePending = pendingRows();
  for (const v of lateVerified) {
    const outcome = persistVerified(latePending, ctx.runId, v.trace.id, v.steps, v.result);
    outcomes.set(v.trace.id, outcome);
    updates.push([v.trace.id, v.result.quality, v.result.valid, outcome.failingSteps, outcome.failingRules, outcome.uncheckedSteps]);
    scored.set(v.trace.id, { method: v.trace.method, quality: v.result.quality, valid: v.result.valid, parts: v.result.parts as ScoredTrace["parts"] });
  }
  let steps = 0;
  let verdicts = 0;
  for (const id of scored.keys()) {
    const outcome = outcomes.get(id)!;
    steps += outcome.steps;
    verdicts += outcome.verdicts;
  }
  const metrics = paperMetrics([...scored.values()]);
  const coverage = mergeCoverage([...outcomes.values()].map((o) => o.coverage));
  const seconds = ctx.seconds();
  await yieldToEventLoop();
  const finished = await writeProgram(function* () {
    if (!(yield* ctx.store.lockRunning(ctx.runId))) return false;
    for (const v of lateVerified) yield* ctx.store.clearTrace(ctx.runId, v.trace.id);
    yield* ctx.store.flush(latePending);
    yield* ctx.store.updateTraces(ctx.runId, updates);
    yield* ctx.store.refreshDisagreements({ datasetId: ctx.datasetId });
    yield* ctx.store.finishRun(ctx.runId, scored.size, steps, seconds, metrics);
    yield* ctx.chunks.forgetOutcomes(ctx.runId);
    // a kill here, inside the last transaction, must leave no Trace column touched and the run resumable
    crashPoint("verify:commit");
    return true;
  });
  if (!finished) {
    await readProgram(checkRunning(ctx.store, ctx.runId));
    return null;
  }
  return {
    run: ctx.runId,
    config: ctx.configVersion,
    dataset: ctx.datasetName,
    traces: scored.size,
    steps,
    verdicts,
    seconds,
    stepsPerSecond: seconds > 0 ? steps / seconds : 0,
    metrics,
    coverage: coverage.kinds,
    unchecked: coverage.reasons,
    ...(ctx.judge ? { judge: { model: ctx.judge.model, ...ctx.judge.stats } } : {}),
  };
}

/** The run's config, scenes, judge session and verification threads, for this process. */
async function openContext(runId: number, options: { judge?: EndpointConfigInput | null; threads: number; seconds: () => number; awaitThreads?: boolean }): Promise<RunContext> {
  const store = new VerifyStore();
  const run = await readProgram(store.run(runId));
  if (!run) throw new AppError("not_found", `verifier run ${runId} not found`);
  const settings = await runSettings(runId);
  const scenes = await readProgram(store.scenes(run.datasetId));
  const endpoint = isEnabled(settings, "reasoning.judge") ? judgeEndpoint(options.judge) : null;
  const judge = endpoint ? await JudgeSession.open(endpoint) : null;
  const ctx: RunContext = {
    runId,
    datasetId: run.datasetId,
    datasetName: run.datasetName,
    configVersion: run.configVersion,
    settings,
    revisedAfter: run.revisedAfter ?? 0,
    store,
    chunks: new ChunkStore(),
    scenes,
    programs: new Map(),
    judge,
    pool: null,
    closePool: async () => {},
    seconds: options.seconds,
  };
  if (options.threads > 1) {
    if (judge) console.warn(`stepwise: verifier run ${runId} verifies on one thread: reasoning.judge asks its endpoint from the run's own thread`);
    else {
      // the threads start in the background (each loads tsx and the verifier: ~1 s, more on a
      // loaded machine); until they are ready the run verifies here, so threads never make it wait
      let closed = false;
      // the threads read their own rows on their own read-only connections; the run's thread writes
      const source: RowSource = dialect() === "postgres" ? { postgres: env().DATABASE_URL } : { sqlite: sqliteFile()! };
      const opening = VerifierPool.open({ threads: options.threads, settings, scenes, source }).then((opened) => {
        if (!(opened instanceof VerifierPool)) console.warn(`stepwise: verifier run ${runId} verifies on one thread: ${opened.reason}`);
        else if (closed) void opened.close();
        else ctx.pool = opened;
      });
      if (options.awaitThreads) await opening;
      ctx.closePool = async () => {
        closed = true;
        const pool = ctx.pool;
        ctx.pool = null;
        await pool?.close();
      };
    }
  }
  return ctx;
}

/**
 * Cancels a running verifier run (from the browser, the API, or another process): it stops before
 * its next chunk and is removed with everything it wrote; no Trace column was touched. A run whose
 * process died, or a queued run no worker holds, goes at once.
 */
export async function cancelRun(runId: number): Promise<{ id: number; status: "cancelling" | "cancelled" }> {
  const store = new VerifyStore();
  const chunks = new ChunkStore();
  // a run whose process died can never see the request: it goes now (lib/recovery would later)
  const abandoned = (await abandonedVerifierRuns()).find((r) => r.id === runId);
  const run = await readProgram(store.run(runId));
  const idleQueued =
    run?.status === "running" && run.ownerPid === null && (await readProgram(chunks.hasChunks(runId))) && (await readProgram(chunks.openChunks(runId))).every((c) => claimable(c));
  if (abandoned || idleQueued) {
    await dropRunInBatches(runId);
    return { id: runId, status: "cancelled" };
  }
  if (await writeProgram(() => store.requestCancel(runId))) return { id: runId, status: "cancelling" };
  const status = await readProgram(store.runStatus(runId));
  if (status === undefined) throw new AppError("not_found", `verifier run ${runId} not found`);
  if (status === "cancelling") return { id: runId, status: "cancelling" };
  throw new AppError("conflict", `verifier run ${runId} is ${status}, not running: only a running run can be cancelled`);
}

/** Runs this process owns: drives the chunks, finishes, removes the run on any failure (a kill leaves it resumable). */
async function driveOwned(runId: number, total: number, options: RunVerifierOptions & { resumed: number; priorSeconds: number }): Promise<RunSummary> {
  const activeKey = `verifier-run:${runId}`;
  markActive(activeKey);
  const started = performance.now();
  let ctx: RunContext | null = null;
  let summary: RunSummary;
  let keep = false;
  try {
    ctx = await openContext(runId, { judge: options.judge, threads: threadsFor(total, options.threads), awaitThreads: options.awaitThreads ?? options.threads !== undefined, seconds: () => options.priorSeconds + (performance.now() - started) / 1000 });
    const context = ctx;
    await driveChunks(context, async () => options.onProgress?.((await readProgram(context.chunks.totals(runId))).traces, total));
    const finished = await finishRun(context);
    if (!finished) {
      // another process (a second --resume) holds chunks: the run is its to finish, not ours to remove
      keep = true;
      throw new AppError("conflict", `verifier run ${runId}: ${(await readProgram(context.chunks.openChunks(runId))).length} chunk(s) are held by another process; it finishes the run`);
    }
    summary = { ...finished, threads: context.pool?.size ?? 1, chunks: { total: (await readProgram(context.chunks.totals(runId))).chunks, resumed: options.resumed } };
  } catch (error) {
    // nothing half-written: the run goes with its verdicts and scores (no Trace column was touched)
    if (!keep) await dropRunInBatches(runId);
    throw error;
  } finally {
    markInactive(activeKey);
    await ctx?.closePool();
  }
  // the run is done from here on: a failure below leaves it standing (it is derived data)
  if (options.prepareCalibration) {
    await ensureRunProfiles(summary.run);
  }
  return summary;
}

/** Creates a run and its chunks (one transaction); `queued`: owned by no process, for `stepwise worker`. */
async function createRun(configId: number, datasetId: number, chunkSize: number, queued: boolean): Promise<{ runId: number; chunks: number }> {
  return writeProgram(function* () {
    const store = new VerifyStore();
    // step edits during the run are caught by their revisions: the last one before the run starts
    const runId = yield* store.insertRun(configId, datasetId, { revisedAfter: yield* store.lastRevision(), queued });
    // registered before the transaction ends: a recovery in this process never takes it for abandoned
    if (!queued) markActive(`verifier-run:${runId}`);
    return { runId, chunks: yield* new ChunkStore().createChunks(runId, datasetId, chunkSize) };
  });
}

async function datasetAndConfig(options: { dataset: string; config?: number }) {
  const dataset = await db().dataset.findUnique({ where: { name: options.dataset }, select: { id: true, name: true } });
  if (!dataset) throw new AppError("not_found", `dataset "${options.dataset}" not found`);
  const config = await getVerifierConfig(options.config);
  const total = await db().trace.count({ where: { datasetId: dataset.id } });
  return { dataset, config, total };
}

function checkChunkSize(size: number | undefined, total: number): number {
  if (size === undefined) return chunkSizeFor(total);
  if (!Number.isInteger(size) || size < 1) throw new AppError("invalid_input", `chunk size must be a whole number ≥ 1 (got ${size})`);
  return size;
}

export async function runVerifier(options: RunVerifierOptions): Promise<RunSummary> {
  const { dataset, config, total } = await datasetAndConfig(options);
  const chunkSize = checkChunkSize(options.batchSize, total);
  threadsFor(total, options.threads); // a bad thread count fails before anything is written
  const store = new VerifyStore();
  // runs a killed process left behind: one of this dataset and config that was split into chunks
  // resumes (its done chunks are kept); the others go (nothing reads them, but they hold rows)
  let resume: number | null = null;
  for (const run of await abandonedVerifierRuns()) {
    if (resume === null && run.status === "running" && run.chunked && run.datasetId === dataset.id && run.configId === config.id && (await writeProgram(() => store.adoptRun(run.id)))) resume = run.id;
    else await dropRunInBatches(run.id);
  }
  if (resume !== null) return resumeOwned(resume, total, options);
  const { runId } = await createRun(config.id, dataset.id, chunkSize, false);
  return driveOwned(runId, total, { ...options, resumed: 0, priorSeconds: 0 });
}

async function resumeOwned(runId: number, total: number, options: RunVerifierOptions): Promise<RunSummary> {
  const totals = await readProgram(new ChunkStore().totals(runId));
  return driveOwned(runId, total, { ...options, resumed: totals.done, priorSeconds: totals.seconds });
}

/**
 * Resumes a run whose process was killed: its done chunks stay, the others are verified here,
 * then the run finishes. A run still owned by a live process is a conflict; a done run is returned
 * as it is not (conflict too: nothing to resume).
 */
export async function resumeVerifierRun(runId: number, options: Omit<RunVerifierOptions, "dataset" | "config" | "batchSize"> = {}): Promise<RunSummary> {
  const store = new VerifyStore();
  const run = await readProgram(store.run(runId));
  if (!run) throw new AppError("not_found", `verifier run ${runId} not found`);
  if (run.status !== "running") throw new AppError("conflict", `verifier run ${runId} is ${run.status}: only a running run whose process stopped can be resumed`);
  if (!(await readProgram(new ChunkStore().hasChunks(runId)))) throw new AppError("conflict", `verifier run ${runId} was not split into chunks (made by an older version); it cannot be resumed — start a new run`);
  const abandoned = (await abandonedVerifierRuns()).some((r) => r.id === runId);
  const queued = run.ownerPid === null;
  if (!abandoned && !queued) throw new AppError("conflict", `verifier run ${runId} is still running in process ${run.ownerPid} on ${run.ownerHost}`);
  if (!(await writeProgram(() => store.adoptRun(runId)))) throw new AppError("conflict", `verifier run ${runId} stopped running meanwhile`);
  const total = await db().trace.count({ where: { datasetId: run.datasetId } });
  return resumeOwned(runId, total, { ...options, dataset: run.datasetName });
}

/**
 * Creates a run split into chunks and leaves it to `stepwise worker` processes (on this machine or
 * others sharing the database): returns at once with the run id. Progress shows in the runs list.
 */
export async function queueVerifierRun(options: Pick<RunVerifierOptions, "dataset" | "config" | "batchSize">): Promise<{ run: number; dataset: string; config: number; traces: number; chunks: number }> {
  const { dataset, config, total } = await datasetAndConfig(options);
  const chunkSize = options.batchSize === undefined ? CHUNK : checkChunkSize(options.batchSize, total);
  // the queue must be usable before the run exists: a queue that cannot start leaves nothing behind
  if (queueEnabled()) await queueReady();
  const { runId, chunks } = await createRun(config.id, dataset.id, chunkSize, true);
  // PostgreSQL: one queue job per chunk (lib/jobs/queue.ts); SQLite: workers find the run by polling
  if (queueEnabled()) {
    try {
      await enqueueOpenChunks(runId);
    } catch (error) {
      await dropRunInBatches(runId);
      throw error;
    }
  }
  return { run: runId, dataset: dataset.name, config: config.version, traces: total, chunks };
}

/** The queue's job kind for a verifier run's chunk (data: { runId, chunkId }). */
export const CHUNK_JOB = "verify-chunk";

/**
 * Puts a queued run's unfinished chunks on the job queue (PostgreSQL). A chunk already queued is
 * not queued twice (its job key is the chunk id), so workers call this for every queued run when
 * they start and when idle: a run whose enqueue was interrupted still gets its jobs.
 */
export async function enqueueOpenChunks(runId: number): Promise<number> {
  const open = await readProgram(new ChunkStore().openChunks(runId));
  return enqueueJobs(CHUNK_JOB, open.map((c) => ({ id: String(c.id), data: { runId, chunkId: c.id } })));
}

/**
 * What `stepwise worker` calls per queued run: works on its chunks (threads only when one is free
 * to take), finishes the run when they are all done. `stop`: asked between chunks (Ctrl-C).
 */
export async function workOnRun(runId: number, options: { threads: number; onChunk?: (runId: number) => void; stop?: () => boolean }): Promise<{ chunks: number; finished: RunSummary | null }> {
  const store = new VerifyStore();
  const run = await readProgram(store.run(runId));
  if (!run || (run.status !== "running" && run.status !== "cancelling")) return { chunks: 0, finished: null };
  if (run.status === "cancelling") {
    await dropRunInBatches(runId);
    return { chunks: 0, finished: null };
  }
  const open = await readProgram(new ChunkStore().openChunks(runId));
  const free = open.some((c) => claimable(c));
  if (open.length > 0 && !free) return { chunks: 0, finished: null }; // every chunk left is leased to a live worker
  const ctx = await openContext(runId, { judge: null, threads: free ? options.threads : 1, seconds: runSeconds(run.startedAt) });
  try {
    let chunks = 0;
    try {
      chunks = await driveChunks(ctx, () => options.onChunk?.(runId), options.stop);
      const finished = await finishRun(ctx);
      return { chunks, finished: finished ? { ...finished, threads: ctx.pool?.size ?? 1 } : null };
    } catch (error) {
      if (error instanceof AppError && error.code === "cancelled") {
        await dropRunInBatches(runId);
        return { chunks, finished: null };
      }
      if (error instanceof AppError && error.code === "conflict") return { chunks, finished: null }; // removed or finished meanwhile
      throw error;
    }
  } finally {
    await ctx.closePool();
  }
}

/** Seconds since a run started (its startedAt as either database returns it). */
function runSeconds(startedAt: string): () => number {
  const started = new Date(/[zZ]$/.test(startedAt) || startedAt.includes("T") ? startedAt : `${startedAt.replace(" ", "T")}Z`).getTime();
  return () => (Date.now() - started) / 1000;
}

/** A queued run as one worker process holds it between chunk jobs (lib/jobs/queue.ts): scenes, config, threads. */
export interface RunSession {
  runId: number;
  close(): Promise<void>;
}

const sessions = new Map<number, Promise<RunContext>>();

async function sessionFor(runId: number, threads: number, startedAt: string): Promise<RunContext> {
  let ctx = sessions.get(runId);
  if (!ctx) {
    ctx = openContext(runId, { judge: null, threads, seconds: runSeconds(startedAt) });
    ctx.catch(() => sessions.delete(runId));
    sessions.set(runId, ctx);
  }
  return ctx;
}

/** Closes the run contexts this process keeps for chunk jobs (their thread pools). */
export async function closeRunSessions(): Promise<void> {
  const open = [...sessions.values()];
  sessions.clear();
  for (const ctx of open) await (await ctx.catch(() => null))?.closePool();
}

export type ChunkJobOutcome = "written" | "done-already" | "held" | "run-gone" | "lost";

/**
 * One chunk of a queued run, as a job of the PostgreSQL queue gives it (docs/design.md §14): takes
 * the chunk's lease (the fence: a killed worker's chunk is taken once its lease lapsed), verifies,
 * writes it under the lease, and finishes the run when it was the last. "held": a live worker holds
 * the chunk's lease (the job is tried again later: if that worker dies, this one takes over).
 */
export async function workOnChunk(runId: number, chunkId: number, options: { threads: number }): Promise<{ outcome: ChunkJobOutcome; finished: RunSummary | null }> {
  const store = new VerifyStore();
  const run = await readProgram(store.run(runId));
  if (!run || (run.status !== "running" && run.status !== "cancelling")) return { outcome: "run-gone", finished: null };
  if (run.status === "cancelling") {
    await dropRunInBatches(runId);
    return { outcome: "run-gone", finished: null };
  }
  try {
    const ctx = await sessionFor(runId, options.threads, run.startedAt);
    const started = await startChunk(ctx, chunkId);
    let outcome: ChunkJobOutcome;
    if (started) outcome = (await commitChunk(ctx, started)) ? "written" : "lost";
    else {
      const open = await readProgram(ctx.chunks.openChunks(runId));
      outcome = open.some((c) => c.id === chunkId) ? "held" : "done-already";
    }
    if (outcome === "held") return { outcome, finished: null };
    crashPoint("verify:batch");
    const finished = await finishRun(ctx);
    if (finished) {
      sessions.delete(runId);
      await ctx.closePool();
    }
    return { outcome, finished: finished ? { ...finished, threads: ctx.pool?.size ?? 1 } : null };
  } catch (error) {
    if (error instanceof AppError && error.code === "cancelled") {
      sessions.delete(runId);
      await dropRunInBatches(runId);
      return { outcome: "run-gone", finished: null };
    }
    if (error instanceof AppError && error.code === "conflict") return { outcome: "run-gone", finished: null };
    throw error;
  }
}

/** Finishes a queued run whose chunks are all done (a worker died between its last chunk and the finish). */
export async function finishQueuedRun(runId: number, options: { threads: number }): Promise<RunSummary | null> {
  const run = await readProgram(new VerifyStore().run(runId));
  if (!run || run.status !== "running") return null;
  const totals = await readProgram(new ChunkStore().totals(runId));
  if (totals.chunks === 0 || totals.done < totals.chunks) return null;
  const ctx = await sessionFor(runId, 1, run.startedAt);
  try {
    const finished = await finishRun(ctx);
    return finished ? { ...finished, threads: options.threads } : null;
  } catch (error) {
    if (error instanceof AppError && (error.code === "conflict" || error.code === "cancelled")) return null;
    throw error;
  } finally {
    sessions.delete(runId);
    await ctx.closePool();
  }
}

/**
 * Chunks of a queued run that a worker may take now: pending, or taken by a worker that is gone
 * (its lease lapsed, or its pid is dead on this host). An idle worker takes them without waiting
 * for their queue job (lib/services/verify/worker.ts): a worker killed between fetching a chunk's
 * job and taking its lease leaves the chunk pending and its job `active` until the job expires.
 */
export async function claimableChunks(runId: number): Promise<number[]> {
  return (await readProgram(new ChunkStore().openChunks(runId))).filter((c) => claimable(c)).map((c) => c.id);
}

/** Runs handed to workers that are not finished, oldest first. */
export async function queuedRuns(): Promise<number[]> {
  return readProgram(new ChunkStore().queuedRuns());
}

/** How far a run has got, from its chunks. */
export async function runChunkProgress(runId: number): Promise<{ chunks: number; done: number; traces: number; steps: number }> {
  const { chunks, done, traces, steps } = await readProgram(new ChunkStore().totals(runId));
  return { chunks, done, traces, steps };
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
      judge = await JudgeSession.open(endpoint);
      await judge.fetch(judge.requests(trace.question, scene, input.steps, verifyTrace(input, settings)));
    } catch (error) {
      // an edit is never refused because the judge is down: the rule skips and says so
      console.error("stepwise: reasoning.judge unavailable while re-verifying trace", traceId, error instanceof Error ? error.message : error);
      judge = null;
    }
  }
  const result = judged(input, trace.question, settings, judge);
  const runId = trace.runId;
  const pending = pendingRows();
  const { failingRules } = persistVerified(pending, runId, traceId, rows, compactVerification(result));
  const store = new VerifyStore();
  const calibration = new CalibrationStore(dialect());
  await writeProgram(function* () {
    yield* store.clearTrace(runId, traceId);
    yield* store.flush(pending);
    yield* store.updateTrace(traceId, result.quality, result.valid, runId, result.failingSteps, failingRules, result.uncheckedSteps);
    yield* store.refreshDisagreements({ traceId });
    yield* calibration.refreshTrace(runId, traceId);
  });
  refreshRunMetricsSoon(runId);
}
