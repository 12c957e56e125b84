import { z } from "zod";
import { getTool } from "@/lib/tools/registry";

// Pieces shared by the agent-log formats (OpenAI chat transcripts, ReAct text): tool calls
// written as code (`relate(object="obj_1", relation="left")`, Python literals included),
// positional arguments mapped onto the tool's declared parameters, and final-answer extraction.

/** Parameter names of a registered tool, in declaration order. */
export function toolParameters(name: string): string[] {
  const args = getTool(name)?.args;
  return args instanceof z.ZodObject ? Object.keys(args.shape) : [];
}

class Cursor {
  i = 0;
  constructor(readonly text: string) {}
  space(): void {
    while (this.i < this.text.length && /\s/.test(this.text[this.i])) this.i++;
  }
  peek(): string {
    this.space();
    return this.text[this.i] ?? "";
  }
  expect(c: string): void {
    if (this.peek() !== c) throw new Error(`expected "${c}" at character ${this.i + 1}${this.text[this.i] ? `, found "${this.text[this.i]}"` : ""}`);
    this.i++;
  }
}

function parseString(cursor: Cursor): string {
  const quote = cursor.text[cursor.i];
  let out = "";
  cursor.i++;
  while (cursor.i < cursor.text.length) {
    const c = cursor.text[cursor.i++];
    if (c === quote) return out;
    if (c === "\\") {
      const next = cursor.text[cursor.i++];
      out += next === "n" ? "\n" : next === "t" ? "\t" : next;
    } else out += c;
  }
  throw new Error("unterminated string");
}

function parseValue(cursor: Cursor): unknown {
  const c = cursor.peek();
  if (c === '"' || c === "'") return parseString(cursor);
  if (c === "[" || c === "(") {
    const close = c === "[" ? "]" : ")";
    cursor.i++;
    const items: unknown[] = [];
    while (cursor.peek() !== close) {
      items.push(parseValue(cursor));
      if (cursor.peek() === ",") cursor.i++;
      else break;
    }
    cursor.expect(close);
    return items;
  }
  if (c === "{") {
    cursor.i++;
    const object: Record<string, unknown> = {};
    while (cursor.peek() !== "}") {
      const key = parseValue(cursor);
      cursor.expect(":");
      object[String(key)] = parseValue(cursor);
      if (cursor.peek() === ",") cursor.i++;
      else break;
    }
    cursor.expect("}");
    return object;
  }
  const match = /^-?\d+(\.\d+)?([eE][-+]?\d+)?|^[A-Za-z_][\w.]*/.exec(cursor.text.slice(cursor.i));
  if (!match) throw new Error(`unexpected "${c || "end of text"}" at character ${cursor.i + 1}`);
  cursor.i += match[0].length;
  const word = match[0];
  if (/^-?\d/.test(word)) return Number(word);
  if (word === "True" || word === "true") return true;
  if (word === "False" || word === "false") return false;
  if (word === "None" || word === "null") return null;
  return word; // a bare name (a variable such as obj_1 or IMAGE): kept as its text
}

/** A Python / JSON literal (lists, dicts, strings in either quote, True/False/None). */
export function parseLiteral(text: string): unknown {
  const cursor = new Cursor(text.trim());
  const value = parseValue(cursor);
  cursor.space();
  if (cursor.i !== cursor.text.length) throw new Error(`unexpected text after the value at character ${cursor.i + 1}`);
  return value;
}

/**
 * `tool(a, k=v, ...)` → { tool, args }; positional arguments take the tool's parameter names in
 * order. Returns null when the text is not a call.
 */
export function parseCallExpression(text: string): { tool: string; args: Record<string, unknown> } | { error: string } | null {
  const match = /^\s*([A-Za-z_][\w.]*)\s*\(([\s\S]*)\)\s*;?\s*$/.exec(text);
  if (!match) return null;
  const tool = match[1].replace(/^(tools?|functions)\./, "");
  const cursor = new Cursor(match[2]);
  const args: Record<string, unknown> = {};
  const positional: unknown[] = [];
  try {
    while (cursor.peek() !== "") {
      const keyword = /^([A-Za-z_]\w*)\s*=(?!=)/.exec(cursor.text.slice(cursor.i));
      if (keyword) {
        cursor.i += keyword[0].length;
        args[keyword[1]] = parseValue(cursor);
      } else {
        if (Object.keys(args).length) throw new Error("a positional argument follows a keyword argument");
        positional.push(parseValue(cursor));
      }
      if (cursor.peek() === ",") cursor.i++;
      else if (cursor.peek() !== "") throw new Error(`expected "," at character ${cursor.i + 1}`);
    }
  } catch (error) {
    return { error: `cannot read the arguments of ${tool}(…): ${(error as Error).message}` };
  }
  if (positional.length) {
    const names = toolParameters(tool);
    if (positional.length > names.length) return { error: `${tool} takes ${names.length ? names.join(", ") : "no positional arguments"}; ${positional.length} positional arguments given` };
    positional.forEach((value, i) => (args[names[i]] = value));
  }
  return { tool, args };
}

/** A tool's output as logged: JSON, else a Python literal, else the text itself. */
export function parseOutput(text: string): unknown {
  const trimmed = text.trim();
  try {
    return JSON.parse(trimmed);
  } catch {
    if (/^[[{('"]/.test(trimmed) || /^(True|False|None)$/.test(trimmed)) {
      try {
        return parseLiteral(trimmed);
      } catch {
        return trimmed;
      }
    }
    return trimmed;
  }
}

const FINAL = /(?:^|\n|(?<=[.!?])[ \t]+)\s*(?:\*\*)?(?:final answer|answer)(?:\*\*)?\s*[:：]\s*([\s\S]+?)\s*$/i;

/** "…reasoning… Final answer: 2" → { before, answer }; null when no answer is marked. */
export function splitFinalAnswer(text: string): { before: string; answer: string } | null {
  const match = FINAL.exec(text);
  if (!match) return null;
  const answer = match[1].replace(/\s*TERMINATE\s*$/i, "").trim();
  return { before: text.slice(0, match.index).trim(), answer };
}

/** "… So the answer is (A). TERMINATE" → "(A)" with the sentence kept as reasoning; otherwise the whole text. */
export function answerOf(text: string): { reasoning: string | null; answer: string } {
  const clean = text.replace(/\s*TERMINATE\s*$/i, "").trim();
  const match = /^([\s\S]*?)\s*(?:so\s+)?the (?:final )?answer is:?\s*\**(\([A-Za-z0-9]+\)|[A-Za-z0-9][\w\-.]*?)\**\.?\s*$/i.exec(clean);
  if (match && match[1].trim()) return { reasoning: clean, answer: match[2] };
  return { reasoning: null, answer: clean };
}
