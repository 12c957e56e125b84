import path from "node:path";
import { answerToText } from "@/lib/schemas/trace";
import { parseOutput } from "@/lib/formats/agent";
import { contentHash } from "@/lib/formats/hash";
import { readImageUrl, type ImageReference } from "@/lib/formats/inline-image";
import { elementLines } from "@/lib/formats/json-lines";
import { jsonDocumentPieces } from "@/lib/formats/json-stream";
import { isPlainObject, jsonRecords, parseJson } from "@/lib/formats/records";
import { MAX_LINE_BYTES } from "@/lib/formats/lines";
import { decodeUtf8, fileChunks, fileHead } from "@/lib/formats/source";
import type { ReadContext } from "@/lib/formats/reader";
import type { NormalizedStep, NormalizedTrace, ReadItem } from "@/lib/formats/types";

// What the agent-log formats share (react-chat, json-actions, verifiers, openai-agents): chat
// messages in the shapes logs store them (OpenAI role/content with string or parts content,
// ShareGPT / LLaVA from/value), the containers they come in (a bare array of messages, one message
// per JSONL line, {messages | conversation | conversations} records with metadata), images inside
// messages (data: URIs and bare base64 become image records named by their content), and a
// builder that pairs calls with results and assembles the trace with its errors and warnings.
// Each format supplies only how an assistant turn and an observation read.

export type Role = "system" | "user" | "assistant" | "tool";

export type MessagePart = { type: "text"; text: string } | { type: "image"; ref: ImageReference; at: string };

export interface ChatMessage {
  role: Role;
  /** JSON path of the message in its record: `$[3]`, `$.messages[3]`, `$.conversations[1]`. */
  at: string;
  line: number;
  text: string;
  parts: MessagePart[];
  source: Record<string, unknown>;
}

export interface Conversation {
  line: number;
  unit: string;
  /** The record's verbatim text. */
  raw: string;
  messages: ChatMessage[];
  /** The record's own fields beside its messages, `metadata` merged under them. */
  meta: Record<string, unknown>;
  /** Where the messages sit: "$" (a bare array), "$.messages", … */
  root: string;
}

export type RecordIssue = { line: number; path: string; error: string };

const ROLE_ALIASES: Record<string, Role> = {
  system: "system", developer: "system",
  user: "user", human: "user",
  assistant: "assistant", gpt: "assistant", model: "assistant", bot: "assistant", chatbot: "assistant",
  tool: "tool", function: "tool", ipython: "tool", observation: "tool",
  // smolagents' memory: the observation comes back as a "tool-response" turn ("Observation: …",
  // read as the next user turn is); its "tool-call" turn restates the code the assistant turn
  // already holds, so it is read as a system note (skipped)
  "tool-response": "user", "tool-call": "system",
};

const MESSAGE_KEYS = ["messages", "conversation", "conversations", "chat_messages", "all_messages"] as const;

export const isMessageLike = (value: unknown): value is Record<string, unknown> =>
  isPlainObject(value) && (typeof value.role === "string" || typeof value.from === "string") && ("content" in value || "value" in value || "tool_calls" in value);

/** The key of a record's message list, when it has one. */
export function messageKey(value: Record<string, unknown>): string | null {
  return MESSAGE_KEYS.find((key) => Array.isArray(value[key])) ?? null;
}

