import type { Responder } from "@/lib/teacher/serve/types";
import { classifierPrompt, descriptionOf } from "@/lib/spare/prompts";
import { classifyText, synthesizePairs } from "@/lib/spare/rules";

// The rules behind the chat protocol (docs/design.md §12): the built-in teacher endpoint answers
// SpaRE's classifier and generation prompts with the rule classifier and the rule synthesizer, so
// the llm path of the pipeline runs over real HTTP with no model. A responder answers the prompts
// it recognises and returns null for everything else (the next responder's turn).

export interface OfflineMessage {
  role: string;
  content?: unknown;
}

function textOf(content: unknown): string {
  if (typeof content === "string") return content;
  if (Array.isArray(content)) return content.map((part) => (part && typeof part === "object" && typeof (part as { text?: unknown }).text === "string" ? (part as { text: string }).text : "")).join("\n");
  return "";
}

/** The reply to a SpaRE prompt (the last user message), or null when it is not one. */
export function respondToSparePrompt(messages: OfflineMessage[]): string | null {
  const last = [...messages].reverse().find((m) => m.role === "user");
  if (!last) return null;
  const prompt = descriptionOf(textOf(last.content).trim());
  if (!prompt) return null;
  if (prompt.kind === "classifier") return classifyText(prompt.description).spatial ? "Yes" : "No";
  const pairs = synthesizePairs(prompt.description).map(({ question, answer }) => ({ question, answer }));
  return JSON.stringify(pairs);
}

/** For tests and docs: the prompt a classifier request carries. */
export const exampleClassifierPrompt = classifierPrompt;

/** The responder the built-in teacher endpoint (teacher-serve) tries before its scripted teacher. */
export const spareResponder: Responder = (body) => {
  const reply = respondToSparePrompt(body.messages);
  return reply === null ? null : { content: reply, finishReason: "stop" };
};
