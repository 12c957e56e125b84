import type { CanonicalStep, CanonicalTrace } from "@/lib/schemas/trace";
import { TRACE_SCHEMA_ID } from "@/lib/schemas/trace";
import type { TrlMessageShape } from "@/lib/formats/export/layouts";

// Rebuilds the canonical trace (stepwise.trace/v1) from a TRL SFT row: the step contents come
// from the messages (one assistant message per teacher turn: its texts joined by a blank line,
// then its calls; one tool message per result); `meta` supplies what chat messages cannot say
// (the trace id, the kind of each step, the original call ids, the message of each step). Without
// meta each assistant message is one text step (plan before the first call, answer last,
// reasoning otherwise) followed by its calls, numbered c1, c2, …

export interface SftRowLike {
  messages: TrlMessageShape[];
  images?: string[];
  meta?: { trace_id?: string; image?: string | null; step_kinds?: string[]; step_call_ids?: Array<string | null>; step_turns?: number[] };
}

function contentText(content: TrlMessageShape["content"]): string {
  if (content === undefined) return "";
  if (typeof content === "string") return content;
  return content.filter((p) => p.type === "text").map((p) => (p as { text: string }).text).join("");
}

const parseArgs = (text: string): Record<string, unknown> => JSON.parse(text) as Record<string, unknown>;

function withMeta(row: SftRowLike, kinds: string[], callIds: Array<string | null>, turns: number[]): CanonicalStep[] {
  const steps: CanonicalStep[] = [];
  let i = 0;
  while (i < kinds.length) {
    const at = turns[i];
    let end = i;
    while (end < kinds.length && turns[end] === at) end++;
    const message = row.messages[at];
    if (message.role === "tool") {
      steps.push({ kind: "tool_result", call: callIds[i] ?? "", output: JSON.parse(contentText(message.content)) });
      i = end;
      continue;
    }
    if (message.role !== "assistant") throw new Error(`step ${i} points at a ${message.role} message`);
    const texts = contentText(message.content);
    const parts = texts ? texts.split("\n\n") : [];
    const textSteps = kinds.slice(i, end).filter((k) => k !== "tool_call").length;
    // calls carry text only when there are more parts than text steps (VisProg's program lines)
    let callTexts = parts.length - textSteps;
    const calls = "tool_calls" in message ? (message.tool_calls ?? []) : [];
    let call = 0;
    for (let k = i; k < end; k++) {
      if (kinds[k] === "tool_call") {
        const c = calls[call++];
        const text = callTexts-- > 0 ? parts.shift() : undefined;
        steps.push({ kind: "tool_call", id: callIds[k] ?? `c${call}`, tool: c.function.name, args: parseArgs(c.function.arguments), ...(text ? { text } : {}) });
      } else {
        steps.push({ kind: kinds[k] as "plan" | "reasoning" | "answer", text: parts.shift() ?? "" });
      }
    }
    i = end;
  }
  return steps;
}

function inferred(turns: TrlMessageShape[]): CanonicalStep[] {
  const lastText = turns.map((m) => m.role === "assistant" && !!contentText(m.content)).lastIndexOf(true);
  let seenCall = false;
  let generated = 0;
  const pending: Array<{ id: string; name: string }> = [];
  const steps: CanonicalStep[] = [];
  turns.forEach((message, i) => {
    if (message.role === "tool") {
      const at = pending.findIndex((p) => p.name === message.name);
      const call = at >= 0 ? pending.splice(at, 1)[0].id : `c${generated}`;
      steps.push({ kind: "tool_result", call, output: JSON.parse(contentText(message.content)) });
      return;
    }
    if (message.role !== "assistant") throw new Error(`unexpected ${message.role} message after the prompt`);
    const text = contentText(message.content);
    if (text) steps.push({ kind: i === lastText && (seenCall || i > 0) ? "answer" : seenCall ? "reasoning" : "plan", text });
    for (const c of message.tool_calls ?? []) {
      const id = `c${++generated}`;
      pending.push({ id, name: c.function.name });
      seenCall = true;
      steps.push({ kind: "tool_call", id, tool: c.function.name, args: parseArgs(c.function.arguments) });
    }
  });
  return steps;
}

export function canonicalFromSft(row: SftRowLike): CanonicalTrace {
  const user = row.messages.find((m) => m.role === "user");
  if (!user) throw new Error("SFT row has no user message");
  const { step_kinds: kinds, step_call_ids: callIds, step_turns: turns } = row.meta ?? {};
  const steps = kinds && callIds && turns ? withMeta(row, kinds, callIds, turns) : inferred(row.messages.slice(row.messages.indexOf(user) + 1));
  const image = row.meta?.image ?? undefined;
  return {
    schema: TRACE_SCHEMA_ID,
    id: row.meta?.trace_id ?? "unknown",
    ...(image ? { image } : {}),
    question: contentText(user.content),
    steps,
  };
}
