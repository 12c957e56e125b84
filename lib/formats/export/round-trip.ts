import type { CanonicalStep, CanonicalTrace } from "@/lib/schemas/trace";
import { TRACE_SCHEMA_ID } from "@/lib/schemas/trace";
import type { TrlMessageShape } from "@/lib/formats/export/layouts";

// Rebuilds the canonical trace (stepwise.trace/v1) from a TRL SFT row: the step contents come
// from the messages; `meta` supplies what chat messages cannot say (the trace id, the kind of a
// text step, the original call ids). Without meta the kinds are inferred (text before the first
// call = plan, last text = answer, the rest reasoning) and call ids numbered c1, c2, …

export interface SftRowLike {
  messages: TrlMessageShape[];
  images?: string[];
  meta?: { trace_id?: string; image?: string | null; step_kinds?: string[]; step_call_ids?: Array<string | null> };
}

function contentText(content: TrlMessageShape["content"]): string {
  if (content === undefined) return "";
  if (typeof content === "string") return content;
  return content.filter((p) => p.type === "text").map((p) => (p as { text: string }).text).join("");
}

export function canonicalFromSft(row: SftRowLike): CanonicalTrace {
  const user = row.messages.find((m) => m.role === "user");
  if (!user) throw new Error("SFT row has no user message");
  const turns = row.messages.slice(row.messages.indexOf(user) + 1);
  const kinds = row.meta?.step_kinds;
  const callIds = row.meta?.step_call_ids;
  const firstCall = turns.findIndex((m) => m.role === "assistant" && m.tool_calls);
  const lastText = turns.map((m) => m.role === "assistant" && !m.tool_calls).lastIndexOf(true);
  const pending: Array<{ id: string; name: string }> = [];
  let generated = 0;
  const steps: CanonicalStep[] = turns.map((message, i): CanonicalStep => {
    if (message.role === "assistant" && message.tool_calls) {
      const call = message.tool_calls[0];
      const id = callIds?.[i] ?? `c${++generated}`;
      pending.push({ id, name: call.function.name });
      const text = contentText(message.content);
      return { kind: "tool_call", id, tool: call.function.name, args: call.function.arguments, ...(text ? { text } : {}) };
    }
    if (message.role === "tool") {
      // results answer calls in order: the earliest open call of that tool
      const at = pending.findIndex((p) => p.name === message.name);
      const call = callIds?.[i] ?? (at >= 0 ? pending.splice(at, 1)[0].id : `c${generated}`);
      return { kind: "tool_result", call, output: JSON.parse(contentText(message.content)) };
    }
    if (message.role !== "assistant") throw new Error(`unexpected ${message.role} message after the prompt`);
    const kind = (kinds?.[i] ?? (firstCall === -1 || i < firstCall ? (i === lastText && i > 0 ? "answer" : "plan") : i === lastText ? "answer" : "reasoning")) as "plan" | "reasoning" | "answer";
    return { kind, text: contentText(message.content) };
  });
  const image = row.meta?.image ?? undefined;
  return {
    schema: TRACE_SCHEMA_ID,
    id: row.meta?.trace_id ?? "unknown",
    ...(image ? { image } : {}),
    question: contentText(user.content),
    steps,
  };
}
