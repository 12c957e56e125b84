import { createHash } from "node:crypto";
import type { ErrorDetail } from "@/lib/errors";

// Caption readers for the SpaRE pipeline (docs/design.md §12). One JSON object a line; the shape is
// recognised per line, so a file may mix them:
//
//   ImageInWords / DOCCI   {"IIW" | "IIW-P5B" | "DOCCI": text, "image" | "image/key": id}
//                          — one caption per description field present (a DOCCI_Test line holds two)
//   Localized Narratives   {"image_id", "caption"} or {"image_id", "utterances": [text | {utterance}]}
//                          (also `timed_caption`, the released files' word timings)
//   PixMo-Cap              {"image_url", "caption"} or {"image_url", "transcripts": [text]}
//   plain                  {"image", "caption"} (`image` optional)
//
// Reading is all or nothing: every bad line is reported (file, line, JSON path) and no caption is
// returned when there is one. A file that recognises nothing is an error too.

export const CAPTION_SOURCES = ["iiw", "iiw-p5b", "docci", "localized-narratives", "pixmo-cap", "plain"] as const;
export type CaptionSource = (typeof CAPTION_SOURCES)[number];

export interface CaptionRecord {
  /** Stable identity (source, image, text): the idempotency key that makes re-runs resume. */
  key: string;
  source: CaptionSource;
  /** Image id, file name or URL as the record gives it (null: none given). */
  image: string | null;
  text: string;
  /** Provenance: where the caption was read. */
  file: string;
  line: number;
  field: string;
}

export interface CaptionReadResult {
  captions: CaptionRecord[];
  errors: ErrorDetail[];
  /** Identical captions (same source, image and text) read more than once and kept once. */
  duplicates: number;
}

export const MAX_CAPTION_CHARS = 100_000;

const IIW_FIELDS: Array<[string, CaptionSource]> = [
  ["IIW", "iiw"],
  ["IIW-P5B", "iiw-p5b"],
  ["DOCCI", "docci"],
];

export function captionKey(source: string, image: string | null, text: string): string {
  return createHash("sha256").update(`${source}\u0000${image ?? ""}\u0000${text}`).digest("hex").slice(0, 32);
}

type Found = { text: unknown; field: string; source: CaptionSource; image: unknown; imageField: string };

function imageOf(record: Record<string, unknown>, fields: string[]): { image: unknown; imageField: string } {
  for (const field of fields) if (record[field] !== undefined && record[field] !== null) return { image: record[field], imageField: field };
  return { image: null, imageField: fields[0] };
}

function utteranceText(value: unknown, path: string, errors: string[]): string | null {
  if (!Array.isArray(value)) {
    errors.push(`${path}: expected a list of utterances`);
    return null;
  }
  const parts: string[] = [];
  value.forEach((u, i) => {
    const text = typeof u === "string" ? u : u && typeof u === "object" ? (u as Record<string, unknown>).utterance : undefined;
    if (typeof text !== "string") errors.push(`${path}[${i}]: expected a string or {"utterance": string}`);
    else if (text.trim()) parts.push(text.trim());
  });
  return parts.join(" ");
}

/** The captions a record holds, by shape; `problems` gets "path: message" for what is wrong. */
function recognise(record: Record<string, unknown>, problems: string[]): Found[] {
  const iiw = IIW_FIELDS.filter(([field]) => record[field] !== undefined);
  if (iiw.length > 0) {
    const { image, imageField } = imageOf(record, ["image", "image/key"]);
    return iiw.map(([field, source]) => ({ text: record[field], field, source, image, imageField }));
  }
  if (record.image_url !== undefined) {
    const { image, imageField } = imageOf(record, ["image_url"]);
    if (record.caption !== undefined) return [{ text: record.caption, field: "caption", source: "pixmo-cap", image, imageField }];
    if (record.transcripts !== undefined) {
      const text = utteranceText(record.transcripts, "$.transcripts", problems);
      return text === null ? [] : [{ text, field: "transcripts", source: "pixmo-cap", image, imageField }];
    }
    problems.push(`$.caption: missing (a PixMo-Cap record needs "caption" or "transcripts")`);
    return [];
  }
  const locnar = record.utterances !== undefined || record.timed_caption !== undefined || record.image_id !== undefined || record.dataset_id !== undefined;
  if (locnar) {
    const { image, imageField } = imageOf(record, ["image_id", "image"]);
    if (record.caption !== undefined) return [{ text: record.caption, field: "caption", source: "localized-narratives", image, imageField }];
    for (const field of ["utterances", "timed_caption"]) {
      if (record[field] === undefined) continue;
      const text = utteranceText(record[field], `$.${field}`, problems);
      return text === null ? [] : [{ text, field, source: "localized-narratives", image, imageField }];
    }
    problems.push(`$.caption: missing (a Localized Narratives record needs "caption" or "utterances")`);
    return [];
  }
  if (record.caption !== undefined) {
    const { image, imageField } = imageOf(record, ["image", "image_path", "file_name"]);
    return [{ text: record.caption, field: "caption", source: "plain", image, imageField }];
  }
  problems.push(`$: no caption field (expected "caption", "utterances", "transcripts", "IIW", "IIW-P5B" or "DOCCI"; keys: ${Object.keys(record).slice(0, 8).join(", ") || "none"})`);
  return [];
}

