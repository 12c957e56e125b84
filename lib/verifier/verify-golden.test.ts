import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { convertProgram } from "@/lib/teacher/program";
import { GENERATION_METHODS, ORACLE_RATES, generateCorpus, readClevrScenes, toVerifyStep } from "@/lib/teacher/scripted";
import { sceneFromClevr, type Scene } from "@/lib/tools/scene";
import { DEFAULT_SETTINGS, withRules, type VerifierSettings } from "@/lib/verifier/config";
import { RULE_IDS } from "@/lib/verifier/rules";
import { verifyTrace, type VerifyInput, type VerifyStep } from "@/lib/verifier/verify";

// Golden verifier results: every verdict (step, rule, outcome, message, evidence), step outcome and
// score of verifyTrace over demo-like inputs — the 36 real CLEVR demo programs, scripted-teacher
// traces with injected faults (every generation method), the same traces without a scene or ground
// truth, deterministic corruptions (swapped, dropped, renamed, garbled steps) — under the default
// settings, each rule switched off in turn and other tolerances. A digest per (corpus, settings,
// rule) is pinned in fixtures/verifier/golden.json, so a refactor of the verifier proves it changes
// nothing, and a deliberate change names the rule whose verdicts moved. Regenerate after a
// deliberate change with: UPDATE_GOLDEN=1 npx vitest run lib/verifier/verify-golden.test.ts

const GOLDEN = path.resolve("fixtures/verifier/golden.json");

function demoInputs(): VerifyInput[] {
  const demo = path.resolve("prisma/demo/clevr");
  const scenes = new Map((JSON.parse(fs.readFileSync(path.join(demo, "CLEVR_train_scenes_subset5.json"), "utf8")).scenes as Array<{ image_filename: string }>).map((s) => [s.image_filename, sceneFromClevr(s as never)]));
  return fs.readFileSync(path.join(demo, "clevr_questions_single_image_flattened.jsonl"), "utf8").trim().split("\n").map((line) => {
    const q = JSON.parse(line) as { image_filename: string; question: string | string[]; answer: unknown; program: unknown[] };
    const answer = typeof q.answer === "boolean" ? (q.answer ? "yes" : "no") : typeof q.answer === "number" || typeof q.answer === "string" ? String(q.answer) : null;
    const scene = scenes.get(q.image_filename)!;
    const { trace } = convertProgram({ id: "q", image: q.image_filename, question: Array.isArray(q.question) ? q.question[0] : q.question, answer, program: q.program } as never, scene);
    return { steps: trace.steps.map(toVerifyStep), answer, program: q.program, scene };
  });
}

function scriptedInputs(): VerifyInput[] {
  const scenes = readClevrScenes(path.resolve("fixtures/clevr-v1/CLEVR_train_scenes_1000.json")).slice(0, 40);
  const corpus = generateCorpus({ scenes, questionsPerScene: 2, seeds: [1, 2], methods: [...GENERATION_METHODS], rates: ORACLE_RATES });
  return corpus.map((t) => ({ steps: t.trace.steps.map(toVerifyStep), answer: t.question.answer as string, program: t.question.program, scene: t.scene }));
}

/** Deterministic corruptions of a trace: the shapes hostile or sloppy teachers produce. */
function corrupt(input: VerifyInput, n: number): VerifyInput {
  const steps: VerifyStep[] = input.steps.map((s) => ({ ...s }));
  const at = (k: number) => steps[(n * 7 + k) % steps.length];
  switch (n % 6) {
    case 0: { const i = (n * 3) % (steps.length - 1); [steps[i], steps[i + 1]] = [steps[i + 1], steps[i]]; break; }
    case 1: { const i = steps.findIndex((s) => s.kind === "tool_result"); if (i >= 0) steps.splice(i, 1); break; }
    case 2: { const c = steps.find((s) => s.kind === "tool_call"); if (c) c.tool = "no_such_tool"; break; }
    case 3: { const c = steps.find((s) => s.kind === "tool_call"); if (c) c.args = { object: "obj_99", relation: "sideways", extra: [1, 2] }; break; }
    case 4: { const r = steps.filter((s) => s.kind === "tool_result"); if (r.length > 1) r[1].callId = r[0].callId; at(1).text = "obj_2 and obj_5 are red, so there are 7."; break; }
    default: { const a = steps.find((s) => s.kind === "answer"); if (a) a.text = ""; at(2).callId = null; break; }
  }
  return { ...input, steps };
}

