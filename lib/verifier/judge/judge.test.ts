import { describe, expect, it } from "vitest";
import { judgeRequest, readJudgment } from "@/lib/verifier/judge/prompt";
import { judgeResponder, judgeStep } from "@/lib/verifier/judge/responder";
import { verifyTrace } from "@/lib/verifier/verify";
import { DEFAULT_SETTINGS } from "@/lib/verifier/config";
import type { Scene } from "@/lib/tools/scene";

const scene: Scene = {
  name: "s",
  width: 480,
  height: 320,
  objects: [
    { index: 0, color: "red", size: "large", shape: "cube", material: "metal", coords3d: [1, 2, 0.7], pixel: null, box: null, boxSource: null },
    { index: 1, color: "blue", size: "small", shape: "sphere", material: "rubber", coords3d: [-1, 0, 0.35], pixel: null, box: null, boxSource: null },
  ],
  relationships: { left: [[1], []], right: [[], [0]] },
};

describe("readJudgment: the judge's reply as real servers send it", () => {
  it.each([
    ['{"verdict": "incorrect", "rationale": "obj_1 is blue"}', "incorrect", "obj_1 is blue"],
    ['```json\n{"verdict":"Correct","rationale":"ok"}\n```', "correct", "ok"],
    ['Sure! Here is my judgment: {"verdict": "unsure", "reason": "not in the scene"} Hope that helps.', "unsure", "not in the scene"],
    ['{"correct": false, "explanation": "wrong count"}', "incorrect", "wrong count"],
    ["Incorrect: obj_0 is red, not green.", "incorrect", "obj_0 is red, not green."],
    ["CORRECT - matches the scene", "correct", "matches the scene"],
    ['{"verdict": "WRONG", "rationale": {"why": "x"}}', "incorrect", '{"why":"x"}'],
  ])("%s", (content, verdict, rationale) => {
    expect(readJudgment(content, "m")).toEqual({ verdict, rationale, model: "m" });
  });

  it.each(["", "   ", "I think it might be fine?", '{"verdict": "maybe"}', "[1, 2]", "{not json"])("unreadable: %j", (content) => {
    expect(readJudgment(content, "m")).toBeNull();
  });

  it("clips a runaway rationale", () => {
    expect(readJudgment(JSON.stringify({ verdict: "correct", rationale: "x".repeat(5000) }), "m")!.rationale).toHaveLength(1000);
  });
});

describe("judgeRequest: content-hashed, the scene as JSON, the step in context", () => {
  const steps = [{ kind: "plan", text: "Look at the cube." }, { kind: "reasoning", text: "obj_0 — red, big." }];
  it("the same step in the same context hashes the same; another model, context or scene does not", () => {
    const a = judgeRequest("m", "q?", scene, steps, 1);
    expect(judgeRequest("m", "q?", scene, steps, 1).hash).toBe(a.hash);
    expect(judgeRequest("other", "q?", scene, steps, 1).hash).not.toBe(a.hash);
    expect(judgeRequest("m", "another q?", scene, steps, 1).hash).not.toBe(a.hash);
    expect(judgeRequest("m", "q?", scene, [{ kind: "plan", text: "Look." }, steps[1]], 1).hash).not.toBe(a.hash);
    expect(judgeRequest("m", "q?", { ...scene, objects: [{ ...scene.objects[0], color: "green" }, scene.objects[1]] }, steps, 1).hash).not.toBe(a.hash);
    const payload = JSON.parse(a.user);
    expect(payload).toMatchObject({ question: "q?", judge_step: 1, scene: { objects: [{ id: "obj_0", color: "red" }, { id: "obj_1" }], relations: { left: { obj_0: ["obj_1"] } } } });
    expect(payload.steps).toHaveLength(2);
  });
});

