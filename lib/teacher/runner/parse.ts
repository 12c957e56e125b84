import type { ResponseMessage } from "@/lib/teacher/endpoint/types";

// Tolerant reading of what real servers send back for a tool-calling turn (docs/design.md §11).
// Native `tool_calls` first; when a server's tool parser is off (vLLM without
// --tool-call-parser, Ollama templates, base models) the calls arrive in `content` as Hermes /
// Qwen `<tool_call>{…}</tool_call>` blocks, fenced ```json blocks, or JSON-in-text agents
// `{"thought", "actions": [{"name", "arguments"}]}`. Arguments may be a JSON string, an object,
// cut off (closing brackets missing — repaired only by closing them), or Python-dict quoted.
// Whatever cannot be read is kept verbatim as `argsRaw`, never dropped. Every fallback is named
// so the job can count it.

export type ParseFallback =
  | "hermes"
  | "fenced"
  | "json_actions"
  | "bare_json"
  | "repaired_args"
  | "python_args"
  | "object_args"
  | "unparseable_args"
  | "missing_name"
  | "reasoning_content"
  | "think"
  | "python_tag"
  | "mistral"
  | "pythonic"
  | "content_parts";

export interface ParsedCall {
  id: string | null;
  name: string;
  /** The arguments exactly as sent (a JSON string, or the JSON of an object sent as one). */
  argsRaw: string;
  /** Parsed args; null when unreadable. */
  args: Record<string, unknown> | null;
  /** How the call was found and read: "native", "hermes", … plus repairs. */
  via: ParseFallback[];
}

export interface ParsedTurn {
  /** The assistant's text with tool-call markup removed (trimmed; "" when none). */
  text: string;
  calls: ParsedCall[];
  fallbacks: ParseFallback[];
}

/** Reads a tool call's arguments: JSON, then repaired JSON, then Python-dict literal. */
export function parseArguments(raw: unknown): { args: Record<string, unknown> | null; raw: string; via: ParseFallback[] } {
  if (raw === null || raw === undefined || raw === "") return { args: {}, raw: raw === "" ? "" : "{}", via: [] };
  if (typeof raw === "object" && !Array.isArray(raw)) return { args: raw as Record<string, unknown>, raw: JSON.stringify(raw), via: ["object_args"] };
  if (typeof raw !== "string") return { args: null, raw: JSON.stringify(raw), via: ["unparseable_args"] };
  const text = raw.trim();
  const direct = tryJson(text);
  if (direct.ok) {
    if (isRecord(direct.value)) return { args: direct.value, raw, via: [] };
    // double-encoded: "{\"a\": 1}"
    if (typeof direct.value === "string") {
      const inner = tryJson(direct.value.trim());
      if (inner.ok && isRecord(inner.value)) return { args: inner.value, raw, via: ["repaired_args"] };
    }
    return { args: null, raw, via: ["unparseable_args"] };
  }
  const repaired = repairTruncated(text);
  if (repaired !== null) {
    const value = tryJson(repaired);
    if (value.ok && isRecord(value.value)) return { args: value.value, raw, via: ["repaired_args"] };
  }
  const python = fromPythonLiteral(text);
  if (python !== null) {
    let value = tryJson(python);
    let via: ParseFallback[] = ["python_args"];
    if (!value.ok) {
      const fixed = repairTruncated(python);
      if (fixed !== null) {
        value = tryJson(fixed);
        via = ["python_args", "repaired_args"];
      }
    }
    if (value.ok && isRecord(value.value)) return { args: value.value, raw, via };
  }
  return { args: null, raw, via: ["unparseable_args"] };
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

function tryJson(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}

/**
 * Closes what a cut-off JSON text left open: an unterminated string, then the open arrays and
 * objects in reverse order; a dangling `,` or `:` (a key without its value) is dropped first.
 * Null when the text is not a cut-off JSON object (wrong closer, nothing open).
 */
export function repairTruncated(text: string): string | null {
  const start = text.indexOf("{");
  if (start < 0) return null;
  const stack: string[] = [];
  let inString = false;
  let escaped = false;
  let end = text.length;
  for (let i = start; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (escaped) escaped = false;
      else if (c === "\\") escaped = true;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') inString = true;
    else if (c === "{" || c === "[") stack.push(c === "{" ? "}" : "]");
    else if (c === "}" || c === "]") {
      if (stack.pop() !== c) return null;
      if (stack.length === 0) {
        end = i + 1;
        break;
      }
    }
  }
  if (stack.length === 0) return end < text.length ? text.slice(start, end) : null;
  let out = text.slice(start);
  if (inString) out += escaped ? '\\"' : '"';
  // drop a trailing separator or a key left without value
  out = out.replace(/,\s*$/, "").replace(/,\s*"[^"]*"\s*:\s*$/, "").replace(/\{\s*"[^"]*"\s*:\s*$/, "{").replace(/:\s*$/, ": null");
  return out + stack.reverse().join("");
}

/** Python literal → JSON text: single-quoted strings, True/False/None, trailing commas. Null when nothing changes. */
export function fromPythonLiteral(text: string): string | null {
  let out = "";
  let i = 0;
  let changed = false;
  while (i < text.length) {
    const c = text[i];
    if (c === "'" || c === '"') {
      const quote = c;
      let j = i + 1;
      let body = "";
      while (j < text.length && text[j] !== quote) {
        if (text[j] === "\\" && j + 1 < text.length) {
          const next = text[j + 1];
          body += next === quote ? quote : `\\${next}`;
          j += 2;
          continue;
        }
        body += text[j];
        j++;
      }
      if (quote === "'") changed = true;
      out += `"${body.replace(/(?<!\\)"/g, '\\"')}"`;
      i = j < text.length ? j + 1 : j;
      if (j >= text.length) out = out.slice(0, -1); // unterminated: leave it open for repair
      continue;
    }
    const word = c === "T" || c === "F" || c === "N" ? /^(True|False|None)\b/.exec(text.slice(i, i + 6)) : null;
    if (word && !/[A-Za-z0-9_]/.test(text[i - 1] ?? "")) {
      out += word[1] === "True" ? "true" : word[1] === "False" ? "false" : "null";
      i += word[1].length;
      changed = true;
      continue;
    }
    out += c;
    i++;
  }
  const trailing = out.replace(/,(\s*[}\]])/g, "$1");
  if (trailing !== out) changed = true;
  return changed ? trailing : null;
}