function partsOf(content: unknown, at: string): MessagePart[] | null {
  if (content === null || content === undefined) return [];
  if (typeof content === "string") return [{ type: "text", text: content }];
  // one part not wrapped in a list, or (JSON-in-text agents logged by some tools) the parsed JSON reply itself
  if (isPlainObject(content)) return typeof content.type === "string" ? partsOf([content], at) : [{ type: "text", text: JSON.stringify(content) }];
  if (!Array.isArray(content)) return null;
  const parts: MessagePart[] = [];
  content.forEach((part, j) => {
    if (typeof part === "string") parts.push({ type: "text", text: part });
    if (!isPlainObject(part)) return;
    if ((part.type === "text" || part.type === "input_text" || part.type === "output_text") && typeof part.text === "string") parts.push({ type: "text", text: part.text });
    const imageUrl = isPlainObject(part.image_url) ? part.image_url.url : part.image_url;
    // Anthropic: {"type": "image", "source": {"type": "base64", "media_type", "data"} | {"type": "url", "url"}}
    const source = part.type === "image" && isPlainObject(part.source) ? part.source : null;
    const sourceUrl = source ? (typeof source.data === "string" ? `data:${typeof source.media_type === "string" ? source.media_type : "image/png"};base64,${source.data}` : source.url) : undefined;
    const url = part.type === "image_url" ? imageUrl : part.type === "input_image" ? (part.image_url ?? part.file_id) : part.type === "image" ? (sourceUrl ?? part.image ?? part.url ?? part.data) : undefined;
    const where = part.type === "image_url" ? (isPlainObject(part.image_url) ? "image_url.url" : "image_url") : part.type === "input_image" ? "image_url" : source ? `source.${typeof source.data === "string" ? "data" : "url"}` : "image";
    if (typeof url === "string" && url) parts.push({ type: "image", ref: readImageUrl(url), at: `${at}.content[${j}].${where}` });
  });
  return parts;
}

/** One message in any of the shapes above, or what is wrong with it. */
export function readMessage(value: unknown, at: string, line: number): ChatMessage | RecordIssue {
  if (!isPlainObject(value)) return { line, path: at, error: `expected a message {"role", "content"}, found ${JSON.stringify(value)?.slice(0, 60)}` };
  const roleName = typeof value.role === "string" ? value.role : typeof value.from === "string" ? value.from : null;
  const role = roleName === null ? undefined : ROLE_ALIASES[roleName.toLowerCase()];
  if (!role) {
    const key = typeof value.from === "string" && typeof value.role !== "string" ? "from" : "role";
    return { line, path: `${at}.${key}`, error: roleName === null ? 'expected the message\'s "role" (system, user, assistant, tool) or ShareGPT "from"' : `unknown role ${JSON.stringify(roleName)} (expected system, user, assistant or tool; human / gpt as ShareGPT writes them)` };
  }
  const contentKey = "content" in value ? "content" : "value" in value ? "value" : "content";
  const parts = partsOf(value[contentKey], at);
  if (parts === null) return { line, path: `${at}.${contentKey}`, error: `expected the content as a string or a list of parts, found ${JSON.stringify(value[contentKey])?.slice(0, 60)}` };
  const text = parts.flatMap((p) => (p.type === "text" ? [p.text] : [])).join("\n");
  return { role, at, line, text, parts, source: value };
}

/**
 * A message as one or more messages: Anthropic's content blocks put tool calls (`tool_use`) in the
 * assistant turn and their results (`tool_result`, by `tool_use_id`) in the next user turn; they
 * are read as OpenAI-style `tool_calls` and `tool` messages. Any other message is itself.
 */
export function readMessages(value: unknown, at: string, line: number): Array<ChatMessage | RecordIssue> {
  const content = isPlainObject(value) ? value.content : undefined;
  if (!isPlainObject(value) || !Array.isArray(content)) return [readMessage(value, at, line)];
  const uses = content.filter((p) => isPlainObject(p) && p.type === "tool_use") as Array<Record<string, unknown>>;
  const results = content.filter((p) => isPlainObject(p) && p.type === "tool_result") as Array<Record<string, unknown>>;
  if (!uses.length && !results.length) return [readMessage(value, at, line)];
  const rest = content.filter((p) => !(isPlainObject(p) && (p.type === "tool_use" || p.type === "tool_result")));
  const out: Array<ChatMessage | RecordIssue> = [];
  for (const result of results) {
    const read = readMessage({ role: "tool", tool_call_id: result.tool_use_id, content: result.content ?? "" }, at, line);
    if (!("error" in read) && result.is_error === true) read.text = JSON.stringify({ error: read.text.trim() || "tool error" });
    out.push(read);
  }
  const calls = uses.map((use) => ({ id: use.id, type: "function", function: { name: use.name, arguments: use.input ?? {} } }));
  const existing = Array.isArray(value.tool_calls) ? value.tool_calls : [];
  if (calls.length || rest.length || !results.length) out.push(readMessage({ ...value, content: rest, ...(calls.length ? { tool_calls: [...existing, ...calls] } : {}) }, at, line));
  return out;
}

