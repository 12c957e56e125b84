import type { CanonicalStep, CanonicalTrace } from "@/lib/schemas/trace";
import type { Scene } from "@/lib/tools/scene";
import { DEFAULT_SETTINGS, withRules, type VerifierSettings } from "@/lib/verifier/config";
import { sameAnswer } from "@/lib/verifier/normalize";
import { verifyTrace } from "@/lib/verifier/verify";
import type { FaultRates } from "@/lib/teacher/scripted/faults";
import { runProgram, type EngineResult, type InjectedFault, type ProgramQuestion } from "@/lib/teacher/scripted/engine";
import { createRng, hashSeed } from "@/lib/teacher/scripted/rng";

// The papers' generation methods (SpatialTraceGen), simulated with the scripted teacher over the
// same questions:
//   direct        one attempt, no verification;
//   final-answer  resample the whole trace until the final answer equals the ground truth (k tries);
//   step-level    after each step, run the verifier's step and cross-step rules on it and resample
//                 that step while it fails (k tries per step). The ground truth is not consulted.

export const GENERATION_METHODS = ["direct", "final-answer", "step-level"] as const;
export type GenerationMethod = (typeof GENERATION_METHODS)[number];

export const TEACHER_MODEL = "scripted/teacher-v1";

export interface GenerateOptions {
  seed: number;
  rates: FaultRates;
  method: GenerationMethod;
  /** Resampling budget (final-answer: whole traces; step-level: per step). */
  k?: number;
  /** Verifier settings used by step-level resampling (default: v1). */
  settings?: VerifierSettings;
  /** Tool-call style; default: chosen per trace by the seed. */
  style?: "filter" | "detect";
}

export interface ScriptedTrace {
  trace: CanonicalTrace;
  /** Per step: injected truth label, true = wrong (docs/design.md §5). */
  wrong: boolean[];
  faults: InjectedFault[];
  attempts: number;
  resampled: number;
}

function stepChecker(scene: Scene, question: ProgramQuestion, settings: VerifierSettings) {
  const stepSettings = withRules(settings, ["final.correct"]);
  return (steps: CanonicalStep[], from: number): boolean => {
    const { outcomes } = verifyTrace({ steps: steps.map(toVerifyStep), scene, answer: null, program: question.program }, stepSettings);
    for (let i = from; i < outcomes.length; i++) if (outcomes[i] === "fail") return false;
    return true;
  };
}

export function toVerifyStep(step: CanonicalStep): { kind: string; text?: string; tool?: string; callId?: string; args?: unknown; result?: unknown } {
  switch (step.kind) {
    case "tool_call":
      return { kind: step.kind, tool: step.tool, callId: step.id, args: step.args, text: step.text };
    case "tool_result":
      return { kind: step.kind, callId: step.call, result: step.output };
    default:
      return { kind: step.kind, text: step.text };
  }
}

export function generateTrace(question: ProgramQuestion, scene: Scene, options: GenerateOptions): ScriptedTrace {
  const k = options.k ?? 3;
  const baseSeed = hashSeed(`${question.id}|${options.method}|${options.seed}`);
  const style = options.style ?? (createRng(baseSeed)() < 0.5 ? "filter" : "detect");
  const run = (attempt: number, stepCheck?: (steps: CanonicalStep[], from: number) => boolean): EngineResult =>
    runProgram(question, scene, { rng: createRng(baseSeed + attempt * 7919), rates: options.rates, style, stepCheck, retries: k });

  let result: EngineResult;
  let attempts = 1;
  if (options.method === "final-answer") {
    result = run(0);
    while (attempts < k && !sameAnswer(result.answer, question.answer ?? null)) result = run(attempts++);
  } else if (options.method === "step-level") {
    result = run(0, stepChecker(scene, question, options.settings ?? DEFAULT_SETTINGS));
  } else {
    result = run(0);
  }

  const trace: CanonicalTrace = {
    schema: "stepwise.trace/v1",
    id: `${question.id}-${options.method}-s${options.seed}`,
    image: question.image,
    question: question.question,
    answer: question.answer ?? null,
    teacher: { model: TEACHER_MODEL, params: { seed: options.seed, style, k } },
    method: options.method,
    program: question.program as Array<Record<string, unknown>>,
    meta: {
      teacher: "scripted",
      faults: result.faults,
      wrongSteps: result.wrong.flatMap((w, i) => (w ? [i] : [])),
      attempts,
      resampled: result.resampled,
    },
    steps: result.steps,
  };
  return { trace, wrong: result.wrong, faults: result.faults, attempts, resampled: result.resampled };
}