/** Native tool_calls of a response message. */
function nativeCalls(message: ResponseMessage): ParsedCall[] {
  if (!Array.isArray(message.tool_calls)) return [];
  return message.tool_calls.map((call) => {
    // some servers flatten the call ({name, arguments}) or send `parameters` (Llama templates)
    const fn = (isRecord(call?.function) ? call.function : isRecord(call) ? call : {}) as { name?: unknown; arguments?: unknown; parameters?: unknown };
    const name = typeof fn.name === "string" ? fn.name.trim() : "";
    const parsed = parseArguments(fn.arguments !== undefined ? fn.arguments : fn.parameters);
    return { id: typeof call?.id === "string" && call.id ? call.id : null, name, argsRaw: parsed.raw, args: parsed.args, via: [...(name ? [] : (["missing_name"] as ParseFallback[])), ...parsed.via] };
  });
}

/** A call object as JSON agents write it: {name, arguments|args|parameters|input} or {function: {…}} or {tool, tool_input}. */
function callFromObject(value: unknown, via: ParseFallback): ParsedCall | null {
  if (!isRecord(value)) return null;
  const inner = isRecord(value.function) ? value.function : value;
  const name = [inner.name, value.name, value.tool, value.action, value.tool_name].find((n) => typeof n === "string" && n.trim()) as string | undefined;
  const argsValue = ["arguments", "args", "parameters", "input", "tool_input", "action_input"].map((k) => inner[k] ?? value[k]).find((v) => v !== undefined);
  if (!name) return null;
  const parsed = parseArguments(argsValue ?? {});
  const via2 = parsed.via.filter((v) => v !== "object_args");
  return { id: typeof value.id === "string" ? value.id : null, name: name.trim(), argsRaw: parsed.raw, args: parsed.args, via: [via, ...via2] };
}

