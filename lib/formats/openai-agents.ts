import { parseOutput, splitFinalAnswer } from "@/lib/formats/agent";
import { answerField, argumentsOf, questionImage, questionOf, readMessage, stringField, TraceBuilder, type ChatMessage, type Conversation } from "@/lib/formats/chat-log";
import { jsonDocumentPieces } from "@/lib/formats/json-stream";
import { isPlainObject, jsonRecords, parseJson } from "@/lib/formats/records";
import type { FormatDefinition, ReadContext } from "@/lib/formats/reader";
import { decodeUtf8, fileChunks, fileHead } from "@/lib/formats/source";
import type { ReadItem } from "@/lib/formats/types";

// OpenAI Agents SDK trace exports: the items its tracing processors export — Trace.export() and
// Span.export() (src/agents/tracing/traces.py, spans.py, span_data.py) — one per JSONL line (a
// file-writing TracingProcessor), or the batch the backend exporter POSTs ({"data": [items]}), or
// a JSON array of items:
//   {"object": "trace", "id": "trace_…", "workflow_name", "group_id", "metadata": {…}}
//   {"object": "trace.span", "id": "span_…", "trace_id", "parent_id", "started_at", "ended_at",
//    "span_data": {"type": "function", "name", "input": "<JSON args>", "output": "<str(result)>"}
//              | {"type": "generation", "input": [messages], "output": [messages], "model", "model_config"}
//              | {"type": "response", "response_id", …} | agent | handoff | guardrail | custom,
//    "error": {"message", "data"} | null}
// Spans of one trace may be spread over the file and interleave with other traces' (concurrent
// runs): a first pass notes where each trace's last item is, so a trace is assembled as soon as
// it is complete. Mapping, spans in start order: function → tool_call (the parsed input; not
// JSON → {argsRaw}) + tool_result (the output, parsed as JSON or a Python literal; error →
// {error}); generation → its assistant text as reasoning, the last one's as the answer; the
// question is metadata.question or the first user message a generation (or a response span
// exported with its input) received. Response spans as the SDK exports them carry only an id:
// such traces have calls and results but no text (a warning says so).

interface Item {
  line: number;
  value: unknown;
  text: string;
}

type ItemOrError = Item | { line: number; path: string; error: string };

