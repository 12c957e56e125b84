import path from "node:path";
import { answerOf, parseCallExpression, parseLiteral, parseOutput, toolParameters } from "@/lib/formats/agent";
import { contentHash } from "@/lib/formats/hash";
import { fileLines } from "@/lib/formats/lines";
import { isPlainObject } from "@/lib/formats/records";
import type { FormatDefinition, ReadContext } from "@/lib/formats/reader";
import type { NormalizedStep, ReadItem } from "@/lib/formats/types";
import { getTool, toolNames } from "@/lib/tools/registry";

// ReAct text logs, as agent frameworks print them: blocks that start with a keyword line
//   Question: …            (starts a trace; so does "> Entering new … chain…")
//   Thought: …             → reasoning          (THOUGHT 2: … numbered forms too)
//   Action: …              → tool_call, written as code  relate(object="obj_1", relation="left"),
//                            as a name with "Action Input: {json}", as tool[input], or as JSON
//                            {"action": …, "action_input": …}; "No action needed" is no call
//   Observation: …         → tool_result of the latest call (JSON or Python literal when it is)
//   Final Answer: … / ANSWER: …  → answer ("… the answer is (A). TERMINATE" keeps "(A)")
// Lines without a keyword continue the block above. Optional header lines name the trace:
// ID:, Image:, Scene:, Ground truth:, Model:, Method:. A line of === or --- ends a trace.
// Errors name the line of the block and the step (`$.steps[3].args`) it would have become.

const KEYWORD = /^\s*(?:>\s*)?(?:\*\*)?(thought|action input|action|observation|final answer|answer|question)(?:\s+\d+)?(?:\*\*)?\s*:\s?(.*)$/i;
const HEADER = /^\s*(id|trace id|trace|image|scene|ground truth|expected answer|model|method)\s*:\s*(.*)$/i;
const SEPARATOR = /^\s*(?:={3,}|-{3,}|>\s*Finished chain\.?)\s*$/i;
const CHAIN_START = /^\s*>\s*Entering new .*chain/i;
/** "No action needed." and its variants: an action line that calls nothing. */
export const NO_ACTION = /^(no (further )?action( is)?( needed| required| necessary)?|none|n\/a|terminate|finish)\.?$/i;

interface Block {
  keyword: string;
  line: number;
  lines: string[];
}

interface Pending {
  start: number;
  text: string[];
  headers: Record<string, string>;
  blocks: Block[];
}

