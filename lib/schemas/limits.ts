import { z } from "zod";

// Every size and shape limit of the app in one place (docs/limits.md lists them as a table; keep the
// two in step). Limits are checked where input enters — the HTTP body reader, the zod schemas, the
// importer's check pass and the teacher runner — and each refusal names the field and the limit.

const KiB = 1024;
const MiB = 1024 * KiB;
const GiB = 1024 * MiB;

export const LIMITS = {
  /** A JSON request body (every route but the multipart import upload). */
  jsonBodyBytes: 1 * MiB,
  /** A generation request from the web form, an uploaded question file included (POST /api/generation). */
  generationBodyBytes: 32 * MiB,
  /** Nesting of a whole JSON request body. */
  jsonBodyDepth: 64,
  /** Free-form JSON (tool `args`, tool results, `meta`, evidence): serialised size. */
  freeJsonBytes: 64 * KiB,
  /** Free-form JSON: nesting depth (an object or array is one level). */
  freeJsonDepth: 32,
  /** A reviewer, box author or other user name. */
  userName: 100,
  /** One file in an import upload. */
  uploadFileBytes: 4 * GiB,
  /** All files of one import upload together. */
  uploadTotalBytes: 8 * GiB,
  /** Files in one import upload (data files and images). */
  uploadFiles: 20_000,
  /** Labels or decisions one bulk review action may write (docs/design.md §6 "Bulk actions"). */
  bulkItems: 200_000,
  /** Labels or decisions a bulk action writes in one transaction (other writers interleave between chunks). */
  bulkChunk: 1_000,
  /** Saved views of the trace list per user, and the length of a view's name and query string. */
  savedViews: 200,
  savedViewName: 100,
  savedViewQuery: 2_000,
} as const;

/** "64 KB", "1 MB", "4 GB": how limits are spelled in messages. */
export function formatBytes(bytes: number): string {
  if (bytes >= GiB && bytes % GiB === 0) return `${bytes / GiB} GB`;
  if (bytes >= MiB && bytes % MiB === 0) return `${bytes / MiB} MB`;
  if (bytes >= KiB && bytes % KiB === 0) return `${bytes / KiB} KB`;
  return `${bytes} bytes`;
}

export interface JsonShapeLimits {
  maxBytes: number;
  maxDepth: number;
}

export const FREE_JSON_LIMITS: JsonShapeLimits = { maxBytes: LIMITS.freeJsonBytes, maxDepth: LIMITS.freeJsonDepth };

/**
 * What is wrong with `value` as bounded free-form JSON, or null when it fits: nested deeper than
 * `maxDepth`, larger than `maxBytes` serialised, or holding a non-finite number (NaN, ±Infinity —
 * `1e999` parses to Infinity). Iterative, so a value nested 100,000 deep cannot overflow the stack,
 * and it stops at the first excess, so a huge value costs only up to the limit. Size is the UTF-8
 * length of the serialised JSON, escapes not counted.
 */
export function jsonShapeProblem(value: unknown, limits: JsonShapeLimits = FREE_JSON_LIMITS): string | null {
  let bytes = 0;
  const stack: Frame[] = [{ value, depth: 0, key: null, parent: null }];
  while (stack.length) {
    const frame = stack.pop()!;
    const { value: item, depth } = frame;
    if (item === null || item === undefined) bytes += 4;
    else if (typeof item === "string") bytes += utf8Length(item) + 2;
    else if (typeof item === "number") {
      if (!Number.isFinite(item)) return `holds a non-finite number (${item}) at ${pathOf(frame)}; only finite numbers are allowed`;
      bytes += String(item).length;
    } else if (typeof item === "boolean") bytes += item ? 4 : 5;
    else if (typeof item === "object") {
      if (depth + 1 > limits.maxDepth) return `is nested deeper than the limit of ${limits.maxDepth} levels (at ${pathOf(frame)})`;
      if (Array.isArray(item)) {
        bytes += 2 + Math.max(0, item.length - 1);
        for (let i = item.length - 1; i >= 0; i--) stack.push({ value: item[i], depth: depth + 1, key: i, parent: frame });
      } else {
        const entries = Object.entries(item as Record<string, unknown>);
        bytes += 2 + Math.max(0, entries.length - 1);
        for (let i = entries.length - 1; i >= 0; i--) {
          bytes += utf8Length(entries[i][0]) + 3;
          stack.push({ value: entries[i][1], depth: depth + 1, key: entries[i][0], parent: frame });
        }
      }
    } else return `holds a ${typeof item} at ${pathOf(frame)}, which is not JSON`;
    if (bytes > limits.maxBytes) return `is larger than the limit of ${formatBytes(limits.maxBytes)} (serialised JSON)`;
  }
  return null;
}

interface Frame {
  value: unknown;
  depth: number;
  key: string | number | null;
  parent: Frame | null;
}

/** "$.a[3].b" — built only when reporting a problem. */
function pathOf(frame: Frame): string {
  const parts: string[] = [];
  for (let f: Frame | null = frame; f && f.key !== null; f = f.parent) {
    parts.push(typeof f.key === "number" ? `[${f.key}]` : /^[A-Za-z_$][\w$]*$/.test(f.key) ? `.${f.key}` : `[${JSON.stringify(f.key.slice(0, 40))}]`);
  }
  return `$${parts.reverse().join("")}`;
}

function utf8Length(text: string): number {
  // Exact for ASCII, and never below the true length otherwise: cheap enough for every key and value.
  let n = text.length;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code >= 0x80) n += code >= 0x800 && (code < 0xd800 || code > 0xdfff) ? 2 : 1;
  }
  return n;
}

/** Throws-free check for callers outside zod (teacher runner, importer): "args is nested deeper…". */
export function checkFreeJson(field: string, value: unknown, limits: JsonShapeLimits = FREE_JSON_LIMITS): string | null {
  const problem = jsonShapeProblem(value, limits);
  return problem ? `${field} ${problem}` : null;
}

/** A zod schema for free-form JSON with the size and depth caps applied (message names the limit). */
export function boundedJson<T extends z.ZodType>(schema: T, limits: JsonShapeLimits = FREE_JSON_LIMITS) {
  return schema.superRefine((value, ctx) => {
    const problem = jsonShapeProblem(value, limits);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  });
}

/** A user name (reviewer, box author): trimmed, 1–100 characters. */
export const userName = z.string().trim().min(1).max(LIMITS.userName, `at most ${LIMITS.userName} characters`);
