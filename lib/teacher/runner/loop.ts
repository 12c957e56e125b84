import type { CanonicalStep } from "@/lib/schemas/trace";
import { checkFreeJson } from "@/lib/schemas/limits";
import type { EndpointClient } from "@/lib/teacher/endpoint/client";
import { EndpointError } from "@/lib/teacher/endpoint/errors";
import type { ChatMessage, ImagePart, SamplingParams, ToolSpec, WireToolCall } from "@/lib/teacher/endpoint/types";
import { parseTurn, splitAnswer, type ParseFallback, type ParsedCall } from "@/lib/teacher/runner/parse";
import { getTool } from "@/lib/tools/registry";
import type { Scene } from "@/lib/tools/scene";

// The tool loop (docs/design.md §11): the conversation goes to the endpoint, every tool call the
// model makes is executed here against the scene through the tool registry and answered with a
// `tool` message (text only), until the model answers without a tool call, `maxTurns` turns were
// made, or the token budget is spent. Each turn becomes canonical steps — its text as plan (first
// turn) or reasoning, its calls as tool_call (parsed args; the raw string kept in the step meta)
// and tool_result (what Stepwise computed), the final text's answer as answer — with per-step
// latency, tokens and response id.

export const STOP_REASONS = ["answer", "max_turns", "token_budget", "length", "empty", "content_filter", "bad_request"] as const;
export type StopReason = (typeof STOP_REASONS)[number];

export const DEFAULT_SYSTEM_PROMPT = [
  "You answer questions about a synthetic 3D scene of objects (CLEVR) step by step, using the tools.",
  "Objects are named obj_0, obj_1, … as the tools return them. Call tools to find objects and read their attributes and spatial relations;",
  "never guess a tool result. Explain briefly what each result means before the next call.",
  "When you know the answer, reply without a tool call and end with a line 'Answer: <answer>' (a single word or number).",
].join(" ");

/**
 * What a job counts per turn besides the parser's fallbacks: an answer without a marker, calls
 * without an id or reusing one (ids are made up: call_N), native calls with finish_reason "stop"
 * (vLLM's parsers do that), several calls in one turn, a response without choices.
 */
export type TurnFigure = ParseFallback | "answer_unmarked" | "missing_id" | "duplicate_id" | "calls_with_stop" | "parallel_calls" | "no_choices";

/** Per-step details the canonical step has no field for (kept in trace.meta.steps, aligned with steps). */
export interface StepMeta {
  turn: number;
  responseId?: string | null;
  latencyMs?: number;
  /** tool_call: the arguments string exactly as received. */
  argsRaw?: string;
  /** tool_call: how the call was read when it was not plain native JSON. */
  via?: ParseFallback[];
}

export interface TurnMeta {
  responseId: string | null;
  finishReason: string | null;
  latencyMs: number;
  attempts: number;
  prompt: number;
  completion: number;
  usageReported: boolean;
  seed?: number;
}

export interface LoopState {
  messages: ChatMessage[];
  steps: CanonicalStep[];
  stepMeta: StepMeta[];
  turns: TurnMeta[];
  fallbacks: Partial<Record<TurnFigure, number>>;
  tokens: { prompt: number; completion: number };
  /** Time spent inside the endpoint client's calls (waiting for the server, retries, backoff), ms. */
  requestMs: number;
  callCount: number;
  stop: StopReason | null;
  answer: string | null;
}

export interface LoopOptions {
  client: EndpointClient;
  scene: Scene;
  tools: ToolSpec[];
  maxTurns: number;
  /** Prompt + completion tokens over the whole trace; the loop stops once reached. */
  tokenBudget?: number | null;
  params?: SamplingParams;
  signal?: AbortSignal;
}

