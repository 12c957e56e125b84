import path from "node:path";
import { answerToText } from "@/lib/schemas/trace";
import { parseOutput, splitFinalAnswer } from "@/lib/formats/agent";
import { isPlainObject, traceLines } from "@/lib/formats/records";
import type { FormatDefinition, ReadContext } from "@/lib/formats/reader";
import type { NormalizedStep, NormalizedTrace, ReadItem } from "@/lib/formats/types";
import { contentHash } from "@/lib/formats/hash";
import { getTool, toolNames } from "@/lib/tools/registry";

// OpenAI-style chat transcripts, one per line — what a teacher run with tool calling produces,
// and the layout of OpenAI fine-tuning rows:
//   {"id"?, "image"?, "scene"?, "answer"?, "model"?, "method"?, "metadata"?: {same keys},
//    "messages": [system?, user (question + image part), assistant (content and/or tool_calls
//    with JSON-string arguments), tool (tool_call_id, content), ..., assistant (final answer)],
//    "tools"?: [...]}
// Mapping: assistant text before the first tool call → plan, later text → reasoning; each
// tool_call → tool_call; each tool message → tool_result (content parsed as JSON when it is);
// the last assistant message without tool calls → answer ("Final answer: X" splits off X, the
// text before it becomes reasoning). The legacy function_call / role "function" is accepted too.

type Errors = Array<{ path: string; error: string }>;

function textOf(content: unknown): string | null {
  if (typeof content === "string") return content;
  if (Array.isArray(content)) {
    const parts = content.filter((p) => isPlainObject(p) && (p.type === "text" || p.type === "input_text") && typeof p.text === "string").map((p) => (p as { text: string }).text);
    return parts.length ? parts.join("\n") : null;
  }
  return null;
}

function imageOf(content: unknown): string | null {
  if (!Array.isArray(content)) return null;
  for (const part of content) {
    if (!isPlainObject(part)) continue;
    const url = part.type === "image_url" && isPlainObject(part.image_url) ? part.image_url.url : part.type === "input_image" ? part.image_url : part.type === "image" ? (part.image ?? part.url) : undefined;
    if (typeof url !== "string" || url.startsWith("data:")) continue;
    return /^https?:\/\//i.test(url) ? url : path.basename(url.replace(/^file:\/\//, ""));
  }
  return null;
}

function field(record: Record<string, unknown>, key: string): unknown {
  const meta = isPlainObject(record.metadata) ? record.metadata : {};
  return record[key] ?? meta[key];
}

