import { isPlainObject, jsonRecords } from "@/lib/formats/records";
import type { FormatDefinition, ReadContext } from "@/lib/formats/reader";
import type { NormalizedStepLabel, ParseResult, ReadItem } from "@/lib/formats/types";

// `step-labels` JSONL: human step labels made in another tool (or exported by `stepwise labels
// export`), one per line:
//   {"trace": "<external id>", "step": <0-based index>, "label": "accept"|"neutral"|"reject",
//    "reviewer": "<name>", "comment"?: "...", "time"?: "<ISO 8601>"}
// Tolerant of what other tools write: a trace id as a number, the step as a numeric string, the
// label in any case with surrounding spaces, a UTF-8 BOM, CRLF line endings, blank lines, a null
// comment or time. Keys this format does not use are ignored (a warning names them once) unless
// they would change which step is meant or what the label says — a file that names its own
// dataset, a step by id, a score instead of a label — which are errors rather than silently
// dropped meaning. Whether the trace exists and the step is in range is checked by the import
// against the dataset (lib/services/import/imports.ts); the reader is pure.

/** The label source of step-labels imports: imported human labels (docs/design.md §13). */
export const STEP_LABELS_SOURCE = "external:step-labels";

/** The external user a step-labels reviewer's labels belong to (never a signed-in user of this app). */
export const stepLabelUser = (reviewer: string): string => `step-labels:${reviewer}`;

export const STEP_LABEL_VALUES = ["accept", "neutral", "reject"] as const;
const KNOWN = new Set(["trace", "step", "label", "reviewer", "comment", "time"]);

/** Keys whose meaning this format cannot honour: refusing them is safer than ignoring them. */
const MEANINGFUL: Record<string, string> = {
  step_id: "a step named by id cannot be matched across databases; use \"step\" (the 0-based step index)",
  stepId: "a step named by id cannot be matched across databases; use \"step\" (the 0-based step index)",
  steps: "a step-labels line labels one step; this looks like a trace record (import traces with their own format)",
  score: "a score is not a label; give \"label\": accept, neutral or reject",
  rating: "a rating is not a label; give \"label\": accept, neutral or reject (PRM800K files have their own format, prm800k)",
  revision: "labels are imported against the step as it is now; a revision cannot be honoured",
};

/** ISO 8601 date or date-time (offset optional: without one it is read as UTC). */
const ISO_8601 = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(Z|[+-]\d{2}(?::?\d{2})?)?)?$/i;

export function parseIsoTime(text: string): Date | null {
  const match = ISO_8601.exec(text.trim());
  if (!match) return null;
  const [, y, mo, d, h = "00", mi = "00", s = "00", frac = "", zone] = match;
  const offset = zone ? (zone.toUpperCase() === "Z" ? "Z" : zone.length === 3 ? `${zone}:00` : zone.includes(":") ? zone : `${zone.slice(0, 3)}:${zone.slice(3)}`) : "Z";
  const ms = frac ? `.${frac.padEnd(3, "0").slice(0, 3)}` : "";
  const date = new Date(`${y}-${mo}-${d}T${h}:${mi}:${s}${ms}${offset}`);
  if (Number.isNaN(date.getTime())) return null;
  // Date rolls 2026-02-31 over into March: a day or time out of range is a bad time, not another one
  const check = new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s)));
  if (check.getUTCFullYear() !== Number(y) || check.getUTCMonth() !== Number(mo) - 1 || check.getUTCDate() !== Number(d) || check.getUTCHours() !== Number(h) || check.getUTCMinutes() !== Number(mi) || check.getUTCSeconds() !== Number(s)) return null;
  return date;
}

type Problem = { path: string; error: string };