/** The conversation's opening: system prompt, then the question with the image. */
export function openConversation(input: { system?: string | null; question: string; image: string | null; imagePart: ImagePart | null }): LoopState {
  const text = input.image ? `Image: ${input.image}\nQuestion: ${input.question}` : `Question: ${input.question}`;
  const user: ChatMessage = input.imagePart ? { role: "user", content: [input.imagePart, { type: "text", text }] } : { role: "user", content: text };
  return {
    messages: [{ role: "system", content: input.system ?? DEFAULT_SYSTEM_PROMPT }, user],
    steps: [],
    stepMeta: [],
    turns: [],
    fallbacks: {},
    tokens: { prompt: 0, completion: 0 },
    requestMs: 0,
    callCount: 0,
    stop: null,
    answer: null,
  };
}

/** A deep-enough copy to cut back to (step-level resampling). */
export function snapshot(state: LoopState): LoopState {
  return { ...state, messages: [...state.messages], steps: [...state.steps], stepMeta: [...state.stepMeta], turns: [...state.turns], fallbacks: { ...state.fallbacks }, tokens: { ...state.tokens } };
}

/** Executes one call against the scene: the registry's result, or an {error} the verifier will judge. */
export function executeCall(scene: Scene, call: ParsedCall): unknown {
  if (call.args === null) return { error: "unparseable arguments" };
  // a model's arguments are untrusted free-form JSON: bounded like the API's and the importer's (docs/limits.md)
  const tooBig = checkFreeJson("arguments", call.args);
  if (tooBig) return { error: tooBig };
  if (!call.name) return { error: "tool call without a name" };
  const tool = getTool(call.name);
  if (!tool || tool.family !== "spatial") return { error: `unknown tool "${call.name}"` };
  if (!tool.execute) return { error: `tool "${call.name}" cannot be executed here` };
  const outcome = tool.execute(scene, call.args);
  return outcome.ok ? outcome.value : { error: outcome.error };
}

/**
 * One request/response turn, appended to `state`. Returns the index of the first step it added.
 * Endpoint errors other than a refused request propagate (the job retries the item later).
 */
