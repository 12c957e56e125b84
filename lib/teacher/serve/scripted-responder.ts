import { createHash } from "node:crypto";
import type { CanonicalStep } from "@/lib/schemas/trace";
import { dataUriBytes } from "@/lib/teacher/endpoint/image";
import type { ProgramNode } from "@/lib/teacher/scripted/engine";
import { runProgram } from "@/lib/teacher/scripted/engine";
import type { FaultRates } from "@/lib/teacher/scripted/faults";
import { createRng, hashSeed } from "@/lib/teacher/scripted/rng";
import type { Scene } from "@/lib/tools/scene";
import type { ChatCompletionBody, Responder, ResponderReply } from "@/lib/teacher/serve/types";

// The scripted teacher behind the built-in endpoint (docs/design.md §11). It reads the question
// and the image (an "Image: NAME" line, else the image bytes' sha256) from the conversation, looks
// up the scene and the question's CLEVR program, runs the scripted engine (with the preset's
// reasoning faults) seeded by the request's `seed`, and replays the resulting trace one turn per
// request: the text steps since the last call as content, then the next tool call natively. The
// n-th request of a conversation (n = assistant messages so far) gets turn n, so the server keeps
// no state; a resample (same prefix, another seed) continues from another sampled trace.

export interface SceneLookupResult {
  scene: Scene;
  program: ProgramNode[] | null;
  answer: string | null;
}

/** Finds the scene (and the question's program) for an image name or image sha256. */
export type SceneLookup = (query: { image: string | null; sha256: string | null; question: string }) => Promise<SceneLookupResult | null> | SceneLookupResult | null;

interface Turn {
  text: string;
  call: { name: string; args: Record<string, unknown> } | null;
  /** The trace was cut short here (truncated fault): the server answers finish_reason "length". */
  truncated?: boolean;
}

export interface ScriptedOptions {
  lookup: SceneLookup;
  rates: FaultRates;
}

/** The question text and image reference of a conversation's first user message. */
export function readConversation(body: ChatCompletionBody): { question: string; image: string | null; sha256: string | null } | null {
  const user = body.messages.find((m) => m.role === "user");
  if (!user) return null;
  let text = "";
  let sha256: string | null = null;
  if (typeof user.content === "string") text = user.content;
  else if (Array.isArray(user.content)) {
    for (const part of user.content as Array<{ type?: string; text?: string; image_url?: { url?: string } | string }>) {
      if (part?.type === "text" && typeof part.text === "string") text += `${part.text}\n`;
      const url = typeof part?.image_url === "string" ? part.image_url : part?.image_url?.url;
      if (typeof url === "string") {
        const bytes = dataUriBytes(url);
        if (bytes) sha256 = createHash("sha256").update(bytes).digest("hex");
        else if (!/Image:/i.test(text)) text = `Image: ${url.split("/").pop()}\n${text}`;
      }
    }
  }
  const image = /^\s*image\s*[:=]\s*(\S+)\s*$/im.exec(text)?.[1] ?? null;
  const question = (/^\s*question\s*[:=]\s*(.+)$/im.exec(text)?.[1] ?? text.replace(/^\s*image\s*[:=].*$/im, "")).trim();
  if (!question) return null;
  return { question, image, sha256 };
}

/** A trace's steps as the turns a model would send (tool results are Stepwise's to compute). */
export function toTurns(steps: CanonicalStep[], answerMissing: boolean): Turn[] {
  const turns: Turn[] = [];
  let texts: string[] = [];
  for (const step of steps) {
    if (step.kind === "plan" || step.kind === "reasoning") texts.push(step.text);
    else if (step.kind === "tool_call") {
      turns.push({ text: texts.join("\n\n"), call: { name: step.tool, args: step.args } });
      texts = [];
    } else if (step.kind === "answer") {
      texts.push(`Answer: ${step.text}`);
    }
  }
  turns.push({ text: texts.join("\n\n"), call: null, truncated: answerMissing });
  return turns;
}

/** Fallback plan for a question without a program: look at everything, count it. */
const FALLBACK_PROGRAM: ProgramNode[] = [{ function: "scene", inputs: [] }, { function: "count", inputs: [0] }];

export function scriptedResponder(options: ScriptedOptions): Responder {
  const cache = new Map<string, Turn[]>();
  return async (body) => {
    const conversation = readConversation(body);
    if (!conversation) return { status: 400, error: "the conversation has no user message with a question" };
    const found = await options.lookup({ image: conversation.image, sha256: conversation.sha256, question: conversation.question });
    if (!found) {
      return { status: 400, error: `no scene known for image ${conversation.image ?? conversation.sha256 ?? "(none given)"}: import the dataset's scenes first, or send "Image: NAME" in the user message` };
    }
    const seed = typeof body.seed === "number" ? body.seed : 0;
    const key = `${found.scene.name}\u0000${conversation.question}\u0000${seed}`;
    let turns = cache.get(key);
    if (!turns) {
      const base = hashSeed(`${found.scene.name}|${conversation.question}`);
      const style = createRng(base)() < 0.5 ? "filter" : "detect";
      let result;
      try {
        result = runProgram(
          { id: key, image: found.scene.name, question: conversation.question, answer: found.answer, program: found.program ?? FALLBACK_PROGRAM },
          found.scene,
          { rng: createRng(base ^ (seed * 2654435761)), rates: options.rates, style },
        );
      } catch {
        result = runProgram({ id: key, image: found.scene.name, question: conversation.question, answer: null, program: FALLBACK_PROGRAM }, found.scene, { rng: createRng(base), rates: {}, style });
      }
      turns = toTurns(result.steps, !result.steps.some((s) => s.kind === "answer"));
      cache.set(key, turns);
      if (cache.size > 2000) cache.delete(cache.keys().next().value as string);
    }
    const position = body.messages.filter((m) => m.role === "assistant").length;
    const turn = turns[Math.min(position, turns.length - 1)];
    const reply: ResponderReply = { content: turn.text || null, finishReason: turn.call ? "tool_calls" : turn.truncated ? "length" : "stop" };
    if (turn.call) reply.toolCalls = [{ name: turn.call.name, arguments: JSON.stringify(turn.call.args) }];
    return reply;
  };
}