export function parseStepLabel(value: unknown): ParseResult<NormalizedStepLabel> & { ignored?: string[] } {
  if (!isPlainObject(value)) return { ok: false, errors: [{ path: "$", error: `expected a JSON object {"trace", "step", "label", "reviewer"}, found ${Array.isArray(value) ? "an array" : JSON.stringify(value)}` }] };
  const errors: Problem[] = [];

  const rawTrace = value.trace;
  let trace = "";
  if (typeof rawTrace === "number" && Number.isFinite(rawTrace)) trace = String(rawTrace);
  else if (typeof rawTrace === "string" && rawTrace.trim()) trace = rawTrace.trim();
  else errors.push({ path: "$.trace", error: rawTrace === undefined ? "missing: the trace's external id" : `expected the trace's external id (a string), found ${JSON.stringify(rawTrace)}` });

  const rawStep = value.step;
  let step = -1;
  const stepNumber = typeof rawStep === "number" ? rawStep : typeof rawStep === "string" && /^\s*\d+\s*$/.test(rawStep) ? Number(rawStep) : NaN;
  if (Number.isSafeInteger(stepNumber) && stepNumber >= 0) step = stepNumber;
  else errors.push({ path: "$.step", error: rawStep === undefined ? "missing: the 0-based step index" : `expected a 0-based step index (an integer ≥ 0), found ${JSON.stringify(rawStep)}` });

  const rawLabel = value.label;
  const label = typeof rawLabel === "string" ? rawLabel.trim().toLowerCase() : null;
  if (!label || !(STEP_LABEL_VALUES as readonly string[]).includes(label)) {
    errors.push({ path: "$.label", error: rawLabel === undefined ? "missing: accept, neutral or reject" : `expected accept, neutral or reject, found ${JSON.stringify(rawLabel)}` });
  }

  const rawReviewer = value.reviewer;
  let reviewer = "";
  if (typeof rawReviewer === "string" && rawReviewer.trim()) reviewer = rawReviewer.trim();
  else if (typeof rawReviewer === "number" && Number.isFinite(rawReviewer)) reviewer = String(rawReviewer);
  else errors.push({ path: "$.reviewer", error: rawReviewer === undefined ? "missing: the reviewer's name" : `expected the reviewer's name (a non-empty string), found ${JSON.stringify(rawReviewer)}` });
  if (reviewer.length > 200) errors.push({ path: "$.reviewer", error: `the reviewer's name is longer than 200 characters` });

  const rawComment = value.comment;
  let comment: string | null = null;
  if (typeof rawComment === "string") comment = rawComment.trim() ? rawComment : null;
  else if (rawComment !== undefined && rawComment !== null) errors.push({ path: "$.comment", error: `expected a string, found ${JSON.stringify(rawComment)}` });
  if (comment && comment.length > 10_000) errors.push({ path: "$.comment", error: "the comment is longer than 10000 characters" });

  const rawTime = value.time;
  let time: string | null = null;
  if (typeof rawTime === "string" && rawTime.trim()) {
    const parsed = parseIsoTime(rawTime);
    if (parsed) time = parsed.toISOString();
    else errors.push({ path: "$.time", error: `expected an ISO 8601 time such as 2026-12-06T23:10:00Z, found ${JSON.stringify(rawTime)}` });
  } else if (rawTime !== undefined && rawTime !== null && rawTime !== "") {
    errors.push({ path: "$.time", error: `expected an ISO 8601 time string such as 2026-12-06T23:10:00Z, found ${JSON.stringify(rawTime)}` });
  }

  const ignored: string[] = [];
  for (const key of Object.keys(value)) {
    if (KNOWN.has(key)) continue;
    const refused = MEANINGFUL[key];
    if (refused) errors.push({ path: `$.${key}`, error: `unsupported key "${key}": ${refused}` });
    else ignored.push(key);
  }
  if (errors.length) return { ok: false, errors };
  return { ok: true, value: { trace, step, label: label as NormalizedStepLabel["label"], reviewer, comment, time, dataset: typeof value.dataset === "string" ? value.dataset : null }, ignored };
}

function* readStepLabels(context: ReadContext): Generator<ReadItem> {
  const ignoredKeys = new Map<string, { count: number; line: number }>();
  for (const record of jsonRecords(context.file, context.progress)) {
    if ("error" in record) {
      yield { type: "error", ...record };
      continue;
    }
    const parsed = parseStepLabel(record.value);
    if (!parsed.ok) {
      for (const e of parsed.errors) yield { type: "error", line: record.line, ...e };
      continue;
    }
    for (const key of parsed.ignored ?? []) {
      const seen = ignoredKeys.get(key);
      if (seen) seen.count++;
      else ignoredKeys.set(key, { count: 1, line: record.line });
    }
    yield { type: "label", line: record.line, value: parsed.value };
  }
  if (!context.trusted && ignoredKeys.size) {
    const first = Math.min(...[...ignoredKeys.values()].map((k) => k.line));
    yield { type: "warning", line: first, message: `keys the step-labels format does not use were ignored: ${[...ignoredKeys].map(([key, k]) => `"${key}" (${k.count} line${k.count === 1 ? "" : "s"})`).join(", ")}` };
  }
}

/** A JSON object with a trace, a step and a label, and no trace-record keys. */
export function isStepLabelRecord(value: unknown): boolean {
  return isPlainObject(value) && "trace" in value && "step" in value && "label" in value && !("steps" in value) && !("question" in value);
}

export const stepLabelsFormat: FormatDefinition = {
  name: "step-labels",
  summary: "human step labels from another tool (JSONL: trace, step, label, reviewer, comment?, time?); the traces must be in the dataset",
  detect: ({ firstValue }) => isStepLabelRecord(firstValue),
  read: readStepLabels,
};
