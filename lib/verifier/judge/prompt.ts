import crypto from "node:crypto";
import type { Scene } from "@/lib/tools/scene";
import type { Judgment, VerifyStep } from "@/lib/verifier/rule";

// The LLM judge's question and how its answer is read (docs/design.md §5 "reasoning.judge"). One
// chat completion per step: a system message saying what to do and how to answer, and a user
// message holding one JSON document — the question, the scene graph, the steps up to and including
// the judged one. The cache key is the SHA-256 of the model and both messages: the same step in the
// same context asked of the same model is never asked twice.

/** First line of the system message; the built-in judge responder recognises its requests by it. */
export const JUDGE_MARKER = "Stepwise step judge v1.";

export const JUDGE_SYSTEM = [
  JUDGE_MARKER,
  "You judge one step of a step-by-step answer to a question about an image. The image is described by its scene graph, given as JSON: every object with its id, attributes and 3D position (x grows to the right, y grows towards the viewer), and the spatial relations between objects. The scene graph is the ground truth.",
  "Decide whether the step given as judge_step is correct: every fact it states about the scene must hold, and what it concludes must follow from the earlier steps. A plan that states no fact is correct when it is a sensible way to answer the question.",
  'Answer with one JSON object and nothing else: {"verdict": "correct" | "incorrect" | "unsure", "rationale": "one or two sentences"}. Say unsure when the scene graph cannot decide it.',
].join("\n");

/** Steps of context sent before the judged one (the latest ones), and characters of each. */
const CONTEXT_STEPS = 24;
const STEP_CHARS = 2000;

export interface JudgeRequest {
  /** sha256 hex of model + messages. */
  hash: string;
  system: string;
  user: string;
}

function clip(text: string): string {
  return text.length > STEP_CHARS ? `${text.slice(0, STEP_CHARS)}…` : text;
}

function stepJson(step: VerifyStep, index: number): Record<string, unknown> {
  const out: Record<string, unknown> = { index, kind: step.kind };
  if (step.text) out.text = clip(step.text);
  if (step.tool) out.tool = step.tool;
  if (step.callId) out.call_id = step.callId;
  if (step.args !== undefined && step.args !== null) out.args = step.args;
  if (step.kind === "tool_result") out.result = typeof step.result === "string" ? clip(step.result) : clip(JSON.stringify(step.result ?? null));
  return out;
}

/** The scene as the judge reads it: objects by id, relations as id lists per object. */
export function sceneJson(scene: Scene): Record<string, unknown> {
  const relations: Record<string, Record<string, string[]>> = {};
  for (const [relation, rows] of Object.entries(scene.relationships)) {
    if (!rows) continue;
    const byObject: Record<string, string[]> = {};
    rows.forEach((ids, object) => {
      if (ids.length) byObject[`obj_${object}`] = ids.map((id) => `obj_${id}`);
    });
    relations[relation] = byObject;
  }
  return {
    objects: scene.objects.map((o) => ({ id: `obj_${o.index}`, color: o.color, size: o.size, shape: o.shape, material: o.material, ...(o.coords3d ? { position: o.coords3d.map((c) => Math.round(c * 100) / 100) } : {}) })),
    relations,
  };
}

export function judgeRequest(model: string, question: string | null, scene: Scene, steps: readonly VerifyStep[], index: number): JudgeRequest {
  const from = Math.max(0, index - CONTEXT_STEPS);
  const user = JSON.stringify({
    question: question ?? null,
    scene: sceneJson(scene),
    steps: steps.slice(from, index + 1).map((step, k) => stepJson(step, from + k)),
    judge_step: index,
  });
  const hash = crypto.createHash("sha256").update(model).update("\n").update(JUDGE_SYSTEM).update("\n").update(user).digest("hex");
  return { hash, system: JUDGE_SYSTEM, user };
}

const CORRECT = new Set(["correct", "right", "true", "yes", "valid", "pass", "passes"]);
const INCORRECT = new Set(["incorrect", "wrong", "false", "no", "invalid", "fail", "fails"]);
const RATIONALE_CHARS = 1000;

function verdictOf(value: unknown): Judgment["verdict"] | null {
  if (typeof value === "boolean") return value ? "correct" : "incorrect";
  if (typeof value !== "string") return null;
  const word = value.trim().toLowerCase().replace(/[^a-z]/g, "");
  if (CORRECT.has(word)) return "correct";
  if (INCORRECT.has(word)) return "incorrect";
  if (word === "unsure" || word === "unknown" || word === "uncertain" || word === "cannotdetermine") return "unsure";
  return null;
}

/**
 * The judge's answer from a reply: a JSON object (bare, fenced, or inside prose; `verdict` or
 * `correct: true|false`), else a reply that starts with the verdict word. null: unreadable.
 */
export function readJudgment(content: string | null | undefined, model: string): Judgment | null {
  const text = (content ?? "").trim();
  if (!text) return null;
  const candidates: string[] = [];
  const fenced = /```(?:json)?\s*([\s\S]*?)```/i.exec(text);
  if (fenced) candidates.push(fenced[1]);
  const start = text.indexOf("{");
  const end = text.lastIndexOf("}");
  if (start >= 0 && end > start) candidates.push(text.slice(start, end + 1));
  for (const candidate of candidates) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(candidate);
    } catch {
      continue;
    }
    if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) continue;
    const record = parsed as Record<string, unknown>;
    const verdict = verdictOf(record.verdict ?? record.judgment ?? record.label ?? record.correct);
    if (!verdict) continue;
    const rationale = record.rationale ?? record.reason ?? record.explanation ?? "";
    return { verdict, rationale: String(typeof rationale === "string" ? rationale : JSON.stringify(rationale)).slice(0, RATIONALE_CHARS), model };
  }
  // "Incorrect: obj_3 is blue, not red." / "CORRECT - …"
  const lead = /^\W*(correct|incorrect|wrong|unsure)\b[\s:.,—–-]*([\s\S]*)$/i.exec(text);
  if (lead) return { verdict: verdictOf(lead[1])!, rationale: lead[2].trim().slice(0, RATIONALE_CHARS), model };
  return null;
}
