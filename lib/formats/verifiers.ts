import fs from "node:fs";
import path from "node:path";
import { parseOutput, splitFinalAnswer } from "@/lib/formats/agent";
import {
  answerField,
  argumentsOf,
  questionImage,
  questionOf,
  readMessages,
  readToolCalls,
  readToolMessage,
  recordImage,
  stringField,
  TraceBuilder,
  withImages,
  type ChatMessage,
  type Conversation,
} from "@/lib/formats/chat-log";
import { contentHash } from "@/lib/formats/hash";
import { isPlainObject, jsonRecords, parseJson } from "@/lib/formats/records";
import type { FormatDefinition, ReadContext } from "@/lib/formats/reader";
import type { ReadItem } from "@/lib/formats/types";

// Rollouts of the `verifiers` RL library (willccbb/verifiers, PrimeIntellect-ai/verifiers) as
// `vf-eval --save-dataset` writes them: results.jsonl, one rollout per line —
//   {"id" | "example_id": 0, "prompt": [messages] | "text", "completion": [messages] | "text",
//    "answer": "…", "task": "default", "info": {…}, "reward": 1.0, <metric>: …, "metrics"?: {…},
//    "generation_ms" | "timing", …}
// with metadata.json beside it ({env, model, sampling_args, …}). Mapping: the last user message
// of the prompt is the question (its image parts are stored); completion assistant messages →
// `reasoning_content` and <think>…</think> as reasoning, `tool_calls` (objects or the JSON strings
// verifiers saves) as tool_calls, <tool>{"name", "args"}</tool> (XML tool envs) as a tool_call;
// `tool` messages → tool_results (paired by tool_call_id, else in call order: the saved rows drop
// the id), <result>…</result> user turns → the result of the XML call; the last assistant
// message → the answer (<answer>…</answer>, \boxed{…}, "Final answer: …", else its text).
// `answer` is the ground truth; `info.image` / `info.scene` name the image and scene when the
// prompt carries none; the reward and metrics stay in the raw record. Rollouts of one
// example share its id: the trace id is `<id>-<content hash>`.

const THINK = /<think>([\s\S]*?)(?:<\/think>|$)/gi;
const XML_TOOL = /<tool>([\s\S]*?)<\/tool>/gi;
const XML_ANSWER = /<answer>([\s\S]*?)<\/answer>/i;
const XML_RESULT = /^\s*<result>([\s\S]*?)(?:<\/result>\s*)?$/i;

/** The content of the last \boxed{…}, braces balanced. */
export function lastBoxed(text: string): string | null {
  const start = text.lastIndexOf("\\boxed{");
  if (start < 0) return null;
  let depth = 0;
  for (let i = start + 7; i < text.length; i++) {
    if (text[i] === "{") depth++;
    else if (text[i] === "}") {
      if (depth === 0) return text.slice(start + 7, i).trim();
      depth--;
    }
  }
  return null;
}

interface RunMetadata {
  model: string | null;
  params: Record<string, unknown> | null;
}

/** metadata.json next to results.jsonl, when it is there (model, sampling args). */
function runMetadata(file: string): RunMetadata {
  const sibling = path.join(path.dirname(file), "metadata.json");
  try {
    if (!fs.existsSync(sibling) || fs.statSync(sibling).size > 1 << 20) return { model: null, params: null };
    const parsed = parseJson(fs.readFileSync(sibling, "utf8"));
    if (!parsed.ok || !isPlainObject(parsed.value)) return { model: null, params: null };
    const meta = parsed.value;
    const params = isPlainObject(meta.sampling_args) ? meta.sampling_args : Object.fromEntries(Object.entries(meta).filter(([k]) => k === "temperature" || k === "max_tokens"));
    return { model: typeof meta.model === "string" ? meta.model : null, params: Object.keys(params).length ? params : null };
  } catch {
    return { model: null, params: null };
  }
}

function messagesOf(value: unknown, key: "prompt" | "completion", line: number, b: TraceBuilder): ChatMessage[] {
  if (typeof value === "string") return [{ role: key === "prompt" ? "user" : "assistant", at: `$.${key}`, line, text: value, parts: [{ type: "text", text: value }], source: { content: value } }];
  if (!Array.isArray(value)) {
    b.error(line, `$.${key}`, `expected the ${key} as a list of messages or a string, found ${JSON.stringify(value ?? null)?.slice(0, 60)}`);
    return [];
  }
  const messages: ChatMessage[] = [];
  value.forEach((item, i) => {
    for (const read of readMessages(item, `$.${key}[${i}]`, line)) {
      if ("error" in read) b.error(read.line, read.path, read.error);
      else messages.push(read);
    }
  });
  return messages;
}