function splitLines(buffer: Buffer): Buffer[] {
  const lines: Buffer[] = [];
  let start = 0;
  for (let i = buffer.indexOf(10); i !== -1; i = buffer.indexOf(10, start)) {
    lines.push(buffer.subarray(start, i));
    start = i + 1;
  }
  if (start < buffer.length) lines.push(buffer.subarray(start));
  return lines;
}

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

/** Reads one JSONL file's captions (the bytes as read; `file` names it in errors and provenance). */
export function readCaptions(file: string, buffer: Buffer): CaptionReadResult {
  const errors: ErrorDetail[] = [];
  const captions: CaptionRecord[] = [];
  const seen = new Set<string>();
  let duplicates = 0;
  if ((buffer[0] === 0xff && buffer[1] === 0xfe) || (buffer[0] === 0xfe && buffer[1] === 0xff)) {
    return { captions: [], errors: [{ file, line: 1, path: "$", error: "the file is UTF-16; save it as UTF-8" }], duplicates: 0 };
  }
  if (buffer[0] === 0xef && buffer[1] === 0xbb && buffer[2] === 0xbf) buffer = buffer.subarray(3);
  const lines = splitLines(buffer);
  lines.forEach((bytes, index) => {
    const line = index + 1;
    let raw: string;
    try {
      raw = strictUtf8.decode(bytes);
    } catch {
      errors.push({ file, line, path: "$", error: "not valid UTF-8 (wrong encoding? save the file as UTF-8)" });
      return;
    }
    if (raw.trim() === "") return;
    if (raw.includes("\u0000")) {
      errors.push({ file, line, path: "$", error: "contains NUL bytes (binary or UTF-16 data?)" });
      return;
    }
    let record: unknown;
    try {
      record = JSON.parse(raw);
    } catch (error) {
      errors.push({ file, line, path: "$", error: `not JSON (${(error as Error).message})` });
      return;
    }
    if (!record || typeof record !== "object" || Array.isArray(record)) {
      errors.push({ file, line, path: "$", error: `expected a JSON object, got ${Array.isArray(record) ? "an array" : record === null ? "null" : typeof record}` });
      return;
    }
    const problems: string[] = [];
    const found = recognise(record as Record<string, unknown>, problems);
    for (const problem of problems) {
      const at = problem.indexOf(": ");
      errors.push({ file, line, path: problem.slice(0, at), error: problem.slice(at + 2) });
    }
    for (const f of found) {
      const path = `$.${f.field}`;
      if (typeof f.text !== "string") {
        errors.push({ file, line, path, error: `expected a string, got ${f.text === null ? "null" : Array.isArray(f.text) ? "an array" : typeof f.text}` });
        continue;
      }
      const text = f.text.trim();
      if (text === "") {
        errors.push({ file, line, path, error: "empty caption" });
        continue;
      }
      if (text.includes("\uFFFD")) {
        errors.push({ file, line, path, error: "contains U+FFFD replacement characters (the text was decoded with the wrong encoding upstream)" });
        continue;
      }
      if (text.length > MAX_CAPTION_CHARS) {
        errors.push({ file, line, path, error: `caption longer than ${MAX_CAPTION_CHARS} characters` });
        continue;
      }
      let image: string | null = null;
      if (f.image !== null && f.image !== undefined) {
        if (typeof f.image !== "string" && typeof f.image !== "number") {
          errors.push({ file, line, path: `$.${f.imageField}`, error: `expected a string image id, file or URL, got ${typeof f.image}` });
          continue;
        }
        image = String(f.image).trim() || null;
      }
      const key = captionKey(f.source, image, text);
      if (seen.has(key)) {
        duplicates++;
        continue;
      }
      seen.add(key);
      captions.push({ key, source: f.source, image, text, file, line, field: f.field });
    }
  });
  if (errors.length === 0 && captions.length === 0) {
    errors.push({ file, line: 1, path: "$", error: "no captions found (an empty file, or no line in a caption format this reader knows)" });
  }
  return errors.length ? { captions: [], errors, duplicates: 0 } : { captions, errors, duplicates };
}