function isDocument(file: string): "data" | "array" | null {
  const head = fileHead(file, 4096).toString("utf8").replace(/^\ufeff/, "").trimStart();
  if (head.startsWith("[")) return "array";
  if (/^\{\s*"data"\s*:\s*\[/.test(head)) return "data";
  return null;
}

function* items(context: ReadContext, progress = context.progress): Generator<ItemOrError> {
  const document = isDocument(context.file);
  if (!document) {
    for (const record of jsonRecords(context.file, progress)) {
      if ("error" in record) yield record;
      else if (isPlainObject(record.value) && Array.isArray(record.value.spans)) {
        // a trace exported with its spans nested
        const { spans, ...trace } = record.value;
        yield { line: record.line, value: trace, text: record.text };
        for (const span of spans as unknown[]) yield { line: record.line, value: span, text: JSON.stringify(span) };
      } else yield record;
    }
    return;
  }
  for (const piece of jsonDocumentPieces(fileChunks(context.file, progress), { stream: (key) => (document === "array" ? key === null : key === "data") })) {
    if (piece.kind === "error") yield piece;
    else if (piece.kind === "element") {
      const text = decodeUtf8(piece.bytes);
      const parsed = text === null ? { ok: false as const, error: "element is not valid UTF-8" } : parseJson(text);
      yield parsed.ok ? { line: piece.line, value: parsed.value, text: text! } : { line: piece.line, path: `$${piece.key ? `.${piece.key}` : ""}[${piece.index}]`, error: parsed.error };
    }
  }
}

const traceIdOf = (value: unknown): string | null =>
  isPlainObject(value) ? (value.object === "trace" && typeof value.id === "string" ? value.id : typeof value.trace_id === "string" ? value.trace_id : null) : null;

interface Group {
  trace: Item | null;
  spans: Item[];
  first: number;
}

function messagesOf(value: unknown, at: string, line: number): ChatMessage[] {
  if (typeof value === "string") return [{ role: "user", at, line, text: value, parts: [{ type: "text", text: value }], source: { content: value } }];
  if (!Array.isArray(value)) return [];
  const out: ChatMessage[] = [];
  value.forEach((item, i) => {
    // Responses-style input items: {type: "message", role, content} or {role, content}
    const read = readMessage(isPlainObject(item) && item.type === "message" ? { role: item.role, content: item.content } : item, `${at}[${i}]`, line);
    if (!("error" in read)) out.push(read);
  });
  return out;
}

function normalize(id: string, group: Group, trusted: boolean): Generator<ReadItem> {
  const lines = [group.trace, ...group.spans].filter((x): x is Item => x !== null).sort((a, b) => a.line - b.line);
  const conversation: Conversation = { line: group.first, unit: `trace:${id}`, raw: lines.map((l) => l.text).join("\n"), messages: [], meta: {}, root: "$" };
  const b = new TraceBuilder(conversation);
  const meta = group.trace && isPlainObject(group.trace.value) && isPlainObject(group.trace.value.metadata) ? group.trace.value.metadata : {};
  if (!group.spans.length) b.error(group.first, "$", `trace ${id} has no spans (expected "trace.span" items with "trace_id": "${id}")`);
  const spans = group.spans
    .map((span, order) => ({ span, order, data: isPlainObject(span.value) ? span.value.span_data : undefined, started: isPlainObject(span.value) && typeof span.value.started_at === "string" ? span.value.started_at : "" }))
    .sort((x, y) => (x.started && y.started && x.started !== y.started ? (x.started < y.started ? -1 : 1) : x.order - y.order));
  let question: string | null = stringField(meta, "question", "input", "query");
  let image: string | null = stringField(meta, "image");
  let model: string | null = null;
  let params: Record<string, unknown> | null = null;
  const texts: Array<{ text: string; calls: boolean }> = [];
  let responses = 0;
  const takeQuestion = (messages: ChatMessage[]) => {
    const user = messages.find((m) => m.role === "user");
    if (!user) return;
    question ??= questionOf(user.text).question || null;
    if (!image) {
      const part = questionImage(user);
      image = part ? b.image(part, user.line) : null;
    }
  };
  for (const { span, data } of spans) {
    const at = "$.span_data";
    if (!isPlainObject(data) || typeof data.type !== "string") {
      b.error(span.line, `${at}.type`, `expected span_data with a "type" (function, generation, response, agent, …), found ${JSON.stringify(data ?? null)?.slice(0, 60)}`);
      continue;
    }
    const error = isPlainObject(span.value) && isPlainObject(span.value.error) ? span.value.error : null;
    switch (data.type) {
      case "function": {
        if (typeof data.name !== "string" || !data.name) {
          b.error(span.line, `${at}.name`, "expected the function's name");
          break;
        }
        const { args } = argumentsOf(data.input);
        const callId = b.call(data.name, args, { id: isPlainObject(span.value) && typeof span.value.id === "string" ? span.value.id : null });
        const output = error ? { error: [error.message, error.data === undefined || error.data === null ? null : JSON.stringify(error.data)].filter(Boolean).join(": ") || "error" } : typeof data.output === "string" ? parseOutput(data.output) : (data.output ?? null);
        b.result(callId, output);
        break;
      }
      case "generation": {
        if (typeof data.model === "string") model ??= data.model;
        if (isPlainObject(data.model_config)) params ??= data.model_config;
        takeQuestion(messagesOf(data.input, `${at}.input`, span.line));
        for (const message of messagesOf(data.output, `${at}.output`, span.line)) {
          const calls = Array.isArray(message.source.tool_calls) && message.source.tool_calls.length > 0;
          if (message.role === "assistant" && message.text.trim()) texts.push({ text: message.text.trim(), calls });
          if (message.text.trim() || calls) b.text("reasoning", message.text);
        }
        break;
      }
      case "response": {
        responses++;
        if (data.input !== undefined) takeQuestion(messagesOf(data.input, `${at}.input`, span.line));
        const output = isPlainObject(data.response) && Array.isArray(data.response.output) ? data.response.output : [];
        for (const item of output) {
          if (!isPlainObject(item) || item.type !== "message") continue;
          const message = readMessage({ role: "assistant", content: item.content }, `${at}.response.output`, span.line);
          if (!("error" in message) && message.text.trim()) {
            texts.push({ text: message.text.trim(), calls: output.some((o) => isPlainObject(o) && o.type === "function_call") });
            b.text("reasoning", message.text);
          }
        }
        break;
      }
      default:
        break; // agent, handoff, guardrail, custom, mcp_tools, transcription, speech: no step
    }
  }
  // the last text the model produced without calling a tool is its answer
  const last = b.steps.findLastIndex((s) => s.kind === "reasoning");
  if (last >= 0 && last === b.steps.length - 1 && texts.length && !texts[texts.length - 1].calls) {
    const text = b.steps[last].text!;
    const split = splitFinalAnswer(text);
    b.steps.splice(last, 1);
    b.text("reasoning", split?.before);
    b.text("answer", split ? split.answer : text);
  }
  if (responses && !texts.length) b.warn(group.first, "$", `trace ${id}: its ${responses} response span(s) carry only response ids, so the trace has no reasoning or answer text`);
  return b.finish({
    externalId: id,
    image,
    scene: stringField(meta, "scene"),
    question: question ?? "",
    answer: answerField(meta, "answer", "expected_answer", "ground_truth"),
    teacherModel: stringField(meta, "model") ?? model,
    teacherParams: params,
    method: stringField(meta, "method") ?? "direct",
    format: "openai-agents",
    trusted,
  });
}

function* readAgents(context: ReadContext): Generator<ReadItem> {
  // pass over the file: the ordinal of each trace's last item
  const lastOf = new Map<string, number>();
  let ordinal = 0;
  for (const item of items(context, { bytes: 0 })) {
    if (!("error" in item)) {
      const id = traceIdOf(item.value);
      if (id) lastOf.set(id, ordinal);
    }
    ordinal++;
  }
  const open = new Map<string, Group>();
  ordinal = 0;
  for (const item of items(context)) {
    const n = ordinal++;
    if ("error" in item) {
      yield { type: "error", ...item };
      continue;
    }
    const id = traceIdOf(item.value);
    if (!id) {
      const object = isPlainObject(item.value) ? item.value.object : undefined;
      yield { type: "error", line: item.line, path: isPlainObject(item.value) ? (object === "trace.span" ? "$.trace_id" : "$.object") : "$", error: object === "trace.span" ? "expected the span's trace_id" : `expected an exported trace or span ({"object": "trace" | "trace.span", …}), found ${JSON.stringify(object ?? item.value)?.slice(0, 60)}` };
      continue;
    }
    let group = open.get(id);
    if (!group) open.set(id, (group = { trace: null, spans: [], first: item.line }));
    if (isPlainObject(item.value) && item.value.object === "trace") group.trace = item;
    else group.spans.push(item);
    if (lastOf.get(id) === n) {
      open.delete(id);
      if (context.skip?.(`trace:${id}`)) continue;
      yield* normalize(id, group, context.trusted);
    }
  }
}

export const openaiAgentsFormat: FormatDefinition = {
  name: "openai-agents",
  summary: "OpenAI Agents SDK trace exports (trace and trace.span items, JSONL or {\"data\": [...]}: function spans → tool calls, generation spans → text)",
  detect: ({ firstValue, head }) =>
    (isPlainObject(firstValue) && (firstValue.object === "trace" || firstValue.object === "trace.span")) || (/^\s*[[{]/.test(head) && /"object"\s*:\s*"trace(?:\.span)?"/.test(head.slice(0, 2000))),
  read: readAgents,
};
