import { parseOutput, splitFinalAnswer, answerOf } from "@/lib/formats/agent";
import {
  answerField,
  isMessageLike,
  messageKey,
  questionImage,
  questionOf,
  readConversations,
  readToolCalls,
  readToolMessage,
  recordImage,
  sceneField,
  stringField,
  TraceBuilder,
  withImages,
  type ChatMessage,
  type Conversation,
} from "@/lib/formats/chat-log";
import { declaredTools, readCell, type CellContext } from "@/lib/formats/python-cell";
import { actionOf, NO_ACTION } from "@/lib/formats/react";
import { isPlainObject } from "@/lib/formats/records";
import type { FormatDefinition, ReadContext } from "@/lib/formats/reader";
import type { ReadItem } from "@/lib/formats/types";

// ReAct agents logged as chat messages — the shape AutoGen-based agents such as Visual Sketchpad
// save (`output.json`: a bare JSON array of {role, content} messages, content a string or parts):
//   user (first)   the question; tool documentation and worked examples may precede it, the
//                  request then follows `# USER REQUEST #:`; its image parts (data: URIs, or bare
//                  base64 as AutoGen stores them) are stored content-addressed, the first after
//                  the request is the trace's image
//   assistant      THOUGHT n: … → reasoning; ACTION n: ```python …``` → the cell's steps
//                  (python-cell.ts: tool calls and code steps), or a call written as
//                  tool(arg=…), JSON or tool[input], or "No action needed"; ANSWER: … → answer
//                  ("… So the answer is (A). TERMINATE" keeps "(A)")
//   user (later)   OBSERVATION: … → the result of the latest action (its last tool call, else
//                  its code step), with the images of the turn; "Execution error" → {error}
// Keywords are case-insensitive, numbered or not ("Thought:", "THOUGHT 2:", "**Action 1:**",
// "# ACTION 1:"). An OBSERVATION the model wrote itself is replaced by the executed one when the
// next user turn brings it. OpenAI tool_calls / tool messages in the same array work too.
// Containers: the bare array (whole file or one per JSONL line), one message per JSONL line, or
// {messages | conversation | conversations, id?, image?, scene?, answer?, model?, metadata?}.