/** Calls inside a JSON value: one call, a list of calls, or an agent's {thought, actions|action|tool_calls}. */
function callsFromValue(value: unknown, via: ParseFallback): { calls: ParsedCall[]; thought: string | null } | null {
  if (Array.isArray(value)) {
    const calls = value.map((v) => callFromObject(v, via));
    return calls.length && calls.every((c) => c !== null) ? { calls: calls as ParsedCall[], thought: null } : null;
  }
  if (!isRecord(value)) return null;
  const thought = ["thought", "thoughts", "reasoning", "think", "plan"].map((k) => value[k]).find((t) => typeof t === "string") as string | undefined;
  const list = value.actions ?? value.tool_calls ?? value.calls ?? (isRecord(value.action) ? [value.action] : undefined);
  if (Array.isArray(list)) {
    const calls = list.map((v) => callFromObject(v, via === "fenced" || via === "hermes" ? via : "json_actions"));
    if (calls.every((c) => c !== null)) return { calls: calls as ParsedCall[], thought: thought ?? null };
    return null;
  }
  const single = callFromObject(value, via);
  if (single) return { calls: [single], thought: thought ?? null };
  if (thought !== undefined && ("answer" in value || "final_answer" in value)) return { calls: [], thought };
  return null;
}

/** Parses a JSON text that may be cut off or Python-quoted (for a whole call block). */
function looseJson(text: string): { value: unknown; repaired: boolean; python: boolean } | null {
  const direct = tryJson(text);
  if (direct.ok) return { value: direct.value, repaired: false, python: false };
  const repaired = repairTruncated(text);
  if (repaired) {
    const value = tryJson(repaired);
    if (value.ok) return { value: value.value, repaired: true, python: false };
  }
  const python = fromPythonLiteral(text);
  if (python) {
    const value = tryJson(python) ;
    if (value.ok) return { value: value.value, repaired: false, python: true };
    const fixed = repairTruncated(python);
    const again = fixed ? tryJson(fixed) : { ok: false as const };
    if (again.ok) return { value: again.value, repaired: true, python: true };
  }
  return null;
}

/** A call block's text (between <tool_call> tags, inside a fence) that names a tool but cannot be read: kept verbatim. */
function unreadableCall(text: string, via: ParseFallback): ParsedCall | null {
  const name = /["']?(?:name|tool)["']?\s*[:=]\s*["']([A-Za-z_][\w.-]*)["']/.exec(text)?.[1];
  if (!name) return null;
  const argsAt = /["']?(?:arguments|args|parameters)["']?\s*[:=]\s*/.exec(text);
  const argsRaw = argsAt ? text.slice(argsAt.index + argsAt[0].length).replace(/\}\s*$/, "").trim() : text;
  return { id: null, name, argsRaw, args: null, via: [via, "unparseable_args"] };
}

function blockCalls(body: string, via: ParseFallback): { calls: ParsedCall[]; thought: string | null } | null {
  const loose = looseJson(body.trim());
  if (loose) {
    const found = callsFromValue(loose.value, via);
    if (found) {
      const extra: ParseFallback[] = [...(loose.repaired ? (["repaired_args"] as ParseFallback[]) : []), ...(loose.python ? (["python_args"] as ParseFallback[]) : [])];
      for (const call of found.calls) for (const e of extra) if (!call.via.includes(e)) call.via.push(e);
      return found;
    }
    return null;
  }
  const unreadable = unreadableCall(body, via);
  return unreadable ? { calls: [unreadable], thought: null } : null;
}

const HERMES = /<(tool_call|function_call|tool_use)>\s*([\s\S]*?)\s*(?:<\/\1>|$)/gi;
const FENCE = /```[ \t]*(?:json|tool_call|tool|javascript|js|python)?[ \t]*\n?([\s\S]*?)(?:```|$)/gi;

/** The visible text of a message's content: a string, or an array of parts (their text joined). */
function contentText(content: unknown): { text: string; parts: boolean } {
  if (typeof content === "string") return { text: content, parts: false };
  if (Array.isArray(content)) {
    const text = content.map((p) => (typeof p === "string" ? p : isRecord(p) && typeof p.text === "string" ? p.text : isRecord(p) && typeof p.content === "string" ? p.content : "")).join("");
    return { text, parts: true };
  }
  return { text: "", parts: false };
}

