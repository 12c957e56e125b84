import { canonicalTrace, answerToText, STEP_KINDS, type CanonicalTrace } from "@/lib/schemas/trace";
import { getTool, toolNames } from "@/lib/tools/registry";
import { jsonPath } from "@/lib/formats/lines";
import type { NormalizedTrace, RecordError } from "@/lib/formats/types";

// stepwise.trace/v1 JSONL: one trace per line.

export type ParseResult<T> = { ok: true; value: T } | { ok: false; errors: Omit<RecordError, "line">[] };

export function parseJsonLine(text: string): ParseResult<unknown> {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (error) {
    return { ok: false, errors: [{ path: "$", error: `invalid JSON (${(error as Error).message})` }] };
  }
}

export function parseCanonicalTrace(text: string): ParseResult<NormalizedTrace> {
  const json = parseJsonLine(text);
  if (!json.ok) return json;
  return normalizeCanonical(json.value, text);
}

export function normalizeCanonical(value: unknown, raw: string): ParseResult<NormalizedTrace> {
  const parsed = canonicalTrace.safeParse(value);
  if (!parsed.success) {
    return {
      ok: false,
      errors: parsed.error.issues.map((issue) => ({ path: jsonPath(issue.path), error: describeIssue(issue, value) })),
    };
  }
  const trace = parsed.data;
  const errors = checkStructure(trace);
  if (errors.length) return { ok: false, errors };
  return { ok: true, value: toNormalized(trace, raw) };
}

function valueAt(value: unknown, path: PropertyKey[]): unknown {
  let current = value;
  for (const key of path) {
    if (current === null || typeof current !== "object") return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}

function describeIssue(issue: { code: string; message: string; path: PropertyKey[] }, value: unknown): string {
  if (issue.path.at(-1) === "kind" && issue.path.at(-3) === "steps") {
    return `unknown step kind ${JSON.stringify(valueAt(value, issue.path))} (expected one of ${STEP_KINDS.join(", ")})`;
  }
  if (issue.code === "invalid_type" || issue.code === "invalid_value") {
    const found = valueAt(value, issue.path);
    return `${issue.message} (found ${found === undefined ? "nothing" : JSON.stringify(found)?.slice(0, 80)})`;
  }
  return issue.message;
}

function checkStructure(trace: CanonicalTrace): Omit<RecordError, "line">[] {
  const errors: Omit<RecordError, "line">[] = [];
  const callIds = new Map<string, number>();
  trace.steps.forEach((step, index) => {
    if (step.kind !== "tool_call") return;
    if (!getTool(step.tool)) {
      errors.push({ path: `$.steps[${index}].tool`, error: `unknown tool "${step.tool}" (known: ${toolNames().join(", ")})` });
    }
    if (callIds.has(step.id)) {
      errors.push({ path: `$.steps[${index}].id`, error: `duplicate call id "${step.id}" (first used at step ${callIds.get(step.id)})` });
    }
    callIds.set(step.id, index);
  });
  trace.steps.forEach((step, index) => {
    if (step.kind === "tool_result" && !callIds.has(step.call)) {
      errors.push({ path: `$.steps[${index}].call`, error: `tool result answers no call: no tool_call has id "${step.call}"` });
    }
  });
  return errors;
}

function toNormalized(trace: CanonicalTrace, raw: string): NormalizedTrace {
  const lastAnswer = [...trace.steps].reverse().find((s) => s.kind === "answer");
  return {
    externalId: trace.id,
    image: trace.image ?? null,
    scene: trace.scene ?? null,
    question: trace.question,
    answer: answerToText(trace.answer),
    finalAnswer: lastAnswer && lastAnswer.kind === "answer" ? lastAnswer.text : null,
    teacherModel: trace.teacher?.model ?? null,
    teacherParams: trace.teacher?.params ?? null,
    method: trace.method ?? "direct",
    format: "canonical",
    raw,
    program: trace.program ?? null,
    steps: trace.steps.map((step) => {
      switch (step.kind) {
        case "tool_call":
          return { kind: step.kind, tool: step.tool, callId: step.id, args: step.args, text: step.text ?? null };
        case "tool_result":
          return { kind: step.kind, callId: step.call, result: step.output };
        default:
          return { kind: step.kind, text: step.text };
      }
    }),
  };
}
