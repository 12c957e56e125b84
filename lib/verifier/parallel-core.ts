import fs from "node:fs";
import type { Scene } from "@/lib/tools/scene";
import type { VerifierSettings } from "@/lib/verifier/config";
import type { RuleId } from "@/lib/verifier/rules";
import type { ScoreParts } from "@/lib/verifier/score";
import { verifyTrace, type Outcome, type TraceVerification, type VerifyInput, type VerifyStep } from "@/lib/verifier/verify";

// What a verifier run hands to verification and gets back, in a shape that crosses a thread
// boundary (docs/design.md §14): trace and step rows as the database returns them, and per trace
// a compact result — the verdicts as parallel arrays of primitives, evidence already JSON text —
// from which the writer inserts rows without touching the verifier again. The in-process path
// and the worker_threads path (lib/verifier/parallel.ts) both go through `verifyRow`, so they
// write the same rows byte for byte.

/** A step row as read for verification (the run's store selects these columns). */
export interface WireStep {
  kind: string;
  text: string | null;
  tool: string | null;
  callId: string | null;
  /** JSON text. */
  args: string | null;
  /** JSON text. */
  result: string | null;
  /** Id of the step's latest change (StepRevision with revision > 0), null when never changed. */
  changedAt: number | null;
}

/** A trace row with its steps. */
export interface WireTrace {
  id: number;
  answer: string | null;
  sceneId: number | null;
  questionId: number | null;
  /** The question's program as JSON text. */
  program: string | null;
  format: string | null;
  steps: WireStep[];
}

/** One trace's verification, ready to be written. */
export interface VerifiedTrace {
  /** Per verdict (same index in each array): step index, rule, outcome, message, evidence JSON. */
  step: number[];
  rule: RuleId[];
  outcome: Outcome[];
  message: string[];
  evidence: Array<string | null>;
  quality: number;
  valid: boolean;
  parts: ScoreParts;
  failingSteps: number;
  uncheckedSteps: number;
  /** Per step: null when checked, else why not (TraceVerification.coverage). */
  coverage: Array<string | null>;
}

function parseJson(text: string | null): unknown {
  return text === null ? null : JSON.parse(text);
}

function toStep(row: WireStep): VerifyStep {
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
 * The verifier's input for a trace row. `programs` memoises the parsed program per question (many
 * traces share one); the caller keeps it for the run.
 */
export function inputOfRow(trace: WireTrace, scenes: ReadonlyMap<number, Scene>, programs: Map<number, unknown>): VerifyInput {
  let program = trace.questionId === null ? null : programs.get(trace.questionId);
  if (program === undefined) {
    program = parseJson(trace.program);
    programs.set(trace.questionId!, program);
  }
  return {
    steps: markStale(trace.steps.map(toStep), trace.steps.map((s) => s.changedAt)),
    answer: trace.answer,
    program,
    scene: trace.sceneId === null ? null : (scenes.get(trace.sceneId) ?? null),
    format: trace.format,
  };
}

/** A TraceVerification as plain data (evidence serialised here, once). */
export function compactVerification(result: TraceVerification): VerifiedTrace {
  const out: VerifiedTrace = {
    step: [],
    rule: [],
    outcome: [],
    message: [],
    evidence: [],
    quality: result.quality,
    valid: result.valid,
    parts: result.parts,
    failingSteps: result.failingSteps,
    uncheckedSteps: result.uncheckedSteps,
    coverage: result.coverage,
  };
  result.eachVerdict((step, rule, outcome, message, evidence) => {
    out.step.push(step);
    out.rule.push(rule);
    out.outcome.push(outcome);
    out.message.push(message);
    out.evidence.push(evidence ? JSON.stringify(evidence) : null);
  });
  return out;
}

/**
 * A batch of trace rows or results as it crosses a thread boundary (lib/verifier/parallel.ts):
 * numbers in typed arrays (moved, not copied) and the strings in one flat array — no object per
 * row or verdict. A structured clone writes every object's property names and walks every object,
 * on the sending and the receiving thread; the caller's thread also reads and writes the run, and
 * those clones were most of its share (`npm run bench -- verify-scale`, CPU per thread).
 */
export interface PackedBatch {
  ints: Int32Array;
  floats: Float64Array;
  strings: Array<string | null>;
  /** Per trace (results only): ScoreParts, small objects. */
  parts?: ScoreParts[];
}