function metaOf(value: Record<string, unknown>, key: string | null): Record<string, unknown> {
  const meta: Record<string, unknown> = {};
  if (isPlainObject(value.metadata)) Object.assign(meta, value.metadata);
  for (const [k, v] of Object.entries(value)) if (k !== key && k !== "metadata") meta[k] = v;
  return meta;
}

/** A whole record → its conversation; issues for messages that are not messages. */
function conversationOf(value: unknown, text: string, line: number, unit: string): Conversation | RecordIssue[] {
  let list: unknown[];
  let key: string | null = null;
  let meta: Record<string, unknown> = {};
  if (Array.isArray(value)) list = value;
  else if (isPlainObject(value) && (key = messageKey(value))) {
    list = value[key] as unknown[];
    meta = metaOf(value, key);
  } else return [{ line, path: "$", error: `expected a conversation: an array of messages or a record with ${MESSAGE_KEYS.slice(0, 3).map((k) => `"${k}"`).join(", ")}` }];
  const root = key ? `$.${key}` : "$";
  if (list.length === 0) return [{ line, path: root, error: "expected a non-empty list of messages" }];
  const lines = text.includes("\n") ? elementLines(text, key) : [];
  const messages: ChatMessage[] = [];
  const issues: RecordIssue[] = [];
  list.forEach((item, i) => {
    for (const read of readMessages(item, `${root}[${i}]`, line + (lines[i] ?? 1) - 1)) {
      if ("error" in read) issues.push(read);
      else messages.push(read);
    }
  });
  return issues.length ? issues : { line, unit, raw: text, messages, meta, root };
}

export type ConversationItem = Conversation | { type: "error"; line: number; path: string; error: string; unit?: string };

interface Pending {
  messages: ChatMessage[];
  texts: string[];
  line: number;
  issues: RecordIssue[];
}

function* flushPending(pending: Pending | null, wrap: (texts: string[]) => string): Generator<ConversationItem> {
  if (!pending) return;
  const unit = String(pending.line);
  if (pending.issues.length) for (const issue of pending.issues) yield { type: "error", unit, ...issue };
  else yield { line: pending.line, unit, raw: wrap(pending.texts), messages: pending.messages, meta: {}, root: "$" };
}

function* recordConversations(value: unknown, text: string, line: number, unit: string, prefix = ""): Generator<ConversationItem> {
  const read = conversationOf(value, text, line, unit);
  if (Array.isArray(read)) for (const issue of read) yield { type: "error", unit, ...issue, path: prefix ? issue.path.replace(/^\$/, prefix) : issue.path };
  else yield prefix ? { ...read, root: read.root.replace(/^\$/, prefix), messages: read.messages.map((m) => ({ ...m, at: m.at.replace(/^\$/, prefix) })) } : read;
}

/**
 * A file that is one JSON array spread over lines (pretty-printed, as Python's json.dump(indent=4)
 * writes output.json), or one line too long to be a JSONL line: read element by element. A first
 * line that closes its array is JSONL (one conversation per line).
 */
function isArrayDocument(file: string): boolean {
  const head = fileHead(file, 4096).toString("utf8").replace(/^\ufeff/, "");
  if (!/^\s*\[/.test(head)) return false;
  let scanned = 0;
  let last = -1; // the last non-space byte of the first non-empty line
  for (const chunk of fileChunks(file)) {
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk[i];
      if (c === 0x0a) {
        if (last < 0) continue;
        return last !== 0x5d; // "]"
      }
      if (c !== 0x20 && c !== 0x09 && c !== 0x0d) last = c;
    }
    scanned += chunk.length;
    if (scanned > MAX_LINE_BYTES) return true;
  }
  return last !== 0x5d;
}

/**
 * Every conversation of a file. A JSON array is streamed element by element: elements that are
 * messages make one conversation, elements that are records (the LLaVA JSON layout) one each.
 * Otherwise each JSON value (a JSONL line, or pretty-printed values one after another) is an array
 * of messages, a record holding one, or a single message: messages one per line form one
 * conversation, and a system message after other messages starts the next.
 */
