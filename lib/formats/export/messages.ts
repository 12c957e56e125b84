import { getTool, toolJsonSchemas } from "@/lib/tools/registry";
import type { ExportConfig } from "@/lib/schemas/exports";
import type { ExportStep, ExportTrace } from "@/lib/formats/export/types";
import { UNCHECKED_SOURCE } from "@/lib/formats/export/labels";

// Canonical steps → chat messages, one assistant message per teacher turn (docs/design.md §7):
// the texts of a turn (plan / reasoning / answer, and a call's own text such as VisProg's program
// line) joined by a blank line as its content, plus the turn's tool calls; a turn ends at a tool
// result, which becomes a tool message whose content is the result as JSON text. So roles
// alternate (user, assistant, tool…, assistant, …) as strict chat templates require; per-step
// labels stay in `meta` and `meta.step_turns` says which message holds each step.
// TRL (TRL "Tool Calling" + "Vision datasets"): tool turns carry `name`, in vision datasets every
// `content` is a list of typed parts (Arrow needs one type per column), and `arguments` is the
// JSON text of the call's arguments: as objects, Arrow (🤗 datasets, our Parquet twin) would
// unify every tool's arguments into one struct and hand each call back with the other tools'
// keys as null. OpenAI: the same JSON-string `arguments`, calls carry ids, tool turns
// `tool_call_id`; images are `image_url` parts.

export type TextPart = { type: "text"; text: string };
export type ImagePart = { type: "image" };
export type Content = string | Array<TextPart | ImagePart>;

export interface TrlToolCall {
  type: "function";
  /** `arguments`: the JSON text of the arguments object (see the header comment). */
  function: { name: string; arguments: string };
}

export type TrlMessage =
  | { role: "system" | "user"; content: Content }
  | { role: "assistant"; content?: Content; tool_calls?: TrlToolCall[] }
  | { role: "tool"; name: string; content: Content };

export interface OpenAiToolCall {
  id: string;
  type: "function";
  function: { name: string; arguments: string };
}

export type OpenAiContentPart = { type: "text"; text: string } | { type: "image_url"; image_url: { url: string } };

export type OpenAiMessage =
  | { role: "system"; content: string }
  | { role: "user"; content: string | OpenAiContentPart[] }
  | { role: "assistant"; content: string | null; tool_calls?: OpenAiToolCall[]; weight?: 0 | 1 }
  | { role: "tool"; tool_call_id: string; content: string };

export interface ToolSchema {
  type: "function";
  function: { name: string; description: string; parameters: unknown };
}

/**
 * The result of a tool step as message text: its JSON, so a string result "2" and a number 2 stay
 * distinct. The stored JSON text is used as it is (no parse and re-serialise on the hot path).
 */
export function resultText(step: Pick<ExportStep, "resultJson">): string {
  return step.resultJson ?? "null";
}

/** Steps kept for a row: `drop` removes wrong steps, a call and its results always together. */
export function keptSteps(steps: ExportStep[], config: Pick<ExportConfig, "rejectedSteps" | "truncateAfterFirstError"> & Partial<Pick<ExportConfig, "uncheckedSteps">>): ExportStep[] {
  let kept = steps;
  if (config.uncheckedSteps === "drop") kept = dropSteps(kept, (s) => s.label.value === null && s.label.source === UNCHECKED_SOURCE);
  if (config.truncateAfterFirstError) {
    const firstError = kept.findIndex((s) => s.label.value === "bad");
    if (firstError >= 0) kept = kept.slice(0, firstError + 1);
  }
  if (config.rejectedSteps === "drop") kept = dropSteps(kept, (s) => s.label.value === "bad");
  return kept;
}

/** The steps without those `dropped` picks; a call and its result go together. */
function dropSteps(steps: ExportStep[], dropped: (step: ExportStep) => boolean): ExportStep[] {
  const isCall = (s: ExportStep) => s.kind === "tool_call" || s.kind === "tool_result";
  const droppedCalls = new Set(steps.filter((s) => dropped(s) && s.callId && isCall(s)).map((s) => s.callId!));
  if (droppedCalls.size === 0 && !steps.some(dropped)) return steps;
  return steps.filter((s) => !dropped(s) && !(isCall(s) && s.callId && droppedCalls.has(s.callId)));
}

