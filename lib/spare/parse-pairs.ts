// Tolerant reading of an LLM's question-answer list (docs/design.md §12). Models wrap JSON in
// ```json fences, add chatter before and after, think aloud first, stop mid-list at the token
// limit, leave trailing commas, or return an object holding the list. What is recoverable is
// recovered — a truncated list up to its last complete item — and the rest is counted.

export interface RawPair {
  question: string;
  answer: string;
}

export interface ParsedPairs {
  /** false: nothing readable (the caller keeps the raw text and counts the answer unparseable). */
  ok: boolean;
  pairs: RawPair[];
  /** The list was cut off and read up to its last complete item. */
  truncated: boolean;
  /** Items that were not {question, answer} objects. */
  invalidItems: number;
}

const QUESTION_KEYS = ["question", "q", "query", "prompt"];
const ANSWER_KEYS = ["answer", "a", "response", "ans"];
const LIST_KEYS = ["pairs", "qa_pairs", "qa", "questions", "data", "items", "results", "output"];

function field(record: Record<string, unknown>, names: string[]): unknown {
  for (const key of Object.keys(record)) if (names.includes(key.toLowerCase().replace(/[\s-]+/g, "_"))) return record[key];
  return undefined;
}

function asText(value: unknown): string | null {
  if (typeof value === "string") return value.trim() || null;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return null;
}

function toPairs(items: unknown[]): { pairs: RawPair[]; invalid: number } {
  const pairs: RawPair[] = [];
  let invalid = 0;
  for (const item of items) {
    if (!item || typeof item !== "object" || Array.isArray(item)) {
      invalid++;
      continue;
    }
    const question = asText(field(item as Record<string, unknown>, QUESTION_KEYS));
    const answer = asText(field(item as Record<string, unknown>, ANSWER_KEYS));
    if (question && answer) pairs.push({ question, answer });
    else invalid++;
  }
  return { pairs, invalid };
}

function listIn(value: unknown): unknown[] | null {
  if (Array.isArray(value)) return value;
  if (value && typeof value === "object") {
    const record = value as Record<string, unknown>;
    const inner = field(record, LIST_KEYS);
    if (Array.isArray(inner)) return inner;
    if (field(record, QUESTION_KEYS) !== undefined) return [record];
  }
  return null;
}

function tryJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    try {
      return JSON.parse(text.replace(/,\s*([\]}])/g, "$1"));
    } catch {
      return undefined;
    }
  }
}

/** The end offsets (exclusive) of each complete top-level item of the list opening at `open`. */
function completeItemEnds(text: string, open: number): { ends: number[]; closed: number | null } {
  const ends: number[] = [];
  let depth = 0;
  let inString = false;
  let escaped = false;
  for (let i = open; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (escaped) escaped = false;
      else if (c === "\\") escaped = true;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') inString = true;
    else if (c === "[" || c === "{") depth++;
    else if (c === "]" || c === "}") {
      depth--;
      if (depth === 1) ends.push(i + 1);
      if (depth === 0) return { ends, closed: i + 1 };
    }
  }
  return { ends, closed: null };
}

export function parsePairs(raw: string): ParsedPairs {
  const failed: ParsedPairs = { ok: false, pairs: [], truncated: false, invalidItems: 0 };
  let text = raw.replace(/<think>[\s\S]*?(<\/think>|$)/gi, " ");
  const fence = /```[a-zA-Z]*\s*\n?([\s\S]*?)(```|$)/.exec(text);
  if (fence && /[[{]/.test(fence[1])) text = fence[1];

  const whole = tryJson(text.trim());
  const wholeList = listIn(whole);
  if (wholeList) {
    const { pairs, invalid } = toPairs(wholeList);
    return { ok: pairs.length > 0 || wholeList.length === 0, pairs, truncated: false, invalidItems: invalid };
  }

  // chatter around a list: try each "[" that opens a list of objects
  for (let open = text.indexOf("["); open !== -1; open = text.indexOf("[", open + 1)) {
    if (!/^\[\s*[{\]]/.test(text.slice(open, open + 200))) continue;
    const { ends, closed } = completeItemEnds(text, open);
    if (closed !== null) {
      const list = listIn(tryJson(text.slice(open, closed)));
      if (list) {
        const { pairs, invalid } = toPairs(list);
        return { ok: pairs.length > 0 || list.length === 0, pairs, truncated: false, invalidItems: invalid };
      }
      continue;
    }
    if (ends.length > 0) {
      const list = listIn(tryJson(`${text.slice(open, ends[ends.length - 1])}]`));
      if (list) {
        const { pairs, invalid } = toPairs(list);
        if (pairs.length > 0) return { ok: true, pairs, truncated: true, invalidItems: invalid };
      }
    }
    return failed;
  }

  // one object per line (JSON lines), or a bare object holding the list
  const objects = text
    .split("\n")
    .map((line) => line.trim().replace(/,$/, ""))
    .filter((line) => line.startsWith("{"))
    .map(tryJson)
    .filter((v) => v !== undefined);
  if (objects.length > 0) {
    const nested = objects.length === 1 ? listIn(objects[0]) : null;
    const { pairs, invalid } = toPairs(nested ?? objects);
    if (pairs.length > 0) return { ok: true, pairs, truncated: false, invalidItems: invalid };
  }
  const object = text.indexOf("{");
  if (object >= 0) {
    const { closed } = completeItemEnds(text, object);
    const list = closed !== null ? listIn(tryJson(text.slice(object, closed))) : null;
    if (list) {
      const { pairs, invalid } = toPairs(list);
      if (pairs.length > 0) return { ok: true, pairs, truncated: false, invalidItems: invalid };
    }
  }
  return failed;
}
