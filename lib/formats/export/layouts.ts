import { z } from "zod";

// Shared zod pieces of the target layouts (field names and types); each format's row schema, built
// from them, sits in its own file under lib/formats/export/formats/ and the tests check every
// exported row against it. TRL: docs "Dataset formats and types" (conversational, tool calling, vision datasets,
// preference, unpaired preference, stepwise supervision). OpenAI: the chat fine-tuning input
// (messages, tools, parallel_tool_calls; `arguments` a JSON string; `tool_call_id`; `weight` 0/1).

const textPart = z.object({ type: z.literal("text"), text: z.string() }).strict();
const imagePart = z.object({ type: z.literal("image") }).strict();
const trlContent = z.union([z.string(), z.array(z.union([textPart, imagePart])).min(1)]);

const jsonObjectString = z.string().refine((s) => {
  try {
    const value = JSON.parse(s);
    return typeof value === "object" && value !== null && !Array.isArray(value);
  } catch {
    return false;
  }
}, "arguments must be a JSON-encoded object");

const trlToolCall = z.object({
  type: z.literal("function"),
  function: z.object({ name: z.string().min(1), arguments: jsonObjectString }).strict(),
}).strict();

export const trlMessage = z.discriminatedUnion("role", [
  z.object({ role: z.literal("system"), content: trlContent }).strict(),
  z.object({ role: z.literal("user"), content: trlContent }).strict(),
  z.object({ role: z.literal("assistant"), content: trlContent.optional(), tool_calls: z.array(trlToolCall).min(1).optional() })
    .strict()
    .refine((m) => m.content !== undefined || m.tool_calls !== undefined, "assistant message needs content or tool_calls"),
  z.object({ role: z.literal("tool"), name: z.string().min(1), content: trlContent }).strict(),
]);
export type TrlMessageShape = z.infer<typeof trlMessage>;

export const toolSchema = z.object({
  type: z.literal("function"),
  function: z.object({ name: z.string().min(1), description: z.string(), parameters: z.object({ type: z.literal("object") }).loose() }).strict(),
}).strict();

/** TRL layouts: the tools' JSON schemas as JSON text (a list of `toolSchema`), see messages.ts. */
export const toolsColumn = z.string().superRefine((s, ctx) => {
  let value: unknown;
  try {
    value = JSON.parse(s);
  } catch {
    ctx.addIssue({ code: "custom", message: "tools must be JSON text" });
    return;
  }
  const parsed = z.array(toolSchema).safeParse(value);
  if (!parsed.success) ctx.addIssue({ code: "custom", message: `tools: ${parsed.error.issues[0]?.message}` });
});

export const images = z.array(z.string().min(1));

export const stepLabelValue = z.enum(["good", "bad", "neutral"]).nullable();
export const traceMetaSchema = z.object({
  trace_id: z.string(),
  dataset: z.string(),
  split: z.enum(["train", "validation", "test"]),
  image: z.string().nullable(),
  method: z.string(),
  teacher_model: z.string().nullable(),
  relations: z.array(z.string()),
  relation_class: z.string(),
  quality: z.number().nullable(),
  valid: z.boolean().nullable(),
  verifier_version: z.number().int().nullable(),
  judgment: z.enum(["good", "bad"]).nullable(),
  judgment_source: z.string().nullable(),
  step_index: z.array(z.number().int()),
  step_kinds: z.array(z.enum(["plan", "tool_call", "tool_result", "reasoning", "answer"])),
  step_call_ids: z.array(z.string().nullable()),
  step_labels: z.array(stepLabelValue),
  step_label_sources: z.array(z.string().nullable()),
  step_turns: z.array(z.number().int().nonnegative()).optional(),
  /** Multi-turn VQA rows: every trace of the conversation, in turn order (the first is trace_id). */
  turn_trace_ids: z.array(z.string()).optional(),
}).strict();

/** Arrow (the Hugging Face loader) needs one type per column: content is all strings or all part lists. */
export function consistentContent(messages: Array<{ content?: unknown }>): boolean {
  const kinds = new Set(messages.filter((m) => m.content !== undefined).map((m) => (typeof m.content === "string" ? "string" : "parts")));
  return kinds.size <= 1;
}

export const openAiToolCall = z.object({
  id: z.string().min(1),
  type: z.literal("function"),
  function: z.object({ name: z.string().min(1), arguments: jsonObjectString }).strict(),
}).strict();

export const openAiMessage = z.discriminatedUnion("role", [
  z.object({ role: z.literal("system"), content: z.string() }).strict(),
  z.object({
    role: z.literal("user"),
    content: z.union([
      z.string(),
      z.array(z.union([
        z.object({ type: z.literal("text"), text: z.string() }).strict(),
        z.object({ type: z.literal("image_url"), image_url: z.object({ url: z.string().min(1), detail: z.enum(["low", "high", "auto"]).optional() }).strict() }).strict(),
      ])).min(1),
    ]),
  }).strict(),
  z.object({ role: z.literal("assistant"), content: z.string().nullable(), tool_calls: z.array(openAiToolCall).min(1).optional(), weight: z.union([z.literal(0), z.literal(1)]).optional() })
    .strict()
    .refine((m) => m.content !== null || m.tool_calls !== undefined, "assistant message needs content or tool_calls"),
  z.object({ role: z.literal("tool"), tool_call_id: z.string().min(1), content: z.string() }).strict(),
]);
