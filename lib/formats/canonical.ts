import { canonicalTrace, answerToText, STEP_KINDS, type CanonicalTrace } from "@/lib/schemas/trace";
import { getTool, toolNames } from "@/lib/tools/registry";
import { jsonPath } from "@/lib/formats/lines";
import { isPlainObject, jsonRecords } from "@/lib/formats/records";
import type { FormatDefinition, ReadContext } from "@/lib/formats/reader";
import type { NormalizedStep, NormalizedTrace, ParseResult, ReadItem, RecordError } from "@/lib/formats/types";

// stepwise.trace/v1 JSONL: one trace per line. The zod schema in lib/schemas/trace.ts is the
// authority; `isValidCanonical` is a hand-written check of the same rules for the hot path
// (zod costs more than the database writes at 200k steps). It may only say "valid" when zod
// would; anything it doubts goes to zod, which also words the errors.



const TOP_KEYS = new Set(["schema", "id", "image", "scene", "question", "answer", "teacher", "method", "program", "meta", "steps"]);
const MAX_TEXT = 100_000;

const isNonEmptyString = (v: unknown): v is string => typeof v === "string" && v.length > 0;
const isText = (v: unknown): v is string => typeof v === "string" && v.length <= MAX_TEXT;
const optional = (v: unknown, check: (v: unknown) => boolean) => v === undefined || check(v);

function isValidStep(step: unknown): boolean {
  if (!isPlainObject(step)) return false;
  let keys = 0;
  for (const _ in step) keys++;
  switch (step.kind) {
    case "plan":
    case "reasoning":
    case "answer":
      return keys === 2 && isText(step.text);
    case "tool_call":
      return (
        keys === (step.text === undefined ? 4 : 5) &&
        isNonEmptyString(step.id) &&
        isNonEmptyString(step.tool) &&
        isPlainObject(step.args) &&
        optional(step.text, isText)
      );
    case "tool_result":
      return keys === 3 && "output" in step && isNonEmptyString(step.call);
    default:
      return false;
  }
}

/** True only for records the zod schema accepts (the converse need not hold). */
export function isValidCanonical(value: unknown): value is CanonicalTrace {
  if (!isPlainObject(value)) return false;
  for (const key in value) if (!TOP_KEYS.has(key)) return false;
  if (value.schema !== "stepwise.trace/v1") return false;
  if (!isNonEmptyString(value.id) || value.id.length > 200) return false;
  if (!optional(value.image, isNonEmptyString) || !optional(value.scene, isNonEmptyString) || !isNonEmptyString(value.question)) return false;
  const answer = value.answer;
  if (!(answer === undefined || answer === null || typeof answer === "string" || typeof answer === "number" || typeof answer === "boolean")) return false;
  if (value.teacher !== undefined) {
    const teacher = value.teacher;
    if (!isPlainObject(teacher)) return false;
    for (const key in teacher) if (key !== "model" && key !== "params") return false;
    if (!optional(teacher.model, (v) => typeof v === "string") || !optional(teacher.params, isPlainObject)) return false;
  }
  if (!optional(value.method, isNonEmptyString) || !optional(value.meta, isPlainObject)) return false;
  if (value.program !== undefined && !(Array.isArray(value.program) && value.program.every(isPlainObject))) return false;
  const steps = value.steps;
  if (!Array.isArray(steps) || steps.length === 0) return false;
  for (const step of steps) if (!isValidStep(step)) return false;
  return true;
}

export function normalizeCanonical(value: unknown, raw: string): ParseResult<NormalizedTrace> {
  let trace: CanonicalTrace;
  if (isValidCanonical(value)) trace = value;
  else {
    const parsed = canonicalTrace.safeParse(value);
    if (!parsed.success) {
      return { ok: false, errors: parsed.error.issues.map((issue) => ({ path: jsonPath(issue.path), error: describeIssue(issue, value) })) };
    }
    trace = parsed.data;
  }
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

/** Call ids unique, every result answers a call, every tool is known. */
export function checkStructure(trace: { steps: CanonicalTrace["steps"] }): Omit<RecordError, "line">[] {
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

export function toNormalized(trace: CanonicalTrace, raw: string): NormalizedTrace {
  const steps: NormalizedStep[] = new Array(trace.steps.length);
  let finalAnswer: string | null = null;
  for (let i = 0; i < trace.steps.length; i++) {
    const step = trace.steps[i];
    switch (step.kind) {
      case "tool_call":
        steps[i] = { kind: step.kind, tool: step.tool, callId: step.id, args: step.args, text: step.text ?? null };
        break;
      case "tool_result":
        steps[i] = { kind: step.kind, callId: step.call, result: step.output };
        break;
      default:
        if (step.kind === "answer") finalAnswer = step.text;
        steps[i] = { kind: step.kind, text: step.text };
    }
  }
  return {
    externalId: trace.id,
    image: trace.image ?? null,
    scene: trace.scene ?? null,
    question: trace.question,
    answer: answerToText(trace.answer),
    finalAnswer,
    teacherModel: trace.teacher?.model ?? null,
    teacherParams: trace.teacher?.params ?? null,
    method: trace.method ?? "direct",
    format: "canonical",
    raw,
    program: trace.program ?? null,
    steps,
  };
}

function* readCanonical(context: ReadContext): Generator<ReadItem> {
  for (const record of jsonRecords(context.file, context.progress)) {
    if ("error" in record) {
      yield { type: "error", ...record };
      continue;
    }
    if (context.trusted) {
      if (context.skip?.(String(record.line))) continue;
      yield { type: "trace", line: record.line, value: toNormalized(record.value as CanonicalTrace, record.text) };
      continue;
    }
    const parsed = normalizeCanonical(record.value, record.text);
    if (parsed.ok) yield { type: "trace", line: record.line, value: parsed.value };
    else for (const e of parsed.errors) yield { type: "error", line: record.line, ...e };
  }
}

export const canonicalFormat: FormatDefinition = {
  name: "canonical",
  summary: "stepwise.trace/v1 JSONL, one trace per line (JSON Schema at /api/schema/trace)",
  detect: ({ head }) => /"schema"\s*:\s*"stepwise\.trace\/v1"/.test(head),
  read: readCanonical,
};