const toolsCache = new Map<string, ToolSchema[]>();
/** Serialised form of each cached tools array: every row repeats it, so it is stringified once. */
export const toolsJson = new WeakMap<object, string>();
/** The tools JSON text as a JSON string value (quoted), by the text: spliced into rows as is. */
export const quotedToolsText = new Map<string, string>();

/**
 * The tools of a trace as JSON text, for the TRL layouts: as a list of objects, Arrow would unify
 * the tools' differing `parameters` into one struct and give every tool the others' properties
 * as null. Parse it (`json.loads(row["tools"])`) before passing it to a chat template.
 */
export function toolsText(steps: ExportStep[]): string {
  const tools = toolsFor(steps);
  const json = toolsJson.get(tools)!;
  if (!quotedToolsText.has(json)) quotedToolsText.set(json, JSON.stringify(json));
  return json;
}

/** JSON schemas of the tool families a trace uses (spatial, visprog, …), in registry order. */
export function toolsFor(steps: ExportStep[]): ToolSchema[] {
  const families = new Set<string>();
  for (const s of steps) if (s.kind === "tool_call" && s.tool) families.add(getTool(s.tool)?.family ?? "spatial");
  const key = [...families].sort().join(",");
  let tools = toolsCache.get(key);
  if (!tools) {
    tools = [...families].sort().flatMap((family) =>
      toolJsonSchemas(family).map((t) => {
        // `$schema` is noise to chat templates and to OpenAI's function schema validator
        const { $schema: _schema, ...parameters } = t.function.parameters as Record<string, unknown>;
        return { type: "function" as const, function: { name: t.function.name, description: t.function.description, parameters } };
      }),
    );
    toolsCache.set(key, tools);
    toolsJson.set(tools, JSON.stringify(tools));
  }
  return tools;
}

function toolNameOf(steps: ExportStep[], result: ExportStep): string {
  const call = steps.find((s) => s.kind === "tool_call" && s.callId === result.callId);
  return call?.tool ?? result.tool ?? "unknown";
}

export interface TrlOptions {
  /** Vision layout: every content is a list of typed parts. */
  parts: boolean;
  hasImage: boolean;
  systemPrompt?: string;
}

const text = (value: string, parts: boolean): Content => (parts ? [{ type: "text", text: value }] : value);

export function trlPrompt(trace: ExportTrace, options: TrlOptions): TrlMessage[] {
  const messages: TrlMessage[] = [];
  if (options.systemPrompt) messages.push({ role: "system", content: text(options.systemPrompt, options.parts) });
  const user: Content = options.parts ? [...(options.hasImage ? [{ type: "image" } as ImagePart] : []), { type: "text", text: trace.question }] : trace.question;
  messages.push({ role: "user", content: user });
  return messages;
}

/** One step as a message of its own (offline RL's `action`). */
export function trlStepMessage(step: ExportStep, allSteps: ExportStep[], options: TrlOptions): TrlMessage {
  switch (step.kind) {
    case "tool_call": {
      const message: TrlMessage = { role: "assistant" };
      if (step.text) message.content = text(step.text, options.parts);
      message.tool_calls = [{ type: "function", function: { name: step.tool ?? "unknown", arguments: argumentsText(step) } }];
      return message;
    }
    case "tool_result":
      return { role: "tool", name: toolNameOf(allSteps, step), content: text(resultText(step), options.parts) };
    default:
      return { role: "assistant", content: text(step.text ?? "", options.parts) };
  }
}

/** The arguments of a call as JSON text of an object ("{}" when none were recorded). */
export function argumentsText(step: Pick<ExportStep, "argsJson" | "args">): string {
  if (step.argsJson && step.argsJson.trimStart().startsWith("{")) return step.argsJson;
  return JSON.stringify(step.args ?? {});
}

/** A teacher turn: the steps of one assistant message (texts, then calls) or one tool result. */
export interface Turn {
  role: "assistant" | "tool";
  steps: ExportStep[];
}

/**
 * Groups kept steps into turns: consecutive non-result steps form one assistant turn; each tool
 * result is a tool turn; a result no call of the current turns asked for (its call was dropped,
 * or a hostile import) is folded into the assistant turn as text so roles still alternate.
 */
