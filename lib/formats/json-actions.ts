import { parseLiteral, parseOutput } from "@/lib/formats/agent";
import {
  answerField,
  argumentsOf,
  questionImage,
  questionOf,
  readConversations,
  recordImage,
  sceneField,
  stringField,
  TraceBuilder,
  withImages,
  type ChatMessage,
  type Conversation,
} from "@/lib/formats/chat-log";
import { isPlainObject } from "@/lib/formats/records";
import type { FormatDefinition, ReadContext } from "@/lib/formats/reader";
import type { ReadItem } from "@/lib/formats/types";
import { answerToText } from "@/lib/schemas/trace";

// Agents that answer in JSON inside the message text — TACO's chains of thought and action
// (CoTA, Salesforce): each assistant turn is
//   {"thought": "…", "actions": [{"name": "OCR", "arguments": {"image": "image-0"}}]}
// (optionally in a ```json fence), the next user turn the observation
//   OBSERVATION:\n{'text': 'x-2^3=0'}\nThe OBSERVATION can be incomplete or incorrect, …
// (a Python dict, as TACO prints it; without the OBSERVATION: prefix it is the executor's error
// message), and the chain ends with the action Terminate {"answer": …}.
// Mapping: thought → reasoning; actions[0] → tool_call (TACO executes only the first; further
// actions are reported and kept in the raw record); the observation → its tool_result (the dict,
// or {error}); Terminate → answer. Tools keep their names (OCR, LocalizeObjects, …; the spatial
// registry's when they are its). Records as the CoTA datasets publish them:
//   cota-mantis  {id, images: [...], metadata: {dataset, task_instruction}, conversation: [{role, content}]}
//   cota-llava   {sample_id, image: [...], conversations: [{from: "human" | "gpt", value}], metadata}
// one per JSONL line or a JSON array of them; a bare array of messages works too.