/** Buffers a packed batch can hand over instead of copying (postMessage's transfer list). */
export function transferOf(batch: PackedBatch): ArrayBuffer[] {
  return [batch.ints.buffer as ArrayBuffer, batch.floats.buffer as ArrayBuffer];
}

const STEP_FIELDS = 6;

/** Trace rows for a thread: per trace [id, sceneId, questionId, steps] and per step changedAt as ints (-1: null), strings in field order. */
export function packTraces(traces: WireTrace[]): PackedBatch {
  let steps = 0;
  for (const t of traces) steps += t.steps.length;
  const ints = new Int32Array(traces.length * 4 + steps);
  const strings: Array<string | null> = [];
  let i = 0;
  for (const t of traces) {
    ints[i++] = t.id;
    ints[i++] = t.sceneId ?? -1;
    ints[i++] = t.questionId ?? -1;
    ints[i++] = t.steps.length;
    strings.push(t.answer, t.program, t.format);
    for (const s of t.steps) {
      ints[i++] = s.changedAt ?? -1;
      strings.push(s.kind, s.text, s.tool, s.callId, s.args, s.result);
    }
  }
  return { ints, floats: new Float64Array(0), strings };
}

export function unpackTraces(batch: PackedBatch): WireTrace[] {
  const { ints, strings } = batch;
  const out: WireTrace[] = [];
  let i = 0;
  let k = 0;
  while (i < ints.length) {
    const id = ints[i++];
    const sceneId = ints[i++];
    const questionId = ints[i++];
    const n = ints[i++];
    const trace: WireTrace = { id, answer: strings[k], sceneId: sceneId < 0 ? null : sceneId, questionId: questionId < 0 ? null : questionId, program: strings[k + 1], format: strings[k + 2], steps: [] };
    k += 3;
    for (let j = 0; j < n; j++) {
      const changedAt = ints[i++];
      trace.steps.push({ kind: strings[k]!, text: strings[k + 1], tool: strings[k + 2], callId: strings[k + 3], args: strings[k + 4], result: strings[k + 5], changedAt: changedAt < 0 ? null : changedAt });
      k += STEP_FIELDS;
    }
    out.push(trace);
  }
  return out;
}

/** A trace row with its steps, as read for verification (TraceRow and StepRow carry more columns: only these cross). */
export function wireOf(trace: Omit<WireTrace, "steps">, steps: WireStep[]): WireTrace {
  return { id: trace.id, answer: trace.answer, sceneId: trace.sceneId, questionId: trace.questionId, program: trace.program, format: trace.format, steps };
}

/** What the writer needs of the rows a thread read itself: per trace its id and its steps' ids and kinds. */
export interface PackedSteps {
  /** Per trace [id, steps, step ids…]. */
  ints: Int32Array;
  /** Every step's kind, in order. */
  kinds: string[];
}

export interface ReadTrace {
  id: number;
  steps: Array<{ id: number; kind: string }>;
}

export function packSteps(traces: ReadonlyArray<{ id: number }>, steps: ReadonlyArray<ReadonlyArray<{ id: number; kind: string }>>): PackedSteps {
  let n = 0;
  for (const s of steps) n += s.length;
  const ints = new Int32Array(traces.length * 2 + n);
  const kinds: string[] = [];
  let i = 0;
  traces.forEach((t, k) => {
    ints[i++] = t.id;
    ints[i++] = steps[k].length;
    for (const s of steps[k]) {
      ints[i++] = s.id;
      kinds.push(s.kind);
    }
  });
  return { ints, kinds };
}

export function unpackSteps(packed: PackedSteps): ReadTrace[] {
  const out: ReadTrace[] = [];
  let k = 0;
  for (let i = 0; i < packed.ints.length; ) {
    const trace: ReadTrace = { id: packed.ints[i++], steps: [] };
    const n = packed.ints[i++];
    for (let j = 0; j < n; j++) trace.steps.push({ id: packed.ints[i++], kind: packed.kinds[k++] });
    out.push(trace);
  }
  return out;
}

/**
 * Results for the caller: per trace [verdicts, coverage length, failingSteps, uncheckedSteps,
 * valid], per verdict [step, rule, outcome, message, evidence] and per step the coverage reason —
 * strings as indices into a table of the batch's distinct strings (-1: null; messages repeat) —
 * and quality as a float.
 */