function assistant(message: ChatMessage, last: boolean, b: TraceBuilder): void {
  const reasoning = message.source.reasoning_content;
  if (typeof reasoning === "string") b.text("reasoning", reasoning);
  let text = message.text;
  for (const think of text.matchAll(THINK)) b.text("reasoning", think[1]);
  text = text.replace(THINK, "");
  const xmlCalls = [...text.matchAll(XML_TOOL)];
  text = text.replace(XML_TOOL, "");
  const hasCalls = xmlCalls.length > 0 || (Array.isArray(message.source.tool_calls) && message.source.tool_calls.length > 0);
  if (last && !hasCalls) {
    const tagged = XML_ANSWER.exec(text);
    const boxed = tagged ? null : lastBoxed(text);
    const split = tagged || boxed !== null ? null : splitFinalAnswer(text);
    b.text("reasoning", tagged ? text.replace(XML_ANSWER, "") : boxed !== null ? (text.trim() === `\\boxed{${boxed}}` ? null : text) : split?.before);
    b.text("answer", tagged ? tagged[1] : boxed ?? (split ? split.answer : text));
  } else b.text("reasoning", text.replace(XML_ANSWER, "$1"));
  xmlCalls.forEach((match, j) => {
    const parsed = parseJson(match[1].trim());
    const call = parsed.ok && isPlainObject(parsed.value) ? parsed.value : null;
    if (!call || typeof call.name !== "string") {
      b.error(message.line, `${message.at}.content`, `<tool> ${j + 1}: expected {"name": …, "args": {…}} in JSON${parsed.ok ? "" : ` (${parsed.error})`}`);
      return;
    }
    const { args, error } = argumentsOf(call.args ?? call.arguments);
    if (error) b.error(message.line, `${message.at}.content`, `<tool> ${j + 1} args: ${error}`);
    else b.call(call.name, args);
  });
  readToolCalls(message, b);
}

function normalize(value: unknown, text: string, line: number, run: RunMetadata, trusted: boolean): Generator<ReadItem> {
  const conversation: Conversation = { line, unit: String(line), raw: text, messages: [], meta: isPlainObject(value) ? value : {}, root: "$" };
  const b = new TraceBuilder(conversation);
  if (!isPlainObject(value) || !("prompt" in value) || !("completion" in value)) {
    b.error(line, "$", 'expected a verifiers rollout {"prompt", "completion", "answer", "reward", …}');
    return b.finish({ question: "", answer: null, method: "direct", format: "verifiers", trusted });
  }
  const prompt = messagesOf(value.prompt, "prompt", line, b);
  const completion = messagesOf(value.completion, "completion", line, b);
  const userIndex = prompt.findLastIndex((m) => m.role === "user");
  const user = prompt[userIndex];
  const info = isPlainObject(value.info) ? value.info : {};
  let image: string | null = null;
  if (user) {
    const part = questionImage(user);
    image = part ? b.image(part, line) : null;
    b.imagesOf(user);
  }
  image ??= recordImage(info, b, line);
  const lastAssistant = completion.findLastIndex((m) => m.role === "assistant");
  completion.forEach((message, i) => {
    if (message.role === "assistant") assistant(message, i === lastAssistant, b);
    else if (message.role === "tool") readToolMessage(message, b);
    else if (message.role === "user") {
      const result = XML_RESULT.exec(message.text);
      const open = b.unanswered();
      if (result && open.length) b.result(open[0], withImages(parseOutput(result[1]), b.imagesOf(message)));
      else b.warn(line, `${message.at}`, "a user turn in the completion that answers no call (environment feedback): kept in the raw record");
    }
  });
  const id = stringField(value, "example_id", "id");
  return b.finish({
    externalId: `${id ?? "rollout"}-${contentHash(text).slice(0, 12)}`,
    image,
    scene: stringField(info, "scene"),
    question: user ? questionOf(user.text).question : "",
    answer: answerField(value, "answer"),
    teacherModel: stringField(value, "model") ?? run.model,
    teacherParams: run.params,
    method: "direct",
    format: "verifiers",
    trusted,
  });
}

function* readVerifiers(context: ReadContext): Generator<ReadItem> {
  const run = runMetadata(context.file);
  for (const record of jsonRecords(context.file, context.progress)) {
    if ("error" in record) yield { type: "error", ...record };
    else yield* normalize(record.value, record.text, record.line, run, context.trusted);
  }
}

export const verifiersFormat: FormatDefinition = {
  name: "verifiers",
  summary: "verifiers RL rollouts (results.jsonl of vf-eval: prompt / completion messages, answer, reward, metrics)",
  detect: ({ firstValue, head }) =>
    isPlainObject(firstValue) ? "prompt" in firstValue && "completion" in firstValue : /^\s*\{/.test(head) && /"prompt"\s*:\s*[["]/.test(head) && /"completion"\s*:/.test(head.split("\n")[0] ?? head) || /^\s*\{"(?:example_)?id"\s*:\s*\d+\s*,\s*"prompt"\s*:/.test(head),
  read: readVerifiers,
};
