import { z } from "zod";

// stepwise.trace/v1 — the canonical trace record (docs/design.md §4.1), one per JSONL line.
// The JSON Schema published under docs/ and at /api/schema/trace is generated from this.

export const TRACE_SCHEMA_ID = "stepwise.trace/v1";

export const STEP_KINDS = ["plan", "tool_call", "tool_result", "reasoning", "answer"] as const;
export type StepKind = (typeof STEP_KINDS)[number];

// Every field carries a description (`.describe`): the published JSON Schema says what each one
// means — lib/formats/schema-doc.test.ts fails when one lacks it.
const text = z.string().max(100_000);

export const planStep = z
  .object({ kind: z.literal("plan").describe("A plan: what the teacher intends to do, before doing it."), text: text.describe("The plan as the teacher wrote it.") })
  .strict()
  .describe("A plan step.");
export const reasoningStep = z
  .object({ kind: z.literal("reasoning").describe("Free-text reasoning between tool calls; its claims about objects are checked against the scene where they can be."), text: text.describe("The reasoning as the teacher wrote it.") })
  .strict()
  .describe("A reasoning step.");
export const answerStep = z
  .object({ kind: z.literal("answer").describe("The teacher's final answer (not the ground truth, which is the trace's `answer`)."), text: text.describe("The teacher's answer as text, e.g. \"2\", \"yes\", \"red\".") })
  .strict()
  .describe("The answer step: the teacher's final answer.");
export const toolCallStep = z
  .object({
    kind: z.literal("tool_call").describe("A call of one of the registered tools (docs/tools.md)."),
    id: z.string().min(1).describe("The call's id, unique within the trace; the tool_result that answers it names it in `call`."),
    tool: z.string().min(1).describe("The tool's name as in the tool registry (docs/tools.md), e.g. detect, filter, relate, count."),
    args: z.record(z.string(), z.unknown()).describe("The call's arguments, an object as the tool accepts them; object references are ids such as \"obj_3\"."),
    text: text.optional().describe("What the teacher wrote around the call, if anything (kept for display)."),
  })
  .strict()
  .describe("A tool call step.");
export const toolResultStep = z
  .object({
    kind: z.literal("tool_result").describe("What a tool call returned, as the teacher saw it (the verifier re-executes the call and compares)."),
    call: z.string().min(1).describe("The `id` of the tool_call step this result answers."),
    output: z.unknown().describe("The tool's output as logged: any JSON value (an object list, a number, an error…)."),
  })
  .strict()
  .describe("A tool result step.");

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
    schema: z.literal(TRACE_SCHEMA_ID).describe(`The record's format and version: always "${TRACE_SCHEMA_ID}".`),
    id: z.string().min(1).max(200).describe("The trace's id, unique within its dataset (its external id: step-labels lines and exports name the trace by it). Re-importing the same id with the same content is a no-op; with other content it is a conflict."),
    image: z.string().min(1).optional().describe("The image file name (or an http(s) URL) the question is about; resolved against the import's images directory. Without `scene`, the image's name also names its scene."),
    scene: z.string().min(1).optional().describe("The name of the scene (ground truth: objects, attributes, positions, relations) in the same dataset that the verifier re-executes the tools on, when it differs from the image's name — e.g. a CLEVR scene from a scenes file, a scene graph, or a photo's boxes scene. A trace whose scene cannot be found is imported with a warning and its scene rules skip."),
    question: z.string().min(1).describe("The question the teacher answered."),
    answer: answerValue.optional().describe("The ground-truth answer to the question, when known — not the teacher's answer (that is the last `answer` step). A number or boolean is stored as text (\"2\", \"yes\"). null or absent: unknown (the answer rule then skips)."),
    teacher: z
      .object({
        model: z.string().optional().describe("The teacher model's name, e.g. \"gpt-4o\"."),
        params: z.record(z.string(), z.unknown()).optional().describe("The generation parameters the teacher ran with (temperature, seed…), kept as given."),
      })
      .strict()
      .optional()
      .describe("Who produced the trace."),
    method: z.string().min(1).optional().describe("How the trace was generated: direct, final-answer, step-level, best-of-n, program… (default direct); the metrics compare methods."),
    program: z.array(z.record(z.string(), z.unknown())).optional().describe("The question's CLEVR functional program (nodes with type/function, inputs, value_inputs), when there is one: the verifier's step-completeness rule compares the trace with it."),
    meta: z.record(z.string(), z.unknown()).optional().describe("Anything else about the trace, kept verbatim in the stored record (e.g. the injected faults of the scripted teacher)."),
    steps: z.array(canonicalStep).min(1).describe("The teacher's steps in order (at least one): plan, tool_call, tool_result, reasoning and answer steps; step indices (0-based) are positions in this array."),
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