export async function takeTurn(state: LoopState, options: LoopOptions, seed?: number): Promise<number> {
  const first = state.steps.length;
  const turnIndex = state.turns.length;
  const params: SamplingParams = { ...options.params };
  if (seed !== undefined) params.seed = seed;
  let result;
  try {
    result = await options.client.chat({ messages: state.messages, tools: options.tools, params }, { signal: options.signal });
  } catch (error) {
    if (error instanceof EndpointError && error.kind === "bad_request") {
      // e.g. the conversation outgrew the context: the trace so far is kept
      state.stop = "bad_request";
      return first;
    }
    throw error;
  }
  state.requestMs += result.elapsedMs;
  state.tokens.prompt += result.usage.prompt;
  state.tokens.completion += result.usage.completion;
  state.turns.push({ responseId: result.id, finishReason: result.finishReason, latencyMs: result.latencyMs, attempts: result.attempts, prompt: result.usage.prompt, completion: result.usage.completion, usageReported: result.usageReported, ...(seed !== undefined ? { seed } : {}) });
  const turn = parseTurn(result.message);
  const figure = (name: TurnFigure) => (state.fallbacks[name] = (state.fallbacks[name] ?? 0) + 1);
  for (const f of turn.fallbacks) figure(f);
  if (result.noChoices) figure("no_choices");
  if (turn.calls.length > 1) figure("parallel_calls");
  if (turn.calls.length && result.finishReason === "stop" && Array.isArray(result.message.tool_calls) && result.message.tool_calls.length) figure("calls_with_stop");
  const meta = (extra: Partial<StepMeta> = {}): StepMeta => ({ turn: turnIndex, responseId: result.id, latencyMs: result.latencyMs, ...extra });
  const push = (step: CanonicalStep, extra?: Partial<StepMeta>) => {
    state.steps.push(step);
    state.stepMeta.push(meta(extra));
  };

  if (!turn.text && !turn.calls.length) {
    state.stop = result.finishReason === "length" ? "length" : result.finishReason === "content_filter" ? "content_filter" : "empty";
    return first;
  }

  if (!turn.calls.length) {
    if (result.finishReason === "length") {
      // cut off mid-answer: keep the text as reasoning, no answer
      for (const paragraph of paragraphs(turn.text)) push({ kind: state.steps.length === 0 ? "plan" : "reasoning", text: paragraph });
      state.stop = "length";
      return first;
    }
    const { reasoning, answer, marked } = splitAnswer(turn.text);
    if (!marked) figure("answer_unmarked");
    for (const paragraph of paragraphs(reasoning)) push({ kind: "reasoning", text: paragraph });
    push({ kind: "answer", text: answer });
    state.answer = answer;
    state.messages.push({ role: "assistant", content: turn.text });
    state.stop = "answer";
    return first;
  }

  // text before the calls: the plan on the first turn, reasoning after
  paragraphs(turn.text).forEach((paragraph, i) => push({ kind: state.steps.length === 0 && i === 0 && turnIndex === 0 ? "plan" : "reasoning", text: paragraph }));
  const wireCalls: WireToolCall[] = [];
  const toolMessages: ChatMessage[] = [];
  for (const call of turn.calls) {
    state.callCount++;
    const taken = call.id !== null && state.steps.some((s) => s.kind === "tool_call" && s.id === call.id);
    if (call.id === null) figure("missing_id");
    else if (taken) figure("duplicate_id");
    let id = call.id && !taken ? call.id : `call_${state.callCount}`;
    // a made-up id must not collide with one the model sent earlier
    while (id !== call.id && state.steps.some((s) => s.kind === "tool_call" && s.id === id)) id = `call_${state.callCount}_${state.steps.length}`;
    const args = call.args ?? { argsRaw: call.argsRaw };
    push({ kind: "tool_call", id, tool: call.name || "unknown", args }, { argsRaw: call.argsRaw, ...(call.via.length ? { via: call.via } : {}) });
    const output = executeCall(options.scene, call);
    push({ kind: "tool_result", call: id, output });
    wireCalls.push({ id, type: "function", function: { name: call.name || "unknown", arguments: call.args ? JSON.stringify(call.args) : call.argsRaw } });
    toolMessages.push({ role: "tool", tool_call_id: id, name: call.name || "unknown", content: JSON.stringify(output) });
  }
  state.messages.push({ role: "assistant", content: turn.text || null, tool_calls: wireCalls }, ...toolMessages);
  if (result.finishReason === "length") state.stop = "length";
  return first;
}

function paragraphs(text: string): string[] {
  return text
    .split(/\n\s*\n/)
    .map((p) => p.trim())
    .filter(Boolean);
}

/** Whether the loop must stop before another turn (sets state.stop). */
export function shouldStop(state: LoopState, options: LoopOptions): boolean {
  if (state.stop) return true;
  if (options.tokenBudget && state.tokens.prompt + state.tokens.completion >= options.tokenBudget) {
    state.stop = "token_budget";
    return true;
  }
  if (state.turns.length >= options.maxTurns) {
    state.stop = "max_turns";
    return true;
  }
  return false;
}

/**
 * Runs turns until a stop. `afterTurn` may inspect the steps a turn added (from index `first`) and
 * return false to reject the turn: the state is cut back to before it and the turn is taken again
 * with the next seed (the caller bounds this through its own budget).
 */
export async function runLoop(
  state: LoopState,
  options: LoopOptions,
  seeds: { next: () => number | undefined },
  afterTurn?: (state: LoopState, first: number, before: LoopState) => boolean | Promise<boolean>,
): Promise<LoopState> {
  let current = state;
  while (!shouldStop(current, options)) {
    options.signal?.throwIfAborted();
    const before = snapshot(current);
    const first = await takeTurn(current, options, seeds.next());
    if (afterTurn && !(await afterTurn(current, first, before))) {
      // rejected: cut back, keep the spent tokens and turns counted against the budget
      const spent = current.tokens;
      const turns = current.turns;
      const fallbacks = current.fallbacks;
      const requestMs = current.requestMs;
      current = snapshot(before);
      current.tokens = spent;
      current.requestMs = requestMs;
      current.turns = turns;
      current.fallbacks = fallbacks;
      current.stop = null;
    }
  }
  return current;
}
