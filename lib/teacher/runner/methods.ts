import type { CanonicalStep, CanonicalTrace } from "@/lib/schemas/trace";
import type { EndpointClient } from "@/lib/teacher/endpoint/client";
import { costOf, priceOf } from "@/lib/teacher/endpoint/usage";
import type { ImagePart, SamplingParams, ToolSpec } from "@/lib/teacher/endpoint/types";
import { toVerifyStep } from "@/lib/teacher/scripted/methods";
import { hashSeed } from "@/lib/teacher/scripted/rng";
import { openConversation, runLoop, type LoopOptions, type LoopState } from "@/lib/teacher/runner/loop";
import type { Scene } from "@/lib/tools/scene";
import { DEFAULT_SETTINGS, withRules, type VerifierSettings } from "@/lib/verifier/config";
import { sameAnswer } from "@/lib/verifier/normalize";
import { verifyTrace, type TraceVerification } from "@/lib/verifier/verify";

// The papers' verifier-guided generation methods over a real endpoint (SpatialTraceGen;
// docs/design.md §11):
//   direct        one trace, no verification;
//   final-answer  whole traces resampled (up to k) until final.correct passes;
//   step-level    after each turn, the verifier's step and cross-step rules run on the steps it
//                 added; at the first failing one the conversation is cut back to before the turn
//                 and the turn resampled, up to k times per turn, within `budget` resamples overall;
//   best-of-n     n = k whole traces, the best by the full verifier kept.
// Rejected attempts are kept as alternatives of the step they would have taken (trace.meta.
// alternatives), which the DPO export turns into step-level preference pairs. Sampling variety
// comes from `seed`: each attempt sends the next seed (base from the item's idempotency key), so a
// re-run is reproducible on servers that honour it.

export const GENERATION_METHODS = ["direct", "final-answer", "step-level", "best-of-n"] as const;
export type GenerationMethod = (typeof GENERATION_METHODS)[number];

export interface GenerationQuestion {
  id: string;
  image: string | null;
  question: string;
  answer: string | null;
  program?: unknown[] | null;
}

export interface MethodOptions {
  client: EndpointClient;
  scene: Scene;
  tools: ToolSpec[];
  imagePart: ImagePart | null;
  method: GenerationMethod;
  k: number;
  /** step-level: resamples over the whole trace. */
  budget?: number;
  maxTurns: number;
  tokenBudget?: number | null;
  params?: SamplingParams;
  system?: string | null;
  /** Idempotency key: the base of the seeds, and the trace id. */
  key: string;
  settings?: VerifierSettings;
  signal?: AbortSignal;
}

export interface Alternative {
  /** The index in the kept trace of the step this attempt would have been. */
  step: number;
  attempt: number;
  /** Why it was rejected: failing rule ids, or "final.correct", or "lower quality". */
  rejected: string[];
  steps: CanonicalStep[];
}

export interface GeneratedTrace {
  trace: CanonicalTrace;
  state: LoopState;
  attempts: number;
  resampled: number;
  alternatives: Alternative[];
  tokens: { prompt: number; completion: number };
  costUsd: number | null;
  requests: number;
  /** Time spent in the endpoint client's calls (LoopState.requestMs over every attempt), ms. */
  requestMs: number;
}

function verify(steps: CanonicalStep[], scene: Scene, question: GenerationQuestion, settings: VerifierSettings): TraceVerification {
  return verifyTrace({ steps: steps.map(toVerifyStep), scene, answer: question.answer, program: question.program ?? undefined }, settings);
}

/** Rule ids failing at steps >= from (step-level check). */
function failingFrom(steps: CanonicalStep[], from: number, scene: Scene, question: GenerationQuestion, settings: VerifierSettings): { step: number; rules: string[] } | null {
  const result = verify(steps, scene, question, settings);
  for (let i = from; i < result.outcomes.length; i++) {
    if (result.outcomes[i] === "fail") {
      const rules = [...new Set(result.verdicts.filter((v) => v.step === i && v.outcome === "fail").map((v) => v.rule))];
      return { step: i, rules };
    }
  }
  return null;
}