export function* readConversations(context: ReadContext): Generator<ConversationItem> {
  let pending: Pending | null = null;
  const add = (message: ChatMessage | RecordIssue, text: string, line: number) => {
    pending ??= { messages: [], texts: [], line, issues: [] };
    if (text) pending.texts.push(text);
    if ("error" in message) pending.issues.push(message);
    else pending.messages.push(message);
  };
  if (isArrayDocument(context.file)) {
    for (const piece of jsonDocumentPieces(fileChunks(context.file, context.progress), { stream: (key) => key === null })) {
      if (piece.kind === "error") {
        // the conversation being gathered cannot be complete: its unit fails with the error
        if (pending) (pending as Pending).issues.push({ line: piece.line, path: piece.path, error: piece.error });
        else yield { type: "error", line: piece.line, path: piece.path, error: piece.error };
        continue;
      }
      if (piece.kind !== "element") continue;
      const text = decodeUtf8(piece.bytes);
      const parsed = text === null ? { ok: false as const, error: "element is not valid UTF-8" } : parseJson(text);
      if (!parsed.ok) {
        if (pending) (pending as Pending).issues.push({ line: piece.line, path: `$[${piece.index}]`, error: parsed.error });
        else yield { type: "error", line: piece.line, path: `$[${piece.index}]`, error: parsed.error, unit: `[${piece.index}]` };
        continue;
      }
      if (isMessageLike(parsed.value) && !messageKey(parsed.value)) readMessages(parsed.value, `$[${piece.index}]`, piece.line).forEach((read, k) => add(read, k === 0 ? text! : "", piece.line));
      else yield* recordConversations(parsed.value, text!, piece.line, `[${piece.index}]`, `$[${piece.index}]`);
    }
    yield* flushPending(pending, (texts) => `[\n${texts.join(",\n")}\n]`);
    return;
  }
  for (const record of jsonRecords(context.file, context.progress)) {
    if ("error" in record) {
      if (pending) (pending as Pending).issues.push(record);
      else yield { type: "error", ...record };
      continue;
    }
    const { value, text, line } = record;
    if (isMessageLike(value) && !messageKey(value)) {
      const reads = readMessages(value, "$", line);
      const current = pending as Pending | null;
      // a real system prompt (not a note read as one, such as smolagents' tool-call turn) starts the next conversation
      const first = reads[0];
      if (current && "role" in first && first.role === "system" && /^(?:system|developer)$/i.test(String(value.role ?? "")) && current.messages.some((m) => m.role !== "system")) {
        yield* flushPending(current, (texts) => texts.join("\n"));
        pending = null;
      }
      reads.forEach((read, k) => add(read, k === 0 ? text : "", line));
      continue;
    }
    yield* flushPending(pending, (texts) => texts.join("\n"));
    pending = null;
    if (Array.isArray(value) && value.length > 0 && value.every((v) => isPlainObject(v) && messageKey(v) !== null)) {
      const lines = elementLines(text, null);
      for (let i = 0; i < value.length; i++) yield* recordConversations(value[i], JSON.stringify(value[i]), line + (lines[i] ?? 1) - 1, `${line}[${i}]`, `$[${i}]`);
      continue;
    }
    yield* recordConversations(value, text, line, String(line));
  }
  yield* flushPending(pending, (texts) => texts.join("\n"));
}

// ---- the question -------------------------------------------------------------------------

const REQUEST_MARKER = /#+\s*USER\s+REQUEST\s*#*\s*:?/gi;
const REQUEST_END = /\n\s*(?:#+\s*USER\s+IMAGE|#+\s*RESULT\s*#|#+\s*RESPONSE\s*#|#+\s*STEP\s*\d*\s*#)/i;
/** The framework's instruction after a request ("Now please generate only THOUGHT 0 and ACTION 0 …"). */
const INSTRUCTION_TAIL = /(?:\n|(?<=[.?!:)]))\s*Now,? please generate\b(?: only| your| the next)[\s\S]*$/i;
/** "Question: …" / "Q: …" / "New task: …" (smolagents) as prompts label the request (after any image placeholder). */
const QUESTION_LABEL = /^\s*(?:(?:<image>|<img\b[^>]*>)\s*)*(?:new task|task|question|q)\s*[:：]\s*/i;
const IMAGE_PLACEHOLDER = /<image>|<img\b[^>]*>|<\|image\|>|<\|vision_start\|>.*?<\|vision_end\|>/gi;