export function turnsOf(steps: ExportStep[]): Turn[] {
  const turns: Turn[] = [];
  let open: Turn | null = null;
  const pending = new Set<string>();
  let anonymousCalls = 0;
  for (const step of steps) {
    if (step.kind === "tool_result") {
      const answered = step.callId ? pending.has(step.callId) : anonymousCalls > 0;
      if (answered) {
        if (step.callId) pending.delete(step.callId);
        else anonymousCalls--;
        turns.push({ role: "tool", steps: [step] });
        open = null;
        continue;
      }
    }
    if (!open) {
      open = { role: "assistant", steps: [] };
      turns.push(open);
    }
    open.steps.push(step);
    if (step.kind === "tool_call") {
      if (step.callId) pending.add(step.callId);
      else anonymousCalls++;
    }
  }
  return turns;
}

/** A turn's text: the texts of its steps in order, a blank line between them. */
function turnText(turn: Turn, allSteps: ExportStep[]): string {
  return turn.steps
    .map((s) => (s.kind === "tool_result" ? stepText(s, allSteps) : s.text ?? ""))
    .filter((t) => t.length > 0)
    .join("\n\n");
}

/** Message index (from the first completion message) of every kept step, aligned with the steps. */
export function stepTurns(steps: ExportStep[]): number[] {
  const out: number[] = [];
  turnsOf(steps).forEach((turn, i) => {
    for (let k = 0; k < turn.steps.length; k++) out.push(i);
  });
  return out;
}

export function trlCompletion(steps: ExportStep[], allSteps: ExportStep[], options: TrlOptions): TrlMessage[] {
  return turnsOf(steps).map((turn): TrlMessage => {
    if (turn.role === "tool") return trlStepMessage(turn.steps[0], allSteps, options);
    const message: TrlMessage = { role: "assistant" };
    const body = turnText(turn, allSteps);
    const calls = turn.steps.filter((s) => s.kind === "tool_call");
    if (body || calls.length === 0) message.content = text(body, options.parts);
    if (calls.length) message.tool_calls = calls.map((s) => ({ type: "function", function: { name: s.tool ?? "unknown", arguments: argumentsText(s) } }));
    return message;
  });
}

/** A call id for a step that has none: calls and their results without ids pair up in order. */
function callIdOf(step: ExportStep): string {
  return `call_${step.index}`;
}

export interface OpenAiOptions {
  imageUrl: string | null;
  systemPrompt?: string;
  /** Set weight 0 on wrong assistant turns (kept as context, not trained on). */
  mask: boolean;
}

export function openAiMessages(trace: ExportTrace, steps: ExportStep[], options: OpenAiOptions): OpenAiMessage[] {
  const messages: OpenAiMessage[] = [];
  if (options.systemPrompt) messages.push({ role: "system", content: options.systemPrompt });
  messages.push({
    role: "user",
    content: options.imageUrl ? [{ type: "text", text: trace.question }, { type: "image_url", image_url: { url: options.imageUrl } }] : trace.question,
  });
  // calls recorded without ids get `call_<step index>`, and results without ids answer them in order
  const anonymous: string[] = [];
  for (const turn of turnsOf(steps)) {
    if (turn.role === "tool") {
      const step = turn.steps[0];
      messages.push({ role: "tool", tool_call_id: step.callId ?? anonymous.shift() ?? callIdOf(step), content: resultText(step) });
      continue;
    }
    for (const s of turn.steps) if (s.kind === "tool_call" && !s.callId) anonymous.push(callIdOf(s));
    const calls = turn.steps.filter((s) => s.kind === "tool_call");
    const body = turnText(turn, steps);
    const weight = options.mask ? { weight: (turn.steps.some((s) => s.label.value === "bad") ? 0 : 1) as 0 | 1 } : {};
    messages.push({
      role: "assistant",
      content: body || (calls.length ? null : ""),
      ...(calls.length ? { tool_calls: calls.map((s) => ({ id: s.callId ?? callIdOf(s), type: "function" as const, function: { name: s.tool ?? "unknown", arguments: argumentsText(s) } })) } : {}),
      ...weight,
    });
  }
  return messages;
}

/** One step as plain text, for TRL stepwise supervision (standard, text-only format). */
export function stepText(step: ExportStep, allSteps: ExportStep[]): string {
  switch (step.kind) {
    case "tool_call": {
      const call = `Call ${step.tool ?? "unknown"}(${JSON.stringify(step.args ?? {})})`;
      return step.text ? `${step.text}\n${call}` : call;
    }
    case "tool_result":
      return `Result of ${toolNameOf(allSteps, step)}: ${resultText(step)}`;
    case "answer":
      return `Answer: ${step.text ?? ""}`;
    default:
      return step.text ?? "";
  }
}