export function normalizeChat(value: unknown, raw: string): { ok: true; value: NormalizedTrace; warnings: string[] } | { ok: false; errors: Errors } {
  if (!isPlainObject(value)) return { ok: false, errors: [{ path: "$", error: "expected a transcript object {messages: [...]}" }] };
  const messages = value.messages;
  if (!Array.isArray(messages) || messages.length === 0) return { ok: false, errors: [{ path: "$.messages", error: "expected a non-empty array of messages" }] };
  const errors: Errors = [];
  const warnings: string[] = [];
  const steps: NormalizedStep[] = [];
  const calls = new Map<string, string>(); // id → tool
  const pendingByName = new Map<string, string[]>(); // legacy function calls without ids
  let question: string | null = null;
  let image = typeof field(value, "image") === "string" ? (field(value, "image") as string) : null;
  const lastAssistant = messages.findLastIndex((m) => isPlainObject(m) && m.role === "assistant");

  messages.forEach((message, i) => {
    const at = `$.messages[${i}]`;
    if (!isPlainObject(message) || typeof message.role !== "string") {
      errors.push({ path: `${at}.role`, error: 'expected a message {role: "system" | "user" | "assistant" | "tool", content}' });
      return;
    }
    switch (message.role) {
      case "system":
      case "developer":
        return;
      case "user": {
        const text = textOf(message.content);
        if (question === null) {
          if (!text?.trim()) errors.push({ path: `${at}.content`, error: "expected the question text in the first user message" });
          question = text?.trim() ?? "";
          image ??= imageOf(message.content);
        } else warnings.push(`user message ${i} after the question is not a teacher step (kept in the raw record)`);
        return;
      }
      case "assistant": {
        const text = textOf(message.content)?.trim() ?? "";
        const toolCalls = Array.isArray(message.tool_calls) ? message.tool_calls : [];
        const legacy = isPlainObject(message.function_call) ? [{ id: null, type: "function", function: message.function_call }] : [];
        const allCalls = [...toolCalls, ...legacy];
        if (message.tool_calls !== undefined && message.tool_calls !== null && !Array.isArray(message.tool_calls)) errors.push({ path: `${at}.tool_calls`, error: "expected an array of tool calls" });
        if (text) {
          if (i === lastAssistant && allCalls.length === 0) {
            const split = splitFinalAnswer(text);
            if (split?.before) steps.push({ kind: "reasoning", text: split.before });
            steps.push({ kind: "answer", text: split ? split.answer : text });
          } else steps.push({ kind: steps.length === 0 && allCalls.length > 0 ? "plan" : "reasoning", text });
        }
        allCalls.forEach((call, j) => {
          const callAt = j < toolCalls.length ? `${at}.tool_calls[${j}]` : `${at}.function_call`;
          const fn = isPlainObject(call) && isPlainObject(call.function) ? call.function : null;
          // a rejected call still claims its id, so its tool message is not reported a second time
          if (isPlainObject(call) && typeof call.id === "string" && call.id) calls.set(call.id, "");
          if (!fn || typeof fn.name !== "string" || !fn.name) {
            errors.push({ path: `${callAt}.function.name`, error: "expected the called function's name" });
            return;
          }
          if (!getTool(fn.name)) {
            errors.push({ path: `${callAt}.function.name`, error: `unknown tool "${fn.name}" (known: ${toolNames().join(", ")})` });
            return;
          }
          let args: unknown = fn.arguments ?? {};
          if (typeof args === "string") {
            try {
              args = args.trim() ? JSON.parse(args) : {};
            } catch (error) {
              errors.push({ path: `${callAt}.function.arguments`, error: `expected a JSON object encoded as a string, found invalid JSON (${(error as Error).message})` });
              return;
            }
          }
          if (!isPlainObject(args)) {
            errors.push({ path: `${callAt}.function.arguments`, error: `expected a JSON object, found ${JSON.stringify(args)?.slice(0, 60)}` });
            return;
          }
          const id = isPlainObject(call) && typeof call.id === "string" && call.id ? call.id : `${fn.name}#${steps.length}`;
          if (calls.get(id)) {
            errors.push({ path: `${callAt}.id`, error: `duplicate tool call id "${id}"` });
            return;
          }
          calls.set(id, fn.name);
          if (!(isPlainObject(call) && typeof call.id === "string")) pendingByName.set(fn.name, [...(pendingByName.get(fn.name) ?? []), id]);
          steps.push({ kind: "tool_call", tool: fn.name, callId: id, args, text: null });
        });
        return;
      }
      case "tool":
      case "function": {
        let callId: string | undefined;
        if (message.role === "tool") {
          if (typeof message.tool_call_id !== "string" || !calls.has(message.tool_call_id)) {
            errors.push({ path: `${at}.tool_call_id`, error: `tool result answers no call: no earlier tool_call has id ${JSON.stringify(message.tool_call_id ?? null)}` });
            return;
          }
          callId = message.tool_call_id;
        } else {
          callId = typeof message.name === "string" ? pendingByName.get(message.name)?.shift() : undefined;
          if (!callId) {
            errors.push({ path: `${at}.name`, error: `function result answers no call: no earlier function_call of ${JSON.stringify(message.name ?? null)}` });
            return;
          }
        }
        const content = typeof message.content === "string" ? message.content : textOf(message.content);
        steps.push({ kind: "tool_result", callId, result: content === null ? message.content ?? null : parseOutput(content) });
        return;
      }
      default:
        errors.push({ path: `${at}.role`, error: `unknown role ${JSON.stringify(message.role)} (expected system, user, assistant, tool)` });
    }
  });
  if (question === null) errors.push({ path: "$.messages", error: "expected a user message with the question" });
  if (!steps.length && !errors.length) errors.push({ path: "$.messages", error: "no assistant message: the transcript has no steps" });
  if (errors.length) return { ok: false, errors };
  const id = field(value, "id");
  const answer = field(value, "answer") ?? field(value, "ground_truth");
  const model = field(value, "model");
  const params = field(value, "params");
  const method = field(value, "method");
  return {
    ok: true,
    warnings,
    value: {
      externalId: typeof id === "string" && id ? id : typeof id === "number" ? String(id) : `chat-${contentHash(raw).slice(0, 16)}`,
      image,
      scene: typeof field(value, "scene") === "string" ? (field(value, "scene") as string) : null,
      question: question ?? "",
      answer: typeof answer === "string" || typeof answer === "number" || typeof answer === "boolean" ? answerToText(answer) : null,
      finalAnswer: steps.findLast((s) => s.kind === "answer")?.text ?? null,
      teacherModel: typeof model === "string" ? model : null,
      teacherParams: isPlainObject(params) ? params : null,
      method: typeof method === "string" && method ? method : "direct",
      format: "openai-chat",
      raw,
      steps,
    },
  };
}

function readChat(context: ReadContext): Generator<ReadItem> {
  return traceLines(context, normalizeChat);
}

export const openaiChatFormat: FormatDefinition = {
  name: "openai-chat",
  summary: "OpenAI-style chat transcripts (JSONL {messages} with assistant tool_calls and tool messages)",
  detect: ({ firstValue, head }) => (isPlainObject(firstValue) && Array.isArray(firstValue.messages)) || (/^\s*\{/.test(head) && /"messages"\s*:\s*\[/.test(head.slice(0, 200))),
  read: readChat,
};