describe("the built-in judge responder", () => {
  const ask = (text: string, kind = "reasoning") => judgeStep(JSON.parse(judgeRequest("m", null, scene, [{ kind, text }], 0).user));
  it("compares what a sentence says of one object with the scene, and is unsure otherwise", () => {
    expect(ask("obj_0 — red, big, shiny.")).toMatchObject({ verdict: "correct" });
    expect(ask("Hmm, obj_1: green ball.")).toEqual({ verdict: "incorrect", rationale: "obj_1 is blue, not green" });
    expect(ask("obj_7 is red.")).toMatchObject({ verdict: "incorrect", rationale: "obj_7 is not in the scene" });
    expect(ask("obj_1 is not red.")).toMatchObject({ verdict: "unsure" });
    expect(ask("obj_0 and obj_1 are red.")).toMatchObject({ verdict: "unsure" });
    expect(ask("Let me look.", "plan")).toMatchObject({ verdict: "correct" });
  });

  it("answers only judge requests; a judge request with a broken payload is a 400", async () => {
    expect(await judgeResponder({ model: "m", messages: [{ role: "user", content: "hi" }] })).toBeNull();
    const request = judgeRequest("m", null, scene, [{ kind: "plan", text: "x" }], 0);
    expect(await judgeResponder({ model: "m", messages: [{ role: "system", content: request.system }, { role: "user", content: "not json" }] })).toMatchObject({ status: 400 });
    const reply = await judgeResponder({ model: "m", messages: [{ role: "system", content: request.system }, { role: "user", content: request.user }] });
    expect(readJudgment((reply as { content: string }).content, "m")).toMatchObject({ verdict: "correct" });
  });
});

describe("reasoning.judge in verifyTrace", () => {
  const on = { ...DEFAULT_SETTINGS, rules: { ...DEFAULT_SETTINGS.rules, "reasoning.judge": { enabled: true, weight: 1 } } };
  const steps = [{ kind: "plan", text: "Look at the cube." }, { kind: "reasoning", text: "obj_0 is red." }, { kind: "reasoning", text: "obj_0 — blue, big." }, { kind: "answer", text: "red" }];
  const judge = (verdicts: Record<number, "correct" | "incorrect" | "unsure">) => steps.map((_, i) => (verdicts[i] ? { verdict: verdicts[i], rationale: `r${i}`, model: "m" } : undefined));
  const verdictsOf = (judgments?: ReturnType<typeof judge>) => verifyTrace({ steps, scene, answer: "red", judgments }, on).verdicts.filter((v) => v.rule === "reasoning.judge");

  it("off by default: no verdicts", () => {
    expect(verifyTrace({ steps, scene }, DEFAULT_SETTINGS).verdicts.some((v) => v.rule === "reasoning.judge")).toBe(false);
  });

  it("judges only steps no other rule checked; pass, fail with the rationale as evidence, skip when unsure or not judged", () => {
    const result = verifyTrace({ steps, scene, answer: "red", judgments: judge({ 0: "correct", 1: "incorrect", 2: "incorrect" }) }, on);
    const v = result.verdicts.filter((x) => x.rule === "reasoning.judge");
    expect(v.map((x) => [x.step, x.outcome])).toEqual([[0, "pass"], [1, "skip"], [2, "fail"]]);
    expect(v[1].message).toBe("checked by another rule");
    expect(v[2].evidence).toMatchObject({ rationale: "r2", model: "m", found: "incorrect" });
    expect(result.coverage[0]).toBeNull();
    expect(result.coverage[2]).toBeNull();
    expect(verdictsOf(judge({ 2: "unsure" }))[2]).toMatchObject({ outcome: "skip", message: "judge unsure — r2" });
    expect(verdictsOf()[0]).toMatchObject({ outcome: "skip", message: expect.stringContaining("no judge endpoint") });
    expect(verifyTrace({ steps, scene: null, judgments: judge({ 0: "correct" }) }, on).verdicts.find((x) => x.rule === "reasoning.judge")).toMatchObject({ outcome: "skip", message: "no scene graph for this trace" });
  });
});
