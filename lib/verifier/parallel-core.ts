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
  try {
    const stat = fs.readFileSync("/proc/thread-self/stat", "utf8");
    // fields after the command (which may hold spaces, in parentheses): utime and stime are the 12th and 13th
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
  } catch {
    return null;
  }
}

/** USER_HZ: the unit of /proc's CPU times (100 on every Linux this runs on). */
const CLOCK_TICKS = 100;
