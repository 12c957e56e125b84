import { z } from "zod";
import { jsonPath } from "@/lib/formats/lines";
import type { NormalizedStep, NormalizedTrace, ParseResult, ReadItem } from "@/lib/formats/types";
import type { FormatDefinition, ReadContext } from "@/lib/formats/reader";
import { traceLines } from "@/lib/formats/records";
import { getTool } from "@/lib/tools/registry";

// VisProg program traces on GQA (allenai/visprog PR #21): program lines `VAR=STEP(k=v, ...)`, the
// final result, and a human verdict per trace. Lines that are not program lines (the LLM's
// refusals) become reasoning steps. VisProg logs intermediate results only as images, so every
// call but RESULT gets a tool_result whose output is null (not recorded).

const record = z
  .object({
    question: z.string().min(1),
    imageId: z.string().min(1),
    code: z.string().nullable(),
    result: z.union([z.string(), z.number(), z.boolean()]).nullable(),
    isBalanced: z.string().optional(),
    human_label_en_translation: z
      .object({ answer_verdict: z.enum(["correct", "wrong"]), issue: z.string().nullable().optional() })
      .passthrough()
      .optional(),
    human_label_raw: z.record(z.string(), z.unknown()).optional(),
  })
  .passthrough();

export function isVisprogRecord(value: unknown): boolean {
  return typeof value === "object" && value !== null && "imageId" in value && "code" in value && "question" in value;
}

const LINE = /^\s*([A-Za-z_]\w*)\s*=\s*([A-Z_]+)\((.*)\)\s*$/;

/** `image=IMAGE,object='x'` → { image: "IMAGE", object: "x" }, respecting quotes and brackets. */
export function parseKwargs(source: string): Record<string, string> {
  const parts: string[] = [];
  let depth = 0;
  let quote: string | null = null;
  let current = "";
  for (const c of source) {
    if (quote) {
      if (c === quote) quote = null;
      current += c;
    } else if (c === "'" || c === '"') {
      quote = c;
      current += c;
    } else if (c === "(" || c === "[" || c === "{") {
      depth++;
      current += c;
    } else if (c === ")" || c === "]" || c === "}") {
      depth--;
      current += c;
    } else if (c === "," && depth === 0) {
      parts.push(current);
      current = "";
    } else current += c;
  }
  if (current.trim()) parts.push(current);
  const kwargs: Record<string, string> = {};
  for (const part of parts) {
    const eq = part.indexOf("=");
    if (eq < 0) continue;
    const key = part.slice(0, eq).trim();
    let value = part.slice(eq + 1).trim();
    if (value.length >= 2 && (value[0] === "'" || value[0] === '"') && value.at(-1) === value[0]) value = value.slice(1, -1);
    kwargs[key] = value;
  }
  return kwargs;
}

export function parseVisprogRecord(value: unknown, raw: string, line: number): ParseResult<NormalizedTrace> {
  const parsed = record.safeParse(value);
  if (!parsed.success) return { ok: false, errors: parsed.error.issues.map((i) => ({ path: jsonPath(i.path), error: i.message })) };
  const r = parsed.data;
  const steps: NormalizedStep[] = [];
  const errors: Array<{ path: string; error: string }> = [];
  const result = r.result === null ? "" : String(r.result);
  for (const text of (r.code ?? "").split("\n")) {
    if (!text.trim() || /^```/.test(text.trim())) continue;
    const match = LINE.exec(text);
    if (!match) {
      steps.push({ kind: "reasoning", text: text.trim() });
      continue;
    }
    const [, variable, module, argText] = match;
    if (!getTool(module)) {
      errors.push({ path: "$.code", error: `unknown VisProg module ${module} in "${text.trim()}"` });
      continue;
    }
    steps.push({ kind: "tool_call", tool: module, callId: variable, args: parseKwargs(argText), text: text.trim() });
    steps.push({ kind: "tool_result", callId: variable, result: module === "RESULT" ? result : null });
  }
  if (errors.length) return { ok: false, errors };
  steps.push({ kind: "answer", text: result });
  const verdict = r.human_label_en_translation?.answer_verdict;
  return {
    ok: true,
    value: {
      externalId: `visprog-${String(line).padStart(3, "0")}-${r.imageId}`,
      image: `${r.imageId}.jpg`,
      question: r.question,
      answer: null,
      finalAnswer: result,
      teacherModel: "visprog/gpt-3.5",
      method: "direct",
      format: "visprog",
      raw,
      steps,
      labels: verdict
        ? [{
            stepIndex: null,
            label: verdict === "correct" ? "accept" : "reject",
            source: "external:visprog",
            provenance: { verdict, issue: r.human_label_en_translation?.issue ?? null, raw: r.human_label_raw ?? null, line },
          }]
        : [],
    },
  };
}

function readVisprog(context: ReadContext): Generator<ReadItem> {
  return traceLines(context, parseVisprogRecord);
}

export const visprogFormat: FormatDefinition = {
  name: "visprog",
  summary: "VisProg program traces (JSONL: question, imageId, code, result, human verdict)",
  detect: ({ firstValue }) => isVisprogRecord(firstValue),
  read: readVisprog,
};
