import type { ChatCompletionBody, Responder } from "@/lib/teacher/serve/types";
import { JUDGE_MARKER } from "@/lib/verifier/judge/prompt";

// The built-in teacher endpoint's judge (`stepwise teacher-serve`, docs/generation.md "Responders"):
// answers reasoning.judge requests offline, deterministically, from the scene graph in the request
// — a stand-in for a real judge model so the rule can be tried and tested end to end over HTTP.
// It reads sentences that name one object (obj_N) together with attribute words and compares them
// with the scene; a sentence with a negation, or naming several objects, it leaves alone. It is
// deliberately modest: "unsure" whenever it cannot decide.

const ATTRIBUTE_WORDS: Record<string, [category: "color" | "size" | "shape" | "material", value: string]> = {
  gray: ["color", "gray"], grey: ["color", "gray"], red: ["color", "red"], blue: ["color", "blue"], green: ["color", "green"],
  brown: ["color", "brown"], purple: ["color", "purple"], cyan: ["color", "cyan"], yellow: ["color", "yellow"],
  small: ["size", "small"], tiny: ["size", "small"], little: ["size", "small"], large: ["size", "large"], big: ["size", "large"], huge: ["size", "large"],
  cube: ["shape", "cube"], cubes: ["shape", "cube"], block: ["shape", "cube"], box: ["shape", "cube"], cylinder: ["shape", "cylinder"], cylinders: ["shape", "cylinder"],
  sphere: ["shape", "sphere"], spheres: ["shape", "sphere"], ball: ["shape", "sphere"], balls: ["shape", "sphere"],
  rubber: ["material", "rubber"], matte: ["material", "rubber"], metal: ["material", "metal"], metallic: ["material", "metal"], shiny: ["material", "metal"],
};
const NEGATION = /\b(?:not|no|none|never|neither|nor|isn't|aren't|doesn't|don't|cannot|can't)\b|n't\b/i;

interface JudgePayload {
  scene?: { objects?: Array<Record<string, unknown>> };
  steps?: Array<{ index?: number; kind?: string; text?: string }>;
  judge_step?: number;
}

function text(content: unknown): string {
  if (typeof content === "string") return content;
  if (Array.isArray(content)) return content.map((part) => (part && typeof part === "object" && typeof (part as { text?: unknown }).text === "string" ? (part as { text: string }).text : "")).join("");
  return "";
}

/** The judge's reply about one step, as JSON text. */
export function judgeStep(payload: JudgePayload): { verdict: "correct" | "incorrect" | "unsure"; rationale: string } {
  const step = payload.steps?.find((s) => s.index === payload.judge_step);
  if (!step) return { verdict: "unsure", rationale: "the step to judge is not among the steps given" };
  if (step.kind === "plan") return { verdict: "correct", rationale: "a plan states no fact about the scene" };
  const objects = new Map<string, Record<string, unknown>>();
  for (const o of payload.scene?.objects ?? []) if (typeof o.id === "string") objects.set(o.id, o);
  const confirmed: string[] = [];
  for (const sentence of (step.text ?? "").split(/(?<=[.!?;])\s+|\n+/)) {
    if (NEGATION.test(sentence)) continue;
    const ids = [...new Set(sentence.match(/\bobj_\d+\b/g) ?? [])];
    if (ids.length !== 1) continue;
    const object = objects.get(ids[0]);
    if (!object) return { verdict: "incorrect", rationale: `${ids[0]} is not in the scene` };
    for (const word of sentence.toLowerCase().match(/[a-z]+/g) ?? []) {
      const attribute = ATTRIBUTE_WORDS[word];
      if (!attribute) continue;
      const [category, value] = attribute;
      if (object[category] !== value) return { verdict: "incorrect", rationale: `${ids[0]} is ${String(object[category])}, not ${word}` };
      confirmed.push(`${ids[0]} is ${value}`);
    }
  }
  if (confirmed.length) return { verdict: "correct", rationale: `the scene agrees: ${[...new Set(confirmed)].join(", ")}` };
  return { verdict: "unsure", rationale: "nothing in the step can be checked against the scene graph" };
}

export const judgeResponder: Responder = (body: ChatCompletionBody) => {
  const system = body.messages.find((m) => m.role === "system");
  if (!system || !text(system.content).startsWith(JUDGE_MARKER)) return null;
  const user = [...body.messages].reverse().find((m) => m.role === "user");
  let payload: JudgePayload;
  try {
    payload = JSON.parse(text(user?.content)) as JudgePayload;
  } catch {
    return { status: 400, error: "judge request: the user message must be the JSON document the judge prompt describes" };
  }
  if (!payload || typeof payload !== "object") return { status: 400, error: "judge request: the user message must be a JSON object" };
  return { content: JSON.stringify(judgeStep(payload)), finishReason: "stop" };
};