/**
 * The question in a first user message. Prompts that carry tool documentation and worked examples
 * before the request (Visual Sketchpad, TACO) mark it `# USER REQUEST #:`; the last marker wins
 * and the framework's instructions after the request are cut. Image placeholders are removed.
 */
export function questionOf(text: string): { question: string; marked: boolean } {
  let start = -1;
  for (const match of text.matchAll(REQUEST_MARKER)) start = match.index! + match[0].length;
  let question = start >= 0 ? text.slice(start) : text;
  if (start >= 0) {
    const end = REQUEST_END.exec(question);
    if (end) question = question.slice(0, end.index);
  }
  question = question
    .replace(INSTRUCTION_TAIL, "")
    .replace(QUESTION_LABEL, "")
    .replace(/\n\s*(?:answer|a)\s*[:：]\s*$/i, "")
    .replace(IMAGE_PLACEHOLDER, "")
    .split("\n")
    .filter((line) => !/^\s*image[-_ ]?\d+\s*:\s*$/i.test(line))
    .join("\n")
    .trim();
  return { question, marked: start >= 0 };
}

const IMG_TAG = /<img\s+(?:src\s*=\s*)?["']?([^"'>\s]+)["']?\s*\/?>/gi;

/**
 * The image part of the question: the first after the last request marker, else the first; in a
 * text-only message, the last `<img src='…'>` / `<img "…">` tag (AutoGen and TACO write images so
 * before turning them into parts).
 */
export function questionImage(message: ChatMessage): Extract<MessagePart, { type: "image" }> | null {
  let after = 0;
  message.parts.forEach((part, i) => {
    if (part.type === "text" && new RegExp(REQUEST_MARKER.source, "i").test(part.text)) after = i;
  });
  const images = message.parts.filter((p, i): p is Extract<MessagePart, { type: "image" }> => p.type === "image" && i >= after);
  const found = images[0] ?? (message.parts.find((p) => p.type === "image") as Extract<MessagePart, { type: "image" }> | undefined);
  if (found) return found;
  const tags = [...message.text.matchAll(IMG_TAG)];
  return tags.length ? { type: "image", ref: readImageUrl(tags[tags.length - 1][1]), at: `${message.at}.content` } : null;
}

// ---- building the trace ---------------------------------------------------------------------

/** A code step: the agent ran code that is not a tool call (see docs/formats.md). */
export const CODE_TOOL = "python";

interface InlineImage {
  name: string;
  bytes: Buffer;
  width: number;
  height: number;
  line: number;
  encoded: string;
}

export class TraceBuilder {
  readonly steps: NormalizedStep[] = [];
  readonly errors: RecordIssue[] = [];
  readonly warnings: RecordIssue[] = [];
  private readonly images = new Map<string, InlineImage>();
  private readonly answered = new Set<string>();
  private calls = 0;

  constructor(readonly conversation: Conversation) {}

  error(line: number, path: string, error: string): void {
    this.errors.push({ line, path, error });
  }

  warn(line: number, path: string, message: string): void {
    this.warnings.push({ line, path, error: message });
  }

  text(kind: "plan" | "reasoning" | "answer", text: string | null | undefined): void {
    const clean = text?.trim();
    if (clean) this.steps.push({ kind, text: clean });
  }

  /** A tool call (or code step); returns its call id. */
  call(tool: string, args: Record<string, unknown>, options: { id?: string | null; text?: string | null } = {}): string {
    this.calls++;
    const id = options.id && !this.steps.some((s) => s.kind === "tool_call" && s.callId === options.id) ? options.id : `c${this.calls}`;
    this.steps.push({ kind: "tool_call", tool, callId: id, args, text: options.text?.trim() || null });
    return id;
  }

  code(source: string): string {
    return this.call(CODE_TOOL, { argsRaw: source }, { text: null });
  }

  hasResult(callId: string): boolean {
    return this.answered.has(callId);
  }

  result(callId: string, output: unknown): void {
    this.answered.add(callId);
    this.steps.push({ kind: "tool_result", callId, result: output });
  }

