// Tolerant reading of an LLM's question-answer list (docs/design.md §12). Models wrap JSON in
// ```json fences, add chatter before and after, think aloud first, stop mid-list at the token
// limit, leave trailing commas, or return an object holding the list. What is recoverable is
// recovered — a truncated list up to its last complete item — and the rest is counted.
//
// Beyond JSON: Python-style literals (single quotes, True / None), and plain text in the shapes
// models fall back to — "Q1: … A1: …", "**Question:** … **Answer:** …", markdown bullet lists
// ("- Where is the cup? — On the table.", or the answer on the next, indented line).

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

const QUESTION_KEYS = ["question", "q", "query", "prompt", "question_text", "ques", "instruction"];
const ANSWER_KEYS = ["answer", "a", "response", "ans", "answer_text", "reply", "output"];
const LIST_KEYS = ["pairs", "qa_pairs", "qa", "qas", "qa_list", "question_answer_pairs", "questions", "data", "items", "results", "output", "conversations"];

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
    // any other wrapper ({"spatial_qa": [...]}): its one list of objects
    const lists = Object.values(record).filter((v): v is unknown[] => Array.isArray(v) && v.some((x) => x && typeof x === "object" && !Array.isArray(x)));
    if (lists.length === 1) return lists[0];
    // {"Where is the cup?": "On the table.", …}: questions as keys
    const entries = Object.entries(record);
    if (entries.length > 0 && entries.every(([k, v]) => k.trim().endsWith("?") && asText(v) !== null)) return entries.map(([question, answer]) => ({ question, answer }));
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
  const unthought = raw.replace(/<think>[\s\S]*?(<\/think>|$)/gi, " ");
  let text = unthought;
  const fence = /```[a-zA-Z]*\s*\n?([\s\S]*?)(```|$)/.exec(text);
  if (fence && /[[{]/.test(fence[1])) text = fence[1];
  const json = jsonPairs(text) ?? (SINGLE_QUOTED.test(text) ? jsonPairs(pythonToJson(text)) : null);
  if (json) return json;
  return textPairs(unthought.replace(/```[a-zA-Z]*/g, "")) ?? failed;
}

/** A Python-style literal: a single-quoted string where a JSON value or key starts. */
const SINGLE_QUOTED = /[[{,:]\s*'/;

/**
 * Python-style literals → JSON: single-quoted strings in value / key position become JSON strings
 * (a quote ends one only before , : } ] or the end, so "it's" inside survives), True / False /
 * None outside strings become true / false / null. An unterminated string stays open (truncation).
 */
export function pythonToJson(text: string): string {
  let out = "";
  let i = 0;
  let last = "";
  while (i < text.length) {
    const c = text[i];
    if (c === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === "\\" ? 2 : 1;
      out += text.slice(i, j + 1);
      i = j + 1;
      last = '"';
      continue;
    }
    if (c === "'" && "[{,:".includes(last)) {
      let j = i + 1;
      let value = "";
      let closed = false;
      while (j < text.length) {
        if (text[j] === "\\" && j + 1 < text.length) {
          value += text[j + 1] === "'" ? "'" : text.slice(j, j + 2);
          j += 2;
          continue;
        }
        if (text[j] === "'" && /^\s*([,:}\]]|$)/.test(text.slice(j + 1, j + 40))) {
          closed = true;
          break;
        }
        value += text[j++];
      }
      const encoded = JSON.stringify(value.replace(/\\(?!["\\/bfnrtu])/g, ""));
      out += closed ? encoded : encoded.slice(0, -1);
      i = closed ? j + 1 : j;
      last = '"';
      continue;
    }
    const word = /^(True|False|None)\b/.exec(text.slice(i, i + 6));
    if (word && !/[\w]/.test(text[i - 1] ?? "")) {
      out += word[1] === "True" ? "true" : word[1] === "False" ? "false" : "null";
      i += word[1].length;
      last = "e";
      continue;
    }
    out += c;
    if (!/\s/.test(c)) last = c;
    i++;
  }
  return out;
}

/** Question / answer markers of text answers: "Q1:", "Question 2.", "A:", "Answer —". */
const MARKER = /(?:^|\n|(?<=[?.!"')\]])[ \t]+)[ \t]*(?:[-*•+][ \t]*|\d+[.)][ \t]*)?(?:(question|q)|(answer|a))[ \t]*#?\d*[ \t]*(?:[:)]|\.(?=\s)|[-–—](?=\s))[ \t]*/gi;
const BULLET = /^[ \t]*(?:[-*•+]|\d+[.)])[ \t]+(.*)$/;

const clean = (text: string) => text.replace(/\s+/g, " ").replace(/^[\s\-–—:>→]+/, "").trim();

/** Pairs written as text: Q/A markers first, else a bullet list of "question? answer" items. */
function textPairs(raw: string): ParsedPairs | null {
  const text = raw.replace(/\*\*|__/g, "").replace(/\r\n?/g, "\n");
  const marks: Array<{ kind: "q" | "a"; start: number; end: number }> = [];
  for (let m = MARKER.exec(text); m; m = MARKER.exec(text)) {
    marks.push({ kind: m[1] ? "q" : "a", start: m.index, end: m.index + m[0].length });
    if (m[0].length === 0) MARKER.lastIndex++;
  }
  MARKER.lastIndex = 0;
  const pairs: RawPair[] = [];
  let invalid = 0;
  let truncated = false;
  if (marks.some((m) => m.kind === "q") && marks.some((m) => m.kind === "a")) {
    for (let k = 0; k < marks.length; k++) {
      if (marks[k].kind !== "q") continue;
      const question = clean(text.slice(marks[k].end, marks[k + 1]?.start ?? text.length));
      const next = marks[k + 1];
      if (!next || next.kind !== "a") {
        if (!next) truncated = true;
        else invalid++;
        continue;
      }
      // the answer runs to the next marker, or to a blank line before unmarked trailing chatter
      const rest = text.slice(next.end, marks[k + 2]?.start ?? text.length);
      const answer = clean(marks[k + 2] ? rest : rest.split(/\n[ \t]*\n/)[0]);
      if (question && answer) pairs.push({ question, answer });
      else invalid++;
      k++;
    }
    if (pairs.length > 0) return { ok: true, pairs, truncated, invalidItems: invalid };
  }
  // bullets: "- Where is the cup? On the table." or the answer on the next line
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const bullet = BULLET.exec(lines[i]);
    if (!bullet) continue;
    const item = bullet[1].trim();
    const mark = item.indexOf("?");
    if (mark < 0) continue;
    const question = clean(item.slice(0, mark + 1));
    let answer = clean(item.slice(mark + 1));
    if (!answer) {
      const following = lines[i + 1];
      if (following !== undefined && following.trim() && !following.includes("?") && (/^\s/.test(following) || !BULLET.test(following))) {
        answer = clean(BULLET.exec(following)?.[1] ?? following);
        i++;
      } else if (following === undefined) truncated = true;
    }
    if (question && answer) pairs.push({ question, answer });
  }
  return pairs.length > 0 ? { ok: true, pairs, truncated, invalidItems: invalid } : null;
}

/** The JSON readings (whole, a list inside chatter, JSON lines, an object): null when none reads. */
function jsonPairs(text: string): ParsedPairs | null {
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
    return null;
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
  return null;
}