/**
 * Thinking out of the visible content: `<think>…</think>` blocks (Qwen3, DeepSeek-R1 templates), a
 * closing `</think>` whose opening tag the template put in the prompt, and an unclosed `<think>` cut
 * off by max_tokens. Thinking is reasoning text; tool calls are never read from it.
 */
function splitThinking(content: string): { thinking: string[]; visible: string } {
  const thinking: string[] = [];
  let visible = content.replace(/<think(?:ing)?>([\s\S]*?)<\/think(?:ing)?>/gi, (_m, body: string) => {
    thinking.push(body.trim());
    return "\n";
  });
  const close = /<\/think(?:ing)?>/i.exec(visible);
  if (close) {
    thinking.unshift(visible.slice(0, close.index).trim());
    visible = visible.slice(close.index + close[0].length);
  }
  const open = /<think(?:ing)?>/i.exec(visible);
  if (open) {
    thinking.push(visible.slice(open.index + open[0].length).trim());
    visible = visible.slice(0, open.index);
  }
  return { thinking: thinking.filter(Boolean), visible };
}

/** Splits `a(x=1), b(y="z")` at top-level commas (outside brackets and strings). */
function topLevelSplit(text: string, separator: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let quote: string | null = null;
  let from = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === "\\") i++;
      else if (c === quote) quote = null;
      continue;
    }
    if (c === '"' || c === "'") quote = c;
    else if (c === "(" || c === "[" || c === "{") depth++;
    else if (c === ")" || c === "]" || c === "}") depth--;
    else if (c === separator && depth === 0) {
      out.push(text.slice(from, i));
      from = i + 1;
    }
  }
  out.push(text.slice(from));
  return out.map((part) => part.trim()).filter(Boolean);
}

/** A Python literal (string, number, True/False/None, list, dict) → a JSON value; undefined when unreadable. */
function pythonValue(text: string): unknown {
  const direct = tryJson(text);
  if (direct.ok) return direct.value;
  const converted = fromPythonLiteral(text);
  if (converted !== null) {
    const value = tryJson(converted);
    if (value.ok) return value.value;
  }
  return undefined;
}

/**
 * Pythonic calls (Llama 3.2+ / vLLM's `pythonic` parser, Llama 3.1 built-in tools):
 * `[name(a=1, b="x"), other()]`, `name(a=1)` or `name.call(a=1)`. Null when the text is not that.
 */
function pythonicCalls(text: string, via: ParseFallback): ParsedCall[] | null {
  let body = text.trim();
  if (body.startsWith("[") && body.endsWith("]")) body = body.slice(1, -1);
  const parts = topLevelSplit(body, ",");
  if (!parts.length) return null;
  const calls: ParsedCall[] = [];
  for (const part of parts) {
    const match = /^([A-Za-z_][\w.]*?)(?:\.call)?\(([\s\S]*)\)$/.exec(part);
    if (!match) return null;
    const args: Record<string, unknown> = {};
    let readable = true;
    for (const pair of topLevelSplit(match[2], ",")) {
      const kv = /^([A-Za-z_]\w*)\s*=\s*([\s\S]+)$/.exec(pair);
      const value = kv ? pythonValue(kv[2].trim()) : undefined;
      if (!kv || value === undefined) {
        readable = false;
        break;
      }
      args[kv[1]] = value;
    }
    calls.push({ id: null, name: match[1], argsRaw: match[2].trim(), args: readable ? args : null, via: readable ? [via] : [via, "unparseable_args"] });
  }
  return calls;
}

/**
 * Llama 3.1's `<|python_tag|>` calls: JSON `{"name", "parameters"}` (one, several separated by `;`
 * or newlines, or a list) or Python-style `tool.call(query="…")`, up to `<|eom_id|>` / `<|eot_id|>`.
 */
