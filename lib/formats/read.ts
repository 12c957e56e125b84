import fs from "node:fs";
import path from "node:path";
import { AppError } from "@/lib/errors";
import { parseCanonicalTrace, parseJsonLine } from "@/lib/formats/canonical";
import { isClevrScenesDocument, parseClevrScenes, isClevrQuestion, parseClevrQuestion } from "@/lib/formats/clevr";
import { readLines } from "@/lib/formats/lines";
import { isVisprogRecord, parseVisprogRecord } from "@/lib/formats/visprog";
import type { ImportRecord, RecordError } from "@/lib/formats/types";

// Format detection and dispatch: a file becomes a list of normalized records plus errors, each
// error carrying its line and JSON path. New formats add a detector and a reader here.

export const FORMATS = ["canonical", "clevr-scenes", "clevr-questions", "visprog"] as const;
export type FormatName = (typeof FORMATS)[number];

export interface FileRecords {
  file: string;
  format: FormatName;
  records: ImportRecord[];
  errors: RecordError[];
}

const WHOLE_DOCUMENT_LIMIT = 512 * 1024 * 1024;

async function firstLine(file: string): Promise<string> {
  for await (const line of readLines(file)) {
    if ("error" in line) return "";
    if (line.text.trim()) return line.text;
  }
  return "";
}

export async function detectFormat(file: string): Promise<FormatName> {
  const head = (await firstLine(file)).trim();
  if (head.includes('"stepwise.trace/v1"')) return "canonical";
  if (head.startsWith("{") && !head.endsWith("}")) {
    // a pretty-printed or single-line whole document
    const text = fs.readFileSync(file, "utf8").slice(0, 4096);
    if (/"scenes"\s*:/.test(text)) return "clevr-scenes";
    if (/"questions"\s*:/.test(text)) return "clevr-questions";
  }
  const json = parseJsonLine(head);
  if (json.ok) {
    const value = json.value;
    if (isClevrScenesDocument(value)) return "clevr-scenes";
    if (value && typeof value === "object" && "questions" in value) return "clevr-questions";
    if (isClevrQuestion(value)) return "clevr-questions";
    if (isVisprogRecord(value)) return "visprog";
  }
  throw new AppError("invalid_input", `${file}: cannot tell the format (use --format ${FORMATS.join("|")})`, [
    { file, line: 1, error: "unrecognised format" },
  ]);
}

export async function readRecords(file: string, format?: FormatName): Promise<FileRecords> {
  if (!fs.existsSync(file)) throw new AppError("invalid_input", `${file}: no such file`, [{ file, error: "no such file" }]);
  const chosen = format ?? (await detectFormat(file));
  const records: ImportRecord[] = [];
  const errors: RecordError[] = [];
  if (chosen === "canonical") {
    for await (const line of readLines(file)) {
      if ("error" in line) {
        errors.push({ line: line.line, path: "$", error: line.error });
        continue;
      }
      if (!line.text.trim()) continue;
      const parsed = parseCanonicalTrace(line.text);
      if (parsed.ok) records.push({ type: "trace", line: line.line, value: parsed.value });
      else for (const e of parsed.errors) errors.push({ line: line.line, ...e });
    }
  } else if (chosen === "visprog") {
    for await (const line of readLines(file)) {
      if ("error" in line) {
        errors.push({ line: line.line, path: "$", error: line.error });
        continue;
      }
      if (!line.text.trim()) continue;
      const json = parseJsonLine(line.text);
      const parsed = json.ok ? parseVisprogRecord(json.value, line.text, line.line) : json;
      if (parsed.ok) records.push({ type: "trace", line: line.line, value: parsed.value });
      else for (const e of parsed.errors) errors.push({ line: line.line, ...e });
    }
  } else if (chosen === "clevr-scenes") {
    const text = readWholeDocument(file);
    const json = parseJsonLine(text);
    if (!json.ok) errors.push({ line: 1, ...json.errors[0] });
    else {
      const { scenes, errors: sceneErrors } = parseClevrScenes(text, json.value);
      for (const scene of scenes) records.push({ type: "scene", line: scene.line, value: scene.value });
      errors.push(...sceneErrors);
    }
  } else {
    const head = (await firstLine(file)).trim();
    const isDocument = head.startsWith("{") && (!head.endsWith("}") || head.includes('"questions"'));
    if (isDocument) {
      const text = readWholeDocument(file);
      const json = parseJsonLine(text);
      const questions = json.ok ? (json.value as { questions?: unknown[] }).questions : undefined;
      if (!json.ok || !Array.isArray(questions)) errors.push({ line: 1, path: "$.questions", error: "expected {\"questions\": [...]}" });
      else questions.forEach((q, i) => pushQuestion(records, errors, q, 1, `${i}`, `$.questions[${i}]`));
    } else {
      for await (const line of readLines(file)) {
        if ("error" in line) {
          errors.push({ line: line.line, path: "$", error: line.error });
          continue;
        }
        if (!line.text.trim()) continue;
        const json = parseJsonLine(line.text);
        if (!json.ok) errors.push({ line: line.line, ...json.errors[0] });
        else pushQuestion(records, errors, json.value, line.line, `${line.line}`, "$");
      }
    }
  }
  return { file: path.resolve(file), format: chosen, records, errors };
}

function pushQuestion(records: ImportRecord[], errors: RecordError[], value: unknown, line: number, fallbackId: string, prefix: string): void {
  const parsed = parseClevrQuestion(value, fallbackId);
  if (!parsed.ok) {
    for (const e of parsed.errors) errors.push({ line, path: e.path.replace(/^\$/, prefix), error: e.error });
    return;
  }
  const { programQuestion: _programQuestion, ...question } = parsed.value;
  records.push({ type: "question", line, value: question });
}

function readWholeDocument(file: string): string {
  const size = fs.statSync(file).size;
  if (size > WHOLE_DOCUMENT_LIMIT) {
    throw new AppError("invalid_input", `${file}: ${size} bytes is over the ${WHOLE_DOCUMENT_LIMIT}-byte limit for whole-document formats`);
  }
  const bytes = fs.readFileSync(file);
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new AppError("invalid_input", `${file}: not valid UTF-8`, [{ file, line: 1, error: "not valid UTF-8" }]);
  }
}