/** An action as ReAct logs write it: code, a name with its Action Input, tool[input] or JSON. Unknown tools are the caller's call. */
export function actionOf(text: string, input: string | null): { tool: string; args: Record<string, unknown> } | { error: string; field: string } {
  const clean = text.replace(/\s*TERMINATE\s*$/i, "").trim().replace(/^`+|`+$/g, "");
  const firstParameter = (tool: string, value: unknown) => {
    const [name] = toolParameters(tool);
    return name ? { tool, args: { [name]: value } } : { error: `${tool} takes no input, but "${String(value).slice(0, 40)}" was given`, field: "args" };
  };
  if (input !== null) {
    const tool = clean;
    const raw = input.trim();
    if (!raw) return { tool, args: {} };
    try {
      const value = /^[[{]/.test(raw) ? parseLiteral(raw) : raw;
      if (isPlainObject(value)) return { tool, args: value };
      return firstParameter(tool, value);
    } catch (error) {
      return { error: `cannot read the Action Input: ${(error as Error).message}`, field: "args" };
    }
  }
  if (clean.startsWith("{")) {
    let value: unknown;
    try {
      value = parseLiteral(clean);
    } catch (error) {
      return { error: `cannot read the action JSON: ${(error as Error).message}`, field: "args" };
    }
    if (isPlainObject(value)) {
      const tool = value.action ?? value.tool ?? value.name;
      const args = value.action_input ?? value.args ?? value.arguments ?? value.tool_input ?? value.input ?? {};
      if (typeof tool === "string") {
        const parsed = typeof args === "string" && args.trim().startsWith("{") ? parseOutput(args) : args;
        return isPlainObject(parsed) ? { tool, args: parsed } : firstParameter(tool, parsed);
      }
    }
    return { error: 'expected {"action": name, "action_input": {...}}', field: "tool" };
  }
  const bracket = /^([A-Za-z_][\w.]*)\[([\s\S]*)\]$/.exec(clean);
  if (bracket) {
    const inner = bracket[2].trim();
    const value = /^[[{'"]/.test(inner) ? parseOutput(inner) : inner;
    return isPlainObject(value) ? { tool: bracket[1], args: value } : firstParameter(bracket[1], value);
  }
  const call = parseCallExpression(clean);
  if (call && "error" in call) return { error: call.error, field: "args" };
  if (call) return call;
  if (/^[A-Za-z_][\w.]*$/.test(clean)) return { tool: clean, args: {} };
  return { error: `cannot read the action "${clean.slice(0, 60)}": expected tool(arg=value, …), a tool name with Action Input, tool[input] or JSON`, field: "tool" };
}

function* finish(pending: Pending): Generator<ReadItem> {
  const unit = String(pending.start);
  const steps: NormalizedStep[] = [];
  const errors: Array<{ line: number; path: string; error: string }> = [];
  let open: string | null = null; // call id awaiting its observation
  let calls = 0;
  const question = pending.headers.question ?? null;
  for (let b = 0; b < pending.blocks.length; b++) {
    const block = pending.blocks[b];
    const text = block.lines.join("\n").trim();
    const at = `$.steps[${steps.length}]`;
    switch (block.keyword) {
      case "question":
        break; // its text is in headers.question
      case "thought":
        if (text) steps.push({ kind: "reasoning", text });
        break;
      case "action input":
        errors.push({ line: block.line, path: at, error: "Action Input without an Action before it" });
        break;
      case "action": {
        const next = pending.blocks[b + 1];
        const input = next?.keyword === "action input" ? next.lines.join("\n") : null;
        if (input !== null) b++;
        if (input === null && NO_ACTION.test(text.replace(/\s*TERMINATE\s*$/i, "").trim())) break;
        const action = actionOf(text, input);
        if ("error" in action) {
          errors.push({ line: block.line, path: `${at}.${action.field}`, error: action.error });
          break;
        }
        if (!getTool(action.tool)) {
          errors.push({ line: block.line, path: `${at}.tool`, error: `unknown tool "${action.tool}" (known: ${toolNames().join(", ")})` });
          break;
        }
        calls++;
        open = `a${calls}`;
        steps.push({ kind: "tool_call", tool: action.tool, callId: open, args: action.args, text: input === null ? text : `${text}\n${input.trim()}` });
        break;
      }
      case "observation":
        if (!open) {
          errors.push({ line: block.line, path: `${at}.call`, error: "tool result answers no call: an Observation with no Action before it" });
          break;
        }
        steps.push({ kind: "tool_result", callId: open, result: parseOutput(text) });
        open = null;
        break;
      case "final answer":
      case "answer": {
        const { reasoning, answer } = answerOf(text);
        if (reasoning) steps.push({ kind: "reasoning", text: reasoning });
        steps.push({ kind: "answer", text: answer });
        break;
      }
    }
  }
  if (!question) errors.push({ line: pending.start, path: "$.question", error: "expected a Question: line before the steps" });
  else if (!steps.length && !errors.length) errors.push({ line: pending.start, path: "$.steps", error: "expected Thought / Action / Observation / Answer blocks after the question" });
  if (errors.length) {
    for (const e of errors) yield { type: "error", unit, ...e };
    return;
  }
  const raw = pending.text.join("\n").trim();
  const h = pending.headers;
  const finalAnswer = steps.findLast((s) => s.kind === "answer")?.text ?? null;
  yield {
    type: "trace",
    line: pending.start,
    unit,
    value: {
      externalId: h.id || `react-${contentHash(raw).slice(0, 16)}`,
      image: h.image ? (/^https?:\/\//i.test(h.image) ? h.image : path.basename(h.image)) : null,
      scene: h.scene || null,
      question: question ?? "",
      answer: h["ground truth"] ?? null,
      finalAnswer,
      teacherModel: h.model || null,
      method: h.method || "direct",
      format: "react",
      raw,
      steps,
      labels: [],
    },
  };
}

function* readReact(context: ReadContext): Generator<ReadItem> {
  let pending: Pending | null = null;
  const fresh = (line: number): Pending => ({ start: line, text: [], headers: {}, blocks: [] });
  for (const line of fileLines(context.file, context.progress)) {
    if ("error" in line) {
      yield { type: "error", line: line.line, path: "$", error: line.error, unit: pending ? String(pending.start) : undefined };
      continue;
    }
    const text = line.text;
    if (SEPARATOR.test(text)) {
      if (pending && (pending.blocks.length || pending.headers.question)) yield* finish(pending);
      pending = null;
      continue;
    }
    if (CHAIN_START.test(text)) {
      if (pending && (pending.blocks.length || pending.headers.question)) yield* finish(pending);
      pending = fresh(line.line);
      continue;
    }
    const keyword = KEYWORD.exec(text);
    const header = keyword ? null : HEADER.exec(text);
    const startsTrace = keyword?.[1].toLowerCase() === "question" || Boolean(header && pending?.blocks.some((b) => b.keyword !== "question"));
    if (startsTrace && pending && pending.blocks.some((b) => b.keyword !== "question")) {
      yield* finish(pending);
      pending = null;
    }
    if (!text.trim() && !pending) continue;
    pending ??= fresh(line.line);
    pending.text.push(text);
    if (keyword) {
      const name = keyword[1].toLowerCase();
      if (name === "question") pending.headers.question = keyword[2].trim();
      pending.blocks.push({ keyword: name, line: line.line, lines: name === "question" ? [] : [keyword[2]] });
    } else if (header) {
      const key = header[1].toLowerCase().replace(/^trace id$|^trace$/, "id").replace("expected answer", "ground truth");
      pending.headers[key] = header[2].trim();
    } else if (pending.blocks.length) {
      const block = pending.blocks[pending.blocks.length - 1];
      if (block.keyword === "question") pending.headers.question = `${pending.headers.question ?? ""}\n${text}`.trim();
      else block.lines.push(text);
    }
  }
  if (pending && (pending.blocks.length || pending.headers.question)) yield* finish(pending);
}

export const reactFormat: FormatDefinition = {
  name: "react",
  summary: "ReAct text logs (Question / Thought / Action / Observation / Final Answer blocks; actions as code, JSON or Action Input)",
  detect: ({ head }) => !/^\s*[[{]/.test(head) && /^\s*(?:>\s*)?(?:\*\*)?(?:thought|action)(?:\s+\d+)?(?:\*\*)?\s*:/im.test(head),
  read: readReact,
};
