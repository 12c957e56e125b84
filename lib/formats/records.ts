import { jsonValuePieces } from "@/lib/formats/json-stream";
import { fileLines, splitLines } from "@/lib/formats/lines";
import type { ReadContext } from "@/lib/formats/reader";
import { decodeUtf8, fileChunks, fileHead, type ReadProgress } from "@/lib/formats/source";
import type { NormalizedTrace, ParseResult, ReadItem } from "@/lib/formats/types";

// JSON records one per line (JSONL) or, when the first record spans several lines, pretty-printed
// records one after another (PRM800K's raw files). Each comes with its line and verbatim text.

export type JsonRecord = { line: number; text: string; value: unknown } | { line: number; path: string; error: string };

/** "Unexpected end of JSON input" → a message that says what was expected and where. */
export function describeJsonError(error: unknown): string {
  const message = (error as Error).message ?? String(error);
  if (/Unexpected end of JSON input|Unterminated string/.test(message)) return `truncated JSON: the record ends before it is complete (${message.replace(/ in JSON at position \d+.*/, "")})`;
  const position = /at position (\d+)/.exec(message);
  const what = message.replace(/ in JSON at position \d+.*/, "").replace(/^JSON\.parse: /, "");
  return position ? `invalid JSON at column ${Number(position[1]) + 1}: ${what}` : `invalid JSON: ${what}`;
}

export function parseJson(text: string): { ok: true; value: unknown } | { ok: false; error: string } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (error) {
    return { ok: false, error: describeJsonError(error) };
  }
}

/** Whether the file is pretty-printed records rather than one record per line. */
function isConcatenated(file: string): boolean {
  for (const line of splitLines([fileHead(file)])) {
    if ("error" in line) return false;
    const text = line.text.trim();
    if (!text) continue;
    if (!text.startsWith("{") && !text.startsWith("[")) return false;
    return !parseJson(text).ok && (text === "{" || text === "[" || !text.endsWith("}"));
  }
  return false;
}

export function* jsonRecords(file: string, progress: ReadProgress): Generator<JsonRecord> {
  if (isConcatenated(file)) {
    for (const piece of jsonValuePieces(fileChunks(file, progress))) {
      if (piece.kind === "error") {
        yield { line: piece.line, path: "$", error: piece.error };
        continue;
      }
      if (piece.kind !== "value") continue;
      const text = decodeUtf8(piece.bytes);
      if (text === null) {
        yield { line: piece.line, path: "$", error: "record is not valid UTF-8" };
        continue;
      }
      const parsed = parseJson(text);
      yield parsed.ok ? { line: piece.line, text, value: parsed.value } : { line: piece.line, path: "$", error: parsed.error };
    }
    return;
  }
  for (const line of fileLines(file, progress)) {
    if ("error" in line) {
      yield { line: line.line, path: "$", error: line.error };
      continue;
    }
    if (!line.text.trim()) continue;
    const parsed = parseJson(line.text);
    yield parsed.ok ? { line: line.line, text: line.text, value: parsed.value } : { line: line.line, path: "$", error: parsed.error };
  }
}

export const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/**
 * Files of one trace per JSON line: each line's JSON error, or the normaliser's errors, or its
 * warnings (not on the trusted write pass, which saw them already) and the trace.
 */
export function* traceLines(context: ReadContext, normalize: (value: unknown, text: string, line: number) => ParseResult<NormalizedTrace> & { warnings?: string[] }): Generator<ReadItem> {
  for (const record of jsonRecords(context.file, context.progress)) {
    if ("error" in record) {
      yield { type: "error", ...record };
      continue;
    }
    const parsed = normalize(record.value, record.text, record.line);
    if (!parsed.ok) {
      for (const e of parsed.errors) yield { type: "error", line: record.line, ...e };
      continue;
    }
    if (!context.trusted) for (const message of parsed.warnings ?? []) yield { type: "warning", line: record.line, message };
    yield { type: "trace", line: record.line, value: parsed.value };
  }
}