  /** Replaces the recorded result of a call (an observation the model wrote itself, superseded by the real one). */
  replaceResult(callId: string, output: unknown): void {
    const step = this.steps.findLast((s) => s.kind === "tool_result" && s.callId === callId);
    if (step) step.result = output;
    else this.result(callId, output);
  }

  /** Call ids still waiting for a result, oldest first. */
  unanswered(): string[] {
    return this.steps.filter((s) => s.kind === "tool_call" && !this.answered.has(s.callId!)).map((s) => s.callId!);
  }

  /** Stores the images of a message part list; returns their names (invalid ones are warned about). */
  imagesOf(message: ChatMessage): string[] {
    const names: string[] = [];
    for (const part of message.parts) {
      if (part.type !== "image") continue;
      const name = this.image(part, message.line);
      if (name) names.push(name);
    }
    return names;
  }

  /** One image part → its name (inline bytes kept for an image record), or null when unusable. */
  image(part: Extract<MessagePart, { type: "image" }>, line: number): string | null {
    const ref = part.ref;
    if (ref.kind === "invalid") {
      this.warn(line, part.at, `${ref.error}; the image is not stored (the message text is kept)`);
      return null;
    }
    if (ref.kind === "name") return ref.name;
    if (!this.images.has(ref.name)) this.images.set(ref.name, { name: ref.name, bytes: ref.bytes, width: ref.info.width, height: ref.info.height, line, encoded: ref.encoded });
    return ref.name;
  }

  /** The conversation's items: errors (and nothing else), or warnings, image records and the trace. */
  *finish(fields: Omit<NormalizedTrace, "raw" | "steps" | "externalId" | "finalAnswer"> & { externalId?: string | null; trusted: boolean }): Generator<ReadItem> {
    const { line, unit } = this.conversation;
    if (!fields.question.trim() && !this.errors.length) this.error(line, `${this.conversation.root}`, "expected a user message with the question");
    if (!this.steps.length && !this.errors.length) this.error(line, this.conversation.root, "no assistant turn: the conversation has no steps");
    if (this.errors.length) {
      for (const e of this.errors) yield { type: "error", unit, ...e };
      return;
    }
    if (!fields.trusted) for (const w of this.warnings) yield { type: "warning", line: w.line, message: `${w.path}: ${w.error}` };
    for (const image of this.images.values()) {
      yield { type: "image", line: image.line, unit, value: { name: image.name, width: image.width, height: image.height, data: image.bytes } };
    }
    const raw = this.rawWithoutImages();
    const { trusted: _, externalId, ...rest } = fields;
    yield {
      type: "trace",
      line,
      unit,
      value: {
        ...rest,
        externalId: externalId || `${fields.format}-${contentHash(raw).slice(0, 16)}`,
        finalAnswer: this.steps.findLast((s) => s.kind === "answer")?.text ?? null,
        raw,
        steps: this.steps,
      },
    };
  }

  /**
   * The record's text with each inline image replaced by `stepwise:image/<name>`: the bytes are in
   * the image store, and a trace page should not load megabytes of base64. Deterministic, so the
   * content hash (and re-import as a no-op) is unaffected.
   */
  private rawWithoutImages(): string {
    let raw = this.conversation.raw;
    for (const image of this.images.values()) raw = raw.split(image.encoded).join(`stepwise:image/${image.name}`);
    return raw;
  }
}

/** A tool's output with the images its message carried: the output alone when there are none. */
export function withImages(output: unknown, images: string[]): unknown {
  return images.length ? { output, images } : output;
}

/**
 * A `tool` message → the result of the call it names by `tool_call_id`; without one (verifiers'
 * saved rollouts drop it), of the oldest call still waiting for a result.
 */
export function readToolMessage(message: ChatMessage, builder: TraceBuilder): void {
  const id = message.source.tool_call_id;
  const open = builder.unanswered();
  const images = builder.imagesOf(message);
  const output = withImages(message.text.trim() ? parseOutput(message.text) : null, images);
  if (typeof id === "string" && id) {
    if (open.includes(id)) builder.result(id, output);
    else builder.error(message.line, `${message.at}.tool_call_id`, `tool result answers no call: no earlier tool call waiting for a result has id ${JSON.stringify(id)}`);
    return;
  }
  if (open.length) builder.result(open[0], output);
  else builder.error(message.line, message.at, "tool result answers no call: no earlier tool call is waiting for a result");
}