export async function generateForQuestion(question: GenerationQuestion, options: MethodOptions): Promise<GeneratedTrace> {
  const settings = options.settings ?? DEFAULT_SETTINGS;
  const base = hashSeed(options.key) % 1_000_000_007;
  let seedCounter = 0;
  const seeds = { next: () => (options.params?.seed !== undefined ? options.params.seed + seedCounter++ : base + seedCounter++ * 7919) };
  const loopOptions: LoopOptions = { client: options.client, scene: options.scene, tools: options.tools, maxTurns: options.maxTurns, tokenBudget: options.tokenBudget, params: options.params, signal: options.signal };
  const open = () => openConversation({ system: options.system, question: question.question, image: question.image, imagePart: options.imagePart });
  const alternatives: Alternative[] = [];
  const spent = { prompt: 0, completion: 0, requests: 0, requestMs: 0 };
  const account = (state: LoopState) => {
    spent.requestMs += state.requestMs;
    spent.prompt += state.tokens.prompt;
    spent.completion += state.tokens.completion;
    spent.requests += state.turns.length;
  };
  /** One whole trace; a trace's seed sequence continues across attempts. */
  const whole = async (): Promise<LoopState> => {
    const state = await runLoop(open(), loopOptions, seeds);
    account(state);
    return state;
  };

  let kept: LoopState;
  let attempts = 1;
  let resampled = 0;
  const k = Math.max(1, options.k);
  if (options.method === "final-answer") {
    kept = await whole();
    while (attempts < k && !sameAnswer(kept.answer, question.answer)) {
      const answerAt = kept.steps.length - 1;
      alternatives.push({ step: Math.max(0, answerAt), attempt: attempts, rejected: ["final.correct"], steps: kept.steps });
      kept = await whole();
      attempts++;
    }
    // the alternatives' step index points at the kept trace's answer step
    for (const alt of alternatives) alt.step = Math.max(0, kept.steps.length - 1);
  } else if (options.method === "best-of-n") {
    const candidates: Array<{ state: LoopState; result: TraceVerification }> = [];
    for (let i = 0; i < k; i++) {
      const state = await whole();
      candidates.push({ state, result: verify(state.steps, options.scene, question, settings) });
    }
    attempts = k;
    const score = (c: (typeof candidates)[number]) => (c.result.valid ? 2 : 0) + (c.result.finalCorrect ? 1 : 0) + c.result.quality;
    const best = candidates.reduce((a, b) => (score(b) > score(a) ? b : a));
    kept = best.state;
    candidates.forEach((c, i) => {
      if (c === best) return;
      const diverge = firstDifference(c.state.steps, kept.steps);
      alternatives.push({ step: diverge, attempt: i, rejected: c.result.valid ? ["lower quality"] : failingRuleIds(c.result), steps: c.state.steps.slice(diverge) });
    });
  } else if (options.method === "step-level") {
    const stepSettings = withRules(settings, ["final.correct"]);
    const budget = options.budget ?? k * 4;
    const triesAt = new Map<number, number>();
    const state = await runLoop(open(), loopOptions, seeds, (current, first) => {
      if (current.steps.length === first) return true;
      const failing = failingFrom(current.steps, first, options.scene, question, stepSettings);
      if (!failing) return true;
      const tries = triesAt.get(first) ?? 0;
      if (tries + 1 >= k || resampled >= budget) return true; // keep the last attempt
      triesAt.set(first, tries + 1);
      resampled++;
      alternatives.push({ step: first, attempt: tries, rejected: failing.rules, steps: current.steps.slice(first) });
      return false;
    });
    account(state);
    kept = state;
    attempts = 1 + resampled;
  } else {
    kept = await whole();
  }

  const price = priceOf(options.client.config.prices, options.client.model);
  const tokens = { prompt: spent.prompt, completion: spent.completion };
  const costUsd = costOf(tokens, price);
  const steps: CanonicalStep[] = kept.steps.length ? kept.steps : [{ kind: "answer", text: "" }];
  const altCounts: Record<string, number> = {};
  for (const alt of alternatives) altCounts[alt.step] = (altCounts[alt.step] ?? 0) + 1;
  const trace: CanonicalTrace = {
    schema: "stepwise.trace/v1",
    id: options.key,
    ...(question.image ? { image: question.image } : {}),
    scene: options.scene.name,
    question: question.question,
    answer: question.answer,
    teacher: { model: options.client.model, params: { ...options.client.config.params, ...options.params } as Record<string, unknown> },
    method: options.method,
    ...(question.program?.length ? { program: question.program as Array<Record<string, unknown>> } : {}),
    meta: {
      teacher: "endpoint",
      questionId: question.id,
      stopReason: kept.stop,
      tokens,
      costUsd,
      requests: spent.requests,
      attempts,
      resampled,
      k,
      fallbacks: kept.fallbacks,
      turns: kept.turns,
      steps: kept.stepMeta,
      ...(alternatives.length ? { alternatives, alternativesPerStep: altCounts } : {}),
    },
    steps,
  };
  return { trace, state: kept, attempts, resampled, alternatives, tokens, costUsd, requests: spent.requests, requestMs: spent.requestMs };
}

function failingRuleIds(result: TraceVerification): string[] {
  return [...new Set(result.verdicts.filter((v) => v.outcome === "fail").map((v) => v.rule))];
}

function firstDifference(a: CanonicalStep[], b: CanonicalStep[]): number {
  let i = 0;
  while (i < a.length && i < b.length && JSON.stringify(a[i]) === JSON.stringify(b[i])) i++;
  return Math.min(i, Math.max(0, b.length - 1));
}