export function packResults(results: VerifiedTrace[]): PackedBatch {
  let verdicts = 0;
  let steps = 0;
  for (const r of results) {
    verdicts += r.step.length;
    steps += r.coverage.length;
  }
  const ints = new Int32Array(results.length * 5 + verdicts * 5 + steps);
  const floats = new Float64Array(results.length);
  const strings: string[] = [];
  const index = new Map<string, number>();
  const ref = (text: string | null): number => {
    if (text === null) return -1;
    let at = index.get(text);
    if (at === undefined) {
      at = strings.push(text) - 1;
      index.set(text, at);
    }
    return at;
  };
  let i = 0;
  results.forEach((r, t) => {
    floats[t] = r.quality;
    ints[i++] = r.step.length;
    ints[i++] = r.coverage.length;
    ints[i++] = r.failingSteps;
    ints[i++] = r.uncheckedSteps;
    ints[i++] = r.valid ? 1 : 0;
    for (let v = 0; v < r.step.length; v++) {
      ints[i++] = r.step[v];
      ints[i++] = ref(r.rule[v]);
      ints[i++] = ref(r.outcome[v]);
      ints[i++] = ref(r.message[v]);
      ints[i++] = ref(r.evidence[v]);
    }
    for (const c of r.coverage) ints[i++] = ref(c);
  });
  return { ints, floats, strings, parts: results.map((r) => r.parts) };
}

export function unpackResults(batch: PackedBatch): VerifiedTrace[] {
  const { ints, floats, strings, parts = [] } = batch;
  const out: VerifiedTrace[] = [];
  let i = 0;
  for (let t = 0; i < ints.length; t++) {
    const verdicts = ints[i++];
    const coverage = ints[i++];
    const r: VerifiedTrace = { step: [], rule: [], outcome: [], message: [], evidence: [], quality: floats[t], valid: false, parts: parts[t], failingSteps: ints[i++], uncheckedSteps: ints[i++], coverage: [] };
    r.valid = ints[i++] === 1;
    for (let v = 0; v < verdicts; v++) {
      r.step.push(ints[i++]);
      r.rule.push(strings[ints[i++]] as RuleId);
      r.outcome.push(strings[ints[i++]] as Outcome);
      r.message.push(strings[ints[i++]]!);
      const evidence = ints[i++];
      r.evidence.push(evidence < 0 ? null : strings[evidence]);
    }
    for (let c = 0; c < coverage; c++) {
      const reason = ints[i++];
      r.coverage.push(reason < 0 ? null : strings[reason]);
    }
    out.push(r);
  }
  return out;
}

/** Verifies one trace row: the unit of work of both the in-process and the threaded path. */
export function verifyRow(trace: WireTrace, scenes: ReadonlyMap<number, Scene>, programs: Map<number, unknown>, settings: VerifierSettings): VerifiedTrace {
  return compactVerification(verifyTrace(inputOfRow(trace, scenes, programs), settings));
}

/**
 * CPU time (user + system, ms) the calling thread has used so far — of this thread alone, unlike
 * process.cpuUsage(): the verification pool's per-thread figures (lib/verifier/parallel.ts), which
 * stay meaningful when the machine is loaded and wall-clock times are not. Linux only
 * (/proc/thread-self/stat, 10 ms ticks); null elsewhere.
 */
export function threadCpuMs(): number | null {
  return procCpuMs("/proc/thread-self/stat");
}

/** CPU time (ms) of the thread or process whose /proc stat file this is (`/proc/PID/stat`: a whole process); null when unreadable. */
export function procCpuMs(statFile: string): number | null {
  return procTimes(statFile)?.ownMs ?? null;
}

/**
 * A /proc stat file's parent pid, own CPU time and its reaped children's (ms); null when unreadable.
 */
export function procTimes(statFile: string): { ppid: number; ownMs: number; childrenMs: number } | null {
  try {
    const stat = fs.readFileSync(statFile, "utf8");
    // fields after the command (which may hold spaces, in parentheses): ppid is the 2nd; utime,
    // stime, cutime and cstime the 12th to 15th
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const ms = (i: number) => (Number(fields[i]) * 1000) / CLOCK_TICKS;
    return { ppid: Number(fields[1]), ownMs: ms(11) + ms(12), childrenMs: ms(13) + ms(14) };
  } catch {
    return null;
  }
}

/** USER_HZ: the unit of /proc's CPU times (100 on every Linux this runs on). */
const CLOCK_TICKS = 100;
