import { getTool, toolJsonSchemas } from "@/lib/tools/registry";
import type { ExportConfig } from "@/lib/schemas/exports";
import type { ExportStep, ExportTrace } from "@/lib/formats/export/types";
import { UNCHECKED_SOURCE } from "@/lib/formats/export/labels";

// Canonical steps → chat messages, one message per step so every step keeps its own label:
// plan / reasoning / answer → assistant text; tool_call → assistant `tool_calls` (plus the step's
// text as content when it has one, e.g. VisProg's program line); tool_result → a tool message
// whose content is the result as JSON text. TRL (docs/design.md §7, TRL "Tool Calling" + "Vision
// datasets"): `arguments` is an object, tool turns carry `name`, and in vision datasets every
// `content` is a list of typed parts (Arrow needs one type per column). OpenAI: `arguments` is a
// JSON string, tool calls carry ids and tool turns `tool_call_id`; images are `image_url` parts.

export type TextPart = { type: "text"; text: string };
export type ImagePart = { type: "image" };
export type Content = string | Array<TextPart | ImagePart>;

export interface TrlToolCall {
  type: "function";
  function: { name: string; arguments: Record<string, unknown> };
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

export function trlStepMessage(step: ExportStep, allSteps: ExportStep[], options: TrlOptions): TrlMessage {
  switch (step.kind) {
    case "tool_call": {
      const message: TrlMessage = { role: "assistant" };
      if (step.text) message.content = text(step.text, options.parts);
      message.tool_calls = [{ type: "function", function: { name: step.tool ?? "unknown", arguments: step.args ?? {} } }];
      return message;
    }
    case "tool_result":
      return { role: "tool", name: toolNameOf(allSteps, step), content: text(resultText(step), options.parts) };
    default:
      return { role: "assistant", content: text(step.text ?? "", options.parts) };
  }
}

export function trlCompletion(steps: ExportStep[], allSteps: ExportStep[], options: TrlOptions): TrlMessage[] {
  return steps.map((s) => trlStepMessage(s, allSteps, options));
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
  for (const step of steps) {
    const weight = options.mask ? { weight: (step.label.value === "bad" ? 0 : 1) as 0 | 1 } : {};
    if (step.kind === "tool_call") {
      messages.push({
        role: "assistant",
        content: step.text ?? null,
        tool_calls: [{ id: step.callId ?? `call_${step.index}`, type: "function", function: { name: step.tool ?? "unknown", arguments: step.argsJson ?? "{}" } }],
        ...weight,
      });
    } else if (step.kind === "tool_result") {
      messages.push({ role: "tool", tool_call_id: step.callId ?? `call_${step.index}`, content: resultText(step) });
    } else {
      messages.push({ role: "assistant", content: step.text ?? "", ...weight });
    }
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