const settingsVariants = (): Record<string, VerifierSettings> => ({
  default: DEFAULT_SETTINGS,
  ...Object.fromEntries(RULE_IDS.map((id) => [`without ${id}`, withRules(DEFAULT_SETTINGS, [id])])),
  "strict tolerances": { ...DEFAULT_SETTINGS, tolerances: { iou: 0.9, centreInBox: false, number: 0, claimNumber: 0 } },
});

/** Scores compared to 12 significant digits: a refactor that reorders a weighted mean is not a change in verdicts. */
function roundFloats(_key: string, value: unknown): unknown {
  return typeof value === "number" && !Number.isInteger(value) ? Number(value.toPrecision(12)) : value;
}

/** Per rule, a digest of its verdicts; "trace" digests outcomes and scores. */
function digests(inputs: VerifyInput[], settings: VerifierSettings): Record<string, string> {
  const hashes = new Map<string, crypto.Hash>();
  const hash = (key: string) => {
    let h = hashes.get(key);
    if (!h) hashes.set(key, (h = crypto.createHash("sha256")));
    return h;
  };
  inputs.forEach((input, t) => {
    const result = verifyTrace(input, settings);
    result.eachVerdict((step, rule, outcome, message, evidence) => hash(rule).update(JSON.stringify([t, step, outcome, message, evidence])));
    expect(result.verdictCount).toBe(result.verdicts.length);
    hash("trace").update(JSON.stringify([t, result.outcomes, result.failingSteps, result.calls, result.accurateCalls, result.completeness, result.finalCorrect, result.quality, result.valid, result.parts], roundFloats));
  });
  return Object.fromEntries([...hashes.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, h]) => [k, h.digest("hex").slice(0, 24)]));
}

describe("golden verifier results", () => {
  it("every verdict, outcome and score over demo-like inputs matches the pinned digests", () => {
    const demo = demoInputs();
    const scripted = scriptedInputs();
    expect(demo.length).toBe(36);
    expect(scripted.length).toBeGreaterThan(200);
    const corpora: Record<string, VerifyInput[]> = {
      demo,
      scripted,
      "no scene, no truth": scripted.slice(0, 120).map((i) => ({ steps: i.steps, answer: null, program: null, scene: null as Scene | null })),
      corrupted: scripted.map(corrupt),
    };
    const actual: Record<string, Record<string, Record<string, string>>> = {};
    for (const [corpus, inputs] of Object.entries(corpora)) {
      actual[corpus] = {};
      for (const [name, settings] of Object.entries(settingsVariants())) actual[corpus][name] = digests(inputs, settings);
    }
    if (process.env.UPDATE_GOLDEN === "1") {
      fs.mkdirSync(path.dirname(GOLDEN), { recursive: true });
      fs.writeFileSync(GOLDEN, `${JSON.stringify(actual, null, 2)}\n`);
    }
    expect(fs.existsSync(GOLDEN), `${GOLDEN} is missing: run with UPDATE_GOLDEN=1 once`).toBe(true);
    const pinned = JSON.parse(fs.readFileSync(GOLDEN, "utf8"));
    for (const corpus of Object.keys(pinned)) {
      for (const name of Object.keys(pinned[corpus])) expect(actual[corpus]?.[name], `${corpus} / ${name}`).toEqual(pinned[corpus][name]);
    }
    expect(Object.keys(actual)).toEqual(Object.keys(pinned));
    // the inputs exercise every rule's pass and fail (rules off by default — reasoning.judge, which
    // needs an endpoint's answers — have their own tests: lib/verifier/judge/judge.test.ts)
    const seen = new Set<string>();
    for (const inputs of Object.values(corpora)) for (const input of inputs) verifyTrace(input, DEFAULT_SETTINGS).eachVerdict((_, rule, outcome) => seen.add(`${rule} ${outcome}`));
    for (const rule of RULE_IDS.filter((id) => DEFAULT_SETTINGS.rules[id].enabled)) for (const outcome of ["pass", "fail"]) expect(seen.has(`${rule} ${outcome}`), `${rule} ${outcome}`).toBe(true);
  });
});