/** The action that ends a chain with its answer: TACO's Terminate, and how other agents name it. */
const TERMINATE = /^(?:terminate|finish|final[_ ]?answer|submit[_ ]?answer)$/i;
const OBSERVATION_PREFIX = /^\s*OBSERVATION\s*:?\s*/i;
const FEEDBACK_SUFFIX = /\s*(?:The OBSERVATION can be incomplete|Please try again to fix the error|Please format the output)[\s\S]*$/i;
const JSON_ACTIONS = /\\"actions?\\"\s*:\s*[[{]/;
const JSON_THOUGHT = /\\"thoughts?\\"\s*:/;
/** The reply stored as a JSON object rather than text: "content": {"thought": …, "action(s)": …}. */
const OBJECT_CONTENT = /"(?:content|value)"\s*:\s*\{\s*"thoughts?"\s*:[\s\S]*?"actions?"\s*:\s*[[{]/;

/** The first balanced {...} of a text (strings respected), as TACO's parser extracts it. */
function outermostObject(text: string): string | null {
  const start = text.indexOf("{");
  if (start < 0) return null;
  let depth = 0;
  let quote: string | null = null;
  for (let i = start; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === "\\") i++;
      else if (c === quote) quote = null;
      continue;
    }
    if (c === '"' || c === "'") quote = c;
    else if (c === "{") depth++;
    else if (c === "}" && --depth === 0) return text.slice(start, i + 1);
  }
  return null;
}

/** An assistant turn's JSON (or Python-literal) object, or why it cannot be read. */
export function readActionObject(text: string): { ok: true; value: Record<string, unknown> } | { ok: false; error: string } {
  const fenced = /```(?:json|JSON)?\s*([\s\S]*?)(?:```|$)/.exec(text);
  const body = fenced ? fenced[1] : text;
  const object = outermostObject(body);
  if (!object) {
    const truncated = body.includes("{");
    return { ok: false, error: truncated ? "the JSON object is truncated (no closing brace)" : `expected a JSON object {"thought", "actions"}, found ${JSON.stringify(body.trim().slice(0, 60))}` };
  }
  try {
    const value = JSON.parse(object);
    if (isPlainObject(value)) return { ok: true, value };
  } catch (jsonError) {
    try {
      const value = parseLiteral(object); // single-quoted, True/None: a Python dict
      if (isPlainObject(value)) return { ok: true, value };
    } catch {
      return { ok: false, error: `invalid JSON (${(jsonError as Error).message})` };
    }
  }
  return { ok: false, error: "expected a JSON object" };
}

/** An observation's text → the parsed dict (or text); a message without the prefix is an execution error. */
export function readObservation(text: string): unknown {
  const prefixed = OBSERVATION_PREFIX.test(text);
  const body = text.replace(OBSERVATION_PREFIX, "").replace(FEEDBACK_SUFFIX, "").trim();
  if (!prefixed) return { error: body || "the action failed" };
  if (!body) return null;
  const object = /^[{[]/.test(body) ? (body.startsWith("{") ? outermostObject(body) : null) : null;
  return parseOutput(object ?? body);
}

function* readJsonActions(context: ReadContext): Generator<ReadItem> {
  for (const item of readConversations(context)) {
    if ("type" in item) yield item;
    else yield* normalize(item, context.trusted);
  }
}

function normalize(conversation: Conversation, trusted: boolean): Generator<ReadItem> {
  const b = new TraceBuilder(conversation);
  const { messages, meta, line } = conversation;
  const firstUser = messages.findIndex((m) => m.role === "user");
  const question = firstUser >= 0 ? questionOf(messages[firstUser].text).question : "";
  let image = recordImage(meta, b, line);
  if (firstUser >= 0) {
    const part = questionImage(messages[firstUser]);
    const name = part ? b.image(part, messages[firstUser].line) : null;
    b.imagesOf(messages[firstUser]);
    image ??= name;
  }
  let open: string | null = null;
  messages.forEach((message, i) => {
    if (i <= firstUser || message.role === "system") return;
    if (message.role === "assistant") open = assistant(message, b) ?? open;
    else if (open && !b.hasResult(open)) {
      b.result(open, withImages(readObservation(message.text), b.imagesOf(message)));
      open = null;
    } else b.imagesOf(message);
  });
  return b.finish({
    externalId: stringField(meta, "id", "sample_id", "trace_id", "question_id"),
    image,
    scene: sceneField(meta),
    question,
    answer: answerField(meta, "answer", "ground_truth", "gt_answer", "label"),
    teacherModel: stringField(meta, "model"),
    teacherParams: null,
    method: stringField(meta, "method") ?? "direct",
    format: "json-actions",
    trusted,
  });
}

/** One assistant turn; returns the call id its observation will answer. */
function assistant(message: ChatMessage, b: TraceBuilder): string | null {
  const at = `${message.at}.content`;
  const read = readActionObject(message.text);
  if (!read.ok) {
    b.error(message.line, at, `expected {"thought": …, "actions": [{"name": …, "arguments": {…}}]}: ${read.error}`);
    return null;
  }
  const object = read.value;
  const thought = object.thought ?? object.thoughts ?? object.reasoning;
  if (thought !== undefined && typeof thought !== "string") b.error(message.line, `${at}.thought`, `expected the thought as a string, found ${JSON.stringify(thought)?.slice(0, 60)}`);
  else b.text("reasoning", thought);
  const actions = object.actions ?? (object.action !== undefined ? [object.action] : undefined);
  if (actions === undefined) {
    b.error(message.line, `${at}.actions`, 'expected "actions": a list of {"name", "arguments"} (empty when no action is needed)');
    return null;
  }
  if (!Array.isArray(actions)) {
    b.error(message.line, `${at}.actions`, `expected a list of actions, found ${JSON.stringify(actions)?.slice(0, 60)}`);
    return null;
  }
  if (actions.length > 1) b.warn(message.line, `${at}.actions`, `${actions.length} actions in one turn: only the first is executed (TACO), the rest are kept in the raw record`);
  const action = actions[0];
  if (action === undefined) return null;
  const path = `${at}.actions[0]`;
  // "name" (TACO); "tool" / "tool_name" / "function" as other agents write it
  const name = isPlainObject(action) ? [action.name, action.tool, action.tool_name, action.function].find((v) => typeof v === "string" && v.trim()) : undefined;
  if (!isPlainObject(action) || typeof name !== "string") {
    b.error(message.line, `${path}.name`, `expected the action's "name", found ${JSON.stringify(isPlainObject(action) ? action.name : action)?.slice(0, 60)}`);
    return null;
  }
  const { args, error } = argumentsOf(action.arguments ?? action.args ?? action.parameters ?? action.tool_input ?? action.action_input ?? action.input);
  if (error) {
    b.error(message.line, `${path}.arguments`, error);
    return null;
  }
  if (TERMINATE.test(name)) {
    const answer = args.answer ?? args.final_answer ?? args.result ?? args.output;
    if (typeof answer !== "string" && typeof answer !== "number" && typeof answer !== "boolean") {
      b.error(message.line, `${path}.arguments.answer`, `Terminate needs its "answer", found ${JSON.stringify(answer ?? null)}`);
      return null;
    }
    b.text("answer", answerToText(answer));
    return null;
  }
  return b.call(name.trim(), args);
}

export const jsonActionsFormat: FormatDefinition = {
  name: "json-actions",
  summary: 'JSON-in-text agents (TACO / CoTA): assistant turns {"thought", "actions": [{"name", "arguments"}]}, observations in the next turn, Terminate {answer}',
  detect: ({ head }) => /^\s*[[{]/.test(head) && ((JSON_ACTIONS.test(head) && JSON_THOUGHT.test(head)) || OBJECT_CONTENT.test(head)),
  read: readJsonActions,
};