const KEYWORD = /^[ \t]*(?:#+[ \t]*)?(?:>[ \t]*)?(?:\*\*)?(thought|action input|action|code|observation|final answer|answer)(?:[ \t]*#?\d+)?(?:\*\*)?[ \t]*[:：](?:\*\*)?[ \t]?/gim;
/** smolagents ends a code block with this marker. */
const END_CODE = /<end_code>/gi;
/** The function that ends a code agent's run with its answer (smolagents' final_answer). */
const FINAL_ANSWER_TOOL = /^final_answer$/i;
const TRAILING_PROMPT = /\n[ \t]*(?:Please generate|If you can get the answer|Please fix the error|Now please generate|Otherwise, please generate)[\s\S]*$/i;
const REACT_IN_JSON = /(?:\\n|")\s*(?:#+\s*)?(?:\*\*)?(?:THOUGHT|ACTION)(?:\s+\d+)?(?:\*\*)?\s*:/i;

interface Block {
  keyword: string | null;
  text: string;
}

function blocksOf(text: string): Block[] {
  const blocks: Block[] = [];
  let last = 0;
  let keyword: string | null = null;
  for (const match of text.matchAll(KEYWORD)) {
    blocks.push({ keyword, text: text.slice(last, match.index) });
    keyword = match[1].toLowerCase();
    last = match.index! + match[0].length;
  }
  blocks.push({ keyword, text: text.slice(last) });
  // "Code:" (smolagents' CodeAgent) introduces the action's cell
  return blocks
    .map((b) => ({ keyword: b.keyword === "code" ? "action" : b.keyword, text: b.text.replace(END_CODE, "").replace(/\s*\bTERMINATE\b\s*$/i, "").trim() }))
    .filter((b) => b.keyword !== null || b.text);
}

/** An observation's text → the tool's output: JSON or Python literal when it parses; an execution error → {error}. */
export function observationOutput(text: string): unknown {
  let body = text.replace(TRAILING_PROMPT, "").trim();
  const error = /^Execution error\.?[ \t]*/i.exec(body);
  if (error) return { error: body.slice(error[0].length).trim() || "execution error" };
  body = body.replace(/^Execution success\.?\s*(?:The output is as follows:?)?\s*/i, "").trim();
  // smolagents: what the code printed, then the value of its last expression
  const smol = /^Execution logs:\s*([\s\S]*?)\s*(?:Last output from code snippet:\s*([\s\S]*))?$/i.exec(body);
  if (smol) {
    const last = smol[2]?.trim();
    body = last && last !== "None" ? last : smol[1].trim();
  }
  return body ? parseOutput(body) : null;
}

const FENCE = /```[ \t]*([\w+-]*)[^\n]*\n([\s\S]*?)(?:```|$)/g;
const LOOKS_LIKE_CODE = /^(?:[A-Za-z_][\w.]*\s*(?:\(|=[^=]|,)|import\s|from\s+\S+\s+import\s|for\s.*:\s*$|if\s.*:\s*$|with\s|#)/;

class ReactChat {
  private readonly b: TraceBuilder;
  private readonly cells: CellContext;
  /** The step the next observation answers: the latest action's last tool call, else its code. */
  private target: string | null = null;
  /** An observation the model wrote in its own turn, which a real one may still replace. */
  private provisional: { callId: string; line: number; at: string } | null = null;
  private answered = false;

  constructor(private readonly conversation: Conversation, private readonly trusted: boolean) {
    this.b = new TraceBuilder(conversation);
    const first = conversation.messages.findIndex((m) => m.role === "user");
    const prompt = conversation.messages.slice(0, first + 1).map((m) => m.text).join("\n");
    const declared = declaredTools(prompt);
    for (const tool of Array.isArray(conversation.meta.tools) ? conversation.meta.tools : []) {
      const fn = isPlainObject(tool) && isPlainObject(tool.function) ? tool.function : tool;
      if (isPlainObject(fn) && typeof fn.name === "string") declared.set(fn.name, isPlainObject(fn.parameters) && isPlainObject(fn.parameters.properties) ? Object.keys(fn.parameters.properties) : []);
    }
    this.cells = { declared, local: new Set(), variables: new Set() };
  }

  *read(): Generator<ReadItem> {
    const { messages, meta, line } = this.conversation;
    const firstUser = messages.findIndex((m) => m.role === "user");
    const question = firstUser >= 0 ? questionOf(messages[firstUser].text).question : "";
    let image = recordImage(meta, this.b, line);
    if (firstUser >= 0) {
      const part = questionImage(messages[firstUser]);
      const questionImageName = part ? this.b.image(part, messages[firstUser].line) : null;
      this.b.imagesOf(messages[firstUser]);
      image ??= questionImageName;
    }
    const lastAssistant = messages.findLastIndex((m) => m.role === "assistant");
    const anyAnswerKeyword = messages.some((m) => m.role === "assistant" && blocksOf(m.text).some((b) => b.keyword === "answer" || b.keyword === "final answer"));
    messages.forEach((message, i) => {
      if (i <= firstUser || message.role === "system") return;
      if (message.role === "assistant") this.assistant(message, i === lastAssistant && !anyAnswerKeyword);
      else if (message.role === "tool") readToolMessage(message, this.b);
      else this.user(message);
    });
    yield* this.b.finish({
      externalId: stringField(meta, "id", "trace_id", "sample_id", "_id", "question_id"),
      image,
      scene: sceneField(meta),
      question,
      answer: answerField(meta, "answer", "ground_truth", "gt_answer", "expected_answer"),
      teacherModel: stringField(meta, "model", "teacher_model"),
      teacherParams: isPlainObject(meta.params) ? meta.params : null,
      method: stringField(meta, "method") ?? "direct",
      format: "react-chat",
      trusted: this.trusted,
    });
  }

  private assistant(message: ChatMessage, last: boolean): void {
    const blocks = blocksOf(message.text);
    const hasCalls = Array.isArray(message.source.tool_calls) && message.source.tool_calls.length > 0;
    if (blocks.every((b) => b.keyword === null)) {
      const text = blocks.map((b) => b.text).join("\n").trim();
      const split = last && !hasCalls ? splitFinalAnswer(text) : null;
      if (last && !hasCalls) {
        this.b.text("reasoning", split?.before);
        this.b.text("answer", split ? split.answer : text);
        this.answered = true;
      } else this.b.text("reasoning", text);
    }
    for (let k = 0; k < blocks.length; k++) {
      const block = blocks[k];
      const isLastBlock = blocks.slice(k + 1).every((b) => b.keyword === null && !b.text);
      switch (block.keyword) {
        case null:
          if (blocks.some((b) => b.keyword !== null)) this.b.text("reasoning", block.text);
          break;
        case "thought":
          if (last && !this.answered && k === blocks.length - 1) {
            const split = splitFinalAnswer(block.text);
            if (split) {
              this.b.text("reasoning", split.before);
              this.b.text("answer", split.answer);
              this.answered = true;
              break;
            }
          }
          this.b.text("reasoning", block.text);
          break;
        case "action input":
          this.b.error(message.line, `${message.at}.content`, "Action Input without an Action before it");
          break;
        case "action": {
          const next = blocks[k + 1];
          const input = next?.keyword === "action input" ? next.text : null;
          if (input !== null) k++;
          this.action(block.text, input, message);
          break;
        }
        case "observation":
          if (!this.target || this.b.hasResult(this.target)) {
            this.b.warn(message.line, `${message.at}.content`, "the model wrote an OBSERVATION with no action waiting for one; ignored (kept in the raw record)");
            break;
          }
          this.b.result(this.target, observationOutput(block.text));
          // written by the model, not the executor: the next user turn's observation wins
          this.provisional = isLastBlock ? { callId: this.target, line: message.line, at: message.at } : null;
          this.target = null;
          break;
        case "answer":
        case "final answer": {
          const { reasoning, answer } = answerOf(block.text);
          this.b.text("reasoning", reasoning);
          this.b.text("answer", answer);
          this.answered = true;
          break;
        }
      }
    }
    readToolCalls(message, this.b);
  }

  private action(text: string, input: string | null, message: ChatMessage): void {
    const clean = text.replace(/\s*\bTERMINATE\b\s*$/i, "").trim();
    if (!clean || (input === null && NO_ACTION.test(clean))) return;
    const fences = [...clean.matchAll(FENCE)];
    if (fences.length) {
      const prose = clean.replace(FENCE, "").trim();
      if (prose && !NO_ACTION.test(prose)) this.b.text("reasoning", prose);
      this.cell(fences.map((f) => f[2]).join("\n"), message);
      return;
    }
    const singleLine = !clean.includes("\n");
    if (input === null && !clean.startsWith("{") && !(singleLine && /^[A-Za-z_][\w.]*\[[\s\S]*\]$/.test(clean)) && LOOKS_LIKE_CODE.test(clean)) {
      this.cell(clean, message);
      return;
    }
    const action = actionOf(clean, input);
    if ("error" in action) {
      this.b.error(message.line, `${message.at}.content`, `ACTION: ${action.error.replace(/expected tool\(/, "expected a ```python cell, tool(")}`);
      return;
    }
    this.target = this.b.call(action.tool, action.args, { text: input === null ? clean : `${clean}\n${input.trim()}` });
    this.provisional = null;
  }

  private cell(code: string, message: ChatMessage): void {
    const steps = readCell(code, this.cells);
    if (!steps.length) {
      this.b.warn(message.line, `${message.at}.content`, "an ACTION cell with no statement (only comments); no step");
      return;
    }
    let lastCall: string | null = null;
    let lastCode: string | null = null;
    for (const step of steps) {
      if (step.kind === "call" && FINAL_ANSWER_TOOL.test(step.tool)) {
        const value = step.args.answer ?? Object.values(step.args)[0];
        if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") {
          this.b.text("answer", String(value));
          this.answered = true;
          continue;
        }
      }
      if (step.kind === "call") lastCall = this.b.call(step.tool, step.args, { text: step.source });
      else lastCode = this.b.code(step.source);
    }
    this.target = lastCall ?? lastCode;
    this.provisional = null;
  }

  private user(message: ChatMessage): void {
    const blocks = blocksOf(message.text);
    const observation = blocks.find((b) => b.keyword === "observation");
    const images = this.b.imagesOf(message);
    const text = observation ? blocks.slice(blocks.indexOf(observation)).map((b) => b.text).join("\n") : message.text;
    if (this.provisional && (observation || images.length)) {
      this.b.replaceResult(this.provisional.callId, withImages(observationOutput(text), images));
      this.b.warn(this.provisional.line, `${this.provisional.at}.content`, "the model wrote its own OBSERVATION; replaced by the executed one from the next user turn");
      this.provisional = null;
      return;
    }
    this.provisional = null;
    if (this.target && !this.b.hasResult(this.target)) {
      this.b.result(this.target, withImages(observationOutput(text), images));
      this.target = null;
      return;
    }
    if (observation) this.b.error(message.line, `${message.at}.content`, "tool result answers no call: an OBSERVATION with no ACTION before it");
  }
}

function* readReactChat(context: ReadContext): Generator<ReadItem> {
  for (const item of readConversations(context)) {
    if ("type" in item) yield item;
    else yield* new ReactChat(item, context.trusted).read();
  }
}

export const reactChatFormat: FormatDefinition = {
  name: "react-chat",
  summary: "ReAct agents logged as chat messages (a bare JSON array, as Visual Sketchpad / AutoGen save them): THOUGHT / ACTION (Python cells) / OBSERVATION / ANSWER turns, images inline",
  detect: ({ firstValue, head }) => {
    const text = head.trimStart();
    if (!/^[[{]/.test(text)) return false;
    if (Array.isArray(firstValue)) return firstValue.length > 0 && firstValue.every(isMessageLike);
    if (isMessageLike(firstValue) && !messageKey(firstValue)) return true;
    if (/^\[\s*\{\s*"(?:role|content|from|value)"\s*:/.test(text)) return true;
    const wrapped = isPlainObject(firstValue) ? messageKey(firstValue) !== null : /^\{/.test(text) && /"(?:messages|conversations?)"\s*:\s*\[/.test(head);
    return wrapped && REACT_IN_JSON.test(head) && !/"tool_calls"\s*:\s*\[\s*[{"]/.test(head);
  },
  read: readReactChat,
};