function pythonTagCalls(body: string): ParsedCall[] | null {
  const text = body.replace(/<\|(?:eom_id|eot_id|eom|eot)\|>[\s\S]*$/, "").trim();
  if (!text) return null;
  const pieces = topLevelSplit(text.replace(/\n(?=\s*\{)/g, ";"), ";");
  if (pieces.length > 1) {
    const found = pieces.map((piece) => blockCalls(piece, "python_tag"));
    if (found.every((f) => f?.calls.length)) return found.flatMap((f) => f!.calls);
  }
  const whole = blockCalls(text, "python_tag");
  if (whole?.calls.length) return whole.calls;
  return pythonicCalls(text, "python_tag");
}

/**
 * Mistral's `[TOOL_CALLS]`: a JSON list `[{"name", "arguments", "id"?}]` (v3 tokenizer) or, since
 * the v11 tokenizer, `name[ARGS]{…}` (optionally `name[CALL_ID]id[ARGS]{…}`), repeated per call.
 */
function mistralCalls(segments: string[]): ParsedCall[] | null {
  const calls: ParsedCall[] = [];
  for (const segment of segments) {
    const text = segment.replace(/<\/s>\s*$/, "").trim();
    if (!text) continue;
    const named = /^([A-Za-z_][\w.-]*)\s*(?:\[CALL_ID\]\s*([\w-]+)\s*)?\[ARGS\]\s*([\s\S]*)$/.exec(text);
    if (named) {
      const parsed = parseArguments(named[3].trim());
      calls.push({ id: named[2] ?? null, name: named[1], argsRaw: parsed.raw, args: parsed.args, via: ["mistral", ...parsed.via.filter((v) => v !== "object_args")] });
      continue;
    }
    const found = blockCalls(text, "mistral");
    if (!found?.calls.length) return null;
    calls.push(...found.calls);
  }
  return calls.length ? calls : null;
}

/**
 * One assistant message → its text and tool calls. Content-embedded calls are read only when the
 * message has no native calls; never from thinking (`<think>` blocks, `reasoning_content`), which
 * is kept as reasoning text ahead of the visible text.
 */
export function parseTurn(message: ResponseMessage): ParsedTurn {
  const fallbacks: ParseFallback[] = [];
  const read = contentText(message.content);
  if (read.parts && read.text) fallbacks.push("content_parts");
  const split = splitThinking(read.text);
  if (split.thinking.length) fallbacks.push("think");
  const thinking = split.thinking;
  const separate = [message.reasoning_content, (message as { reasoning?: unknown }).reasoning].find((r) => typeof r === "string" && r.trim()) as string | undefined;
  if (separate) {
    thinking.unshift(separate.trim());
    fallbacks.push("reasoning_content");
  }
  const withThinking = (text: string) => [...thinking, text.trim()].filter(Boolean).join("\n\n");
  const content = split.visible;
  const native = nativeCalls(message);
  if (native.length) {
    const calls = native.filter((c) => c.name || c.argsRaw !== "{}");
    for (const c of calls) fallbacks.push(...c.via);
    return { text: withThinking(content), calls, fallbacks };
  }

  let calls: ParsedCall[] = [];
  let text = content;
  // 0. model-specific special tokens: Llama 3.1 <|python_tag|>, Mistral [TOOL_CALLS]
  const tag = content.indexOf("<|python_tag|>");
  if (tag >= 0) {
    const found = pythonTagCalls(content.slice(tag + "<|python_tag|>".length));
    if (found) {
      calls = found;
      text = content.slice(0, tag);
    }
  }
  if (!calls.length && content.includes("[TOOL_CALLS]")) {
    const [before, ...segments] = content.split("[TOOL_CALLS]");
    const found = mistralCalls(segments);
    if (found) {
      calls = found;
      text = before;
    }
  }
  // 1. Hermes / Qwen tags (possibly unterminated when the response was cut off)
  if (!calls.length && /<(tool_call|function_call|tool_use)>/i.test(content)) {
    text = content.replace(HERMES, (_match, _tag, body: string) => {
      const found = blockCalls(body.replace(/^```(?:json)?|```$/g, ""), "hermes");
      if (found) {
        calls.push(...found.calls);
        return found.thought ? `\n${found.thought}\n` : "\n";
      }
      return _match;
    });
  }
  // 2. fenced blocks holding a call
  if (!calls.length && content.includes("```")) {
    text = content.replace(FENCE, (match, body: string) => {
      const found = blockCalls(body, "fenced");
      if (found && found.calls.length) {
        calls.push(...found.calls);
        return found.thought ? `\n${found.thought}\n` : "\n";
      }
      return match;
    });
  }
  // 3. the whole content (or its trailing part) is a JSON agent object / call
  if (!calls.length) {
    const start = content.indexOf("{");
    const arrayStart = content.indexOf("[");
    const at = start < 0 ? arrayStart : arrayStart < 0 ? start : Math.min(start, arrayStart);
    if (at >= 0) {
      const found = blockCalls(content.slice(at), at === 0 ? "json_actions" : "bare_json");
      if (found && (found.calls.length || found.thought !== null)) {
        calls.push(...found.calls);
        text = `${content.slice(0, at)}\n${found.thought ?? ""}`;
      }
    }
  }
  // 4. the whole content is a pythonic call list: [get_color(object="obj_1")]
  if (!calls.length && /^\s*\[?\s*[A-Za-z_][\w.]*\(/.test(content) && /\)\s*\]?\s*$/.test(content)) {
    const found = pythonicCalls(content, "pythonic");
    if (found) {
      calls = found;
      text = "";
    }
  }
  for (const c of calls) fallbacks.push(...c.via);
  return { text: withThinking(text.replace(/\n{3,}/g, "\n\n")), calls, fallbacks };
}

/**
 * Splits a final assistant text into reasoning and the answer: "Answer: X", "Final answer: X",
 * `<answer>X</answer>`, `\boxed{X}`, or a JSON {"answer": X}; without a marker the last line is the
 * answer (and `marked` is false).
 */
export function splitAnswer(text: string): { reasoning: string; answer: string; marked: boolean } {
  const trimmed = text.trim();
  const tag = /<answer>\s*([\s\S]*?)\s*(?:<\/answer>|$)/i.exec(trimmed);
  if (tag) return { reasoning: trimmed.slice(0, tag.index).trim(), answer: cleanAnswer(tag[1]), marked: true };
  const boxed = /\\boxed\{([^{}]*)\}/.exec(trimmed);
  if (boxed) return { reasoning: trimmed.slice(0, boxed.index).replace(/(the )?(final )?answer( is)?[:\s]*$/i, "").trim(), answer: cleanAnswer(boxed[1]), marked: true };
  const json = trimmed.includes("{") ? looseJson(trimmed.slice(trimmed.indexOf("{"))) : null;
  if (json && isRecord(json.value)) {
    const value = json.value.answer ?? json.value.final_answer;
    if (value !== undefined && value !== null && typeof value !== "object") {
      const thought = ["thought", "reasoning"].map((k) => (json.value as Record<string, unknown>)[k]).find((t) => typeof t === "string") as string | undefined;
      return { reasoning: [trimmed.slice(0, trimmed.indexOf("{")).trim(), thought ?? ""].filter(Boolean).join("\n\n"), answer: cleanAnswer(String(value)), marked: true };
    }
  }
  const markers = [...trimmed.matchAll(/(?:^|\n|(?<=[.!?])[ \t]+)[ \t]*(?:\*\*)?(?:the\s+)?(?:final\s+)?answer(?:\s+is)?(?:\*\*)?\s*[:：](?:\*\*)?[ \t]*([^\n]+)/gi)];
  const last = markers.at(-1);
  if (last && last.index !== undefined) return { reasoning: trimmed.slice(0, last.index).trim(), answer: cleanAnswer(last[1]), marked: true };
  const lines = trimmed.split("\n").filter((l) => l.trim());
  const answer = lines.pop() ?? "";
  return { reasoning: lines.join("\n").trim(), answer: cleanAnswer(answer), marked: false };
}

function cleanAnswer(text: string): string {
  return text.replace(/\*\*/g, "").trim().replace(/^["'`]+|["'`]+$/g, "").replace(/\.$/, "").trim();
}