// ---- fields every format reads the same way -------------------------------------------------

export function stringField(meta: Record<string, unknown>, ...keys: string[]): string | null {
  for (const key of keys) {
    const value = meta[key];
    if (typeof value === "string" && value.trim()) return value.trim();
    if (typeof value === "number" && Number.isFinite(value)) return String(value);
  }
  return null;
}

export function answerField(meta: Record<string, unknown>, ...keys: string[]): string | null {
  for (const key of keys) {
    const value = meta[key];
    if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") return answerToText(value);
  }
  return null;
}

/** A record-level image: `image` / `images[0]` (a name, path or URL; data URIs are inline). */
export function recordImage(meta: Record<string, unknown>, builder: TraceBuilder, line: number): string | null {
  for (const key of ["image", "images", "image_path", "image_file"]) {
    const value = Array.isArray(meta[key]) ? (meta[key] as unknown[])[0] : meta[key];
    if (typeof value !== "string" || !value.trim()) continue;
    return builder.image({ type: "image", ref: readImageUrl(value), at: `$.${key}` }, line);
  }
  return null;
}

export function sceneField(meta: Record<string, unknown>): string | null {
  const scene = stringField(meta, "scene", "scene_name");
  return scene ? (/^https?:\/\//i.test(scene) ? scene : path.basename(scene)) : null;
}

/** JSON-encoded tool arguments → an object; anything else is kept under `argsRaw`. */
export function argumentsOf(value: unknown): { args: Record<string, unknown>; error?: string } {
  if (value === undefined || value === null || value === "") return { args: {} };
  if (isPlainObject(value)) return { args: value };
  if (typeof value === "string") {
    try {
      const parsed = JSON.parse(value);
      if (isPlainObject(parsed)) return { args: parsed };
      return { args: { argsRaw: value }, error: `expected a JSON object, found ${JSON.stringify(parsed)?.slice(0, 60)}` };
    } catch (error) {
      return { args: { argsRaw: value }, error: `invalid JSON (${(error as Error).message})` };
    }
  }
  return { args: { argsRaw: JSON.stringify(value) }, error: `expected a JSON object, found ${JSON.stringify(value)?.slice(0, 60)}` };
}

/**
 * OpenAI-style `tool_calls` of an assistant message: objects or (as verifiers saves them) JSON
 * strings; `{id, type, function: {name, arguments}}` or flat `{id, name, arguments}`.
 */
export function readToolCalls(message: ChatMessage, builder: TraceBuilder): void {
  const calls = message.source.tool_calls;
  if (calls === undefined || calls === null) return;
  if (!Array.isArray(calls)) {
    builder.error(message.line, `${message.at}.tool_calls`, `expected an array of tool calls, found ${JSON.stringify(calls)?.slice(0, 60)}`);
    return;
  }
  calls.forEach((raw, j) => {
    const at = `${message.at}.tool_calls[${j}]`;
    let call = raw;
    if (typeof raw === "string") {
      try {
        call = JSON.parse(raw);
      } catch (error) {
        builder.error(message.line, at, `expected a tool call (an object, or one encoded as a JSON string), found invalid JSON (${(error as Error).message})`);
        return;
      }
    }
    if (!isPlainObject(call)) {
      builder.error(message.line, at, `expected a tool call object, found ${JSON.stringify(call)?.slice(0, 60)}`);
      return;
    }
    const fn = isPlainObject(call.function) ? call.function : call;
    if (typeof fn.name !== "string" || !fn.name) {
      builder.error(message.line, `${at}${fn === call ? "" : ".function"}.name`, "expected the called function's name");
      return;
    }
    const { args, error } = argumentsOf(fn.arguments ?? fn.args ?? fn.input);
    if (error) {
      builder.error(message.line, `${at}${fn === call ? "" : ".function"}.arguments`, error);
      return;
    }
    builder.call(fn.name, args, { id: typeof call.id === "string" ? call.id : null });
  });
}
