import { z } from "zod";

// stepwise.trace/v1 — the canonical trace record (docs/design.md §4.1), one per JSONL line.
// The JSON Schema published under docs/ and at /api/schema/trace is generated from this.

export const TRACE_SCHEMA_ID = "stepwise.trace/v1";

export const STEP_KINDS = ["plan", "tool_call", "tool_result", "reasoning", "answer"] as const;
export type StepKind = (typeof STEP_KINDS)[number];

const text = z.string().max(100_000);

export const planStep = z.object({ kind: z.literal("plan"), text }).strict();
export const reasoningStep = z.object({ kind: z.literal("reasoning"), text }).strict();
export const answerStep = z.object({ kind: z.literal("answer"), text }).strict();
export const toolCallStep = z
  .object({
    kind: z.literal("tool_call"),
    id: z.string().min(1),
    tool: z.string().min(1),
    args: z.record(z.string(), z.unknown()),
    text: text.optional(),
  })
  .strict();
export const toolResultStep = z
  .object({ kind: z.literal("tool_result"), call: z.string().min(1), output: z.unknown() })
  .strict();

export const canonicalStep = z.discriminatedUnion("kind", [
  planStep,
  toolCallStep,
  toolResultStep,
  reasoningStep,
  answerStep,
]);

const answerValue = z.union([z.string(), z.number(), z.boolean()]).nullable();

export const canonicalTrace = z
  .object({
    schema: z.literal(TRACE_SCHEMA_ID),
    id: z.string().min(1).max(200),
    image: z.string().min(1).optional(),
    scene: z.string().min(1).optional(),
    question: z.string().min(1),
    answer: answerValue.optional(),
    teacher: z
      .object({ model: z.string().optional(), params: z.record(z.string(), z.unknown()).optional() })
      .strict()
      .optional(),
    method: z.string().min(1).optional(),
    program: z.array(z.record(z.string(), z.unknown())).optional(),
    meta: z.record(z.string(), z.unknown()).optional(),
    steps: z.array(canonicalStep).min(1),
  })
  .strict();

export type CanonicalStep = z.infer<typeof canonicalStep>;
export type CanonicalTrace = z.infer<typeof canonicalTrace>;

export function traceJsonSchema(): unknown {
  return {
    $id: "https://stepwise.dev/schema/stepwise.trace.v1.json",
    title: "stepwise.trace/v1",
    description: "One teacher trace: a question about an image and the ordered steps the teacher took.",
    ...z.toJSONSchema(canonicalTrace),
  };
}

/** Answers are stored as text: "2", "yes", "red". */
export function answerToText(value: string | number | boolean | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === "boolean") return value ? "yes" : "no";
  return String(value);
}
