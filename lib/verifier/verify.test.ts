import { describe, expect, it } from "vitest";
import type { Scene } from "@/lib/tools/scene";
import { DEFAULT_SETTINGS, withRules } from "@/lib/verifier/config";
import { verifyTrace, type VerifyStep } from "@/lib/verifier/verify";

// Each rule on small hand-written traces over a four-object scene (CLEVR convention:
// relationships[rel][i] lists the j that are rel of i).
const scene: Scene = {
  name: "four",
  width: 480,
  height: 320,
  objects: [
    { index: 0, color: "red", size: "large", shape: "cube", material: "metal", coords3d: [0, 0, 0], pixel: [100, 100, 10], box: [80, 80, 40, 40], boxSource: "derived" },
    { index: 1, color: "yellow", size: "small", shape: "sphere", material: "rubber", coords3d: [3, 4, 0], pixel: [200, 100, 10], box: [190, 90, 20, 20], boxSource: "derived" },
    { index: 2, color: "red", size: "small", shape: "cylinder", material: "rubber", coords3d: [6, 8, 0], pixel: [300, 100, 10], box: [290, 90, 20, 20], boxSource: "derived" },
    { index: 3, color: "blue", size: "large", shape: "cylinder", material: "metal", coords3d: [1, 1, 0], pixel: [50, 200, 8], box: [30, 180, 40, 40], boxSource: "derived" },
  ],
  relationships: {
    // left of 1: 0 and 3; left of 2: 0, 1, 3; right of 0: 1, 2
    left: [[3], [0, 3], [0, 1, 3], []],
    right: [[1, 2], [2], [], [0, 1, 2]],
    front: [[3], [3], [3], []],
    behind: [[], [], [], [0, 1, 2]],
  },
};

const call = (callId: string, tool: string, args: Record<string, unknown>): VerifyStep => ({ kind: "tool_call", callId, tool, args });
const result = (callId: string, value: unknown): VerifyStep => ({ kind: "tool_result", callId, result: value });
const reasoning = (text: string): VerifyStep => ({ kind: "reasoning", text });
const answer = (text: string): VerifyStep => ({ kind: "answer", text });

/** "How many cylinders are left of the yellow sphere?" — the docs/design.md §4.1 example on this scene. */
function cleanTrace(): VerifyStep[] {
  return [
    { kind: "plan", text: "Find the yellow sphere, then the cylinders left of it, then count." },
    call("c1", "detect", { query: "yellow sphere" }),
    result("c1", [{ id: "obj_1", label: "sphere", box: [190, 90, 20, 20] }]),
    reasoning("The yellow sphere is obj_1."),
    call("c2", "relate", { object: "obj_1", relation: "left" }),
    result("c2", ["obj_3", "obj_0"]),
    call("c3", "filter", { objects: ["obj_0", "obj_3"], attribute: "shape", value: "cylinder" }),
    result("c3", ["obj_3"]),
    reasoning("obj_3 is a cylinder left of obj_1, so there is 1."),
    answer("1"),
  ];
}
const program = [
  { type: "scene", inputs: [] }, { type: "filter_color", inputs: [0], value_inputs: ["yellow"] }, { type: "filter_shape", inputs: [1], value_inputs: ["sphere"] },
  { type: "unique", inputs: [2] }, { type: "relate", inputs: [3], value_inputs: ["left"] }, { type: "filter_shape", inputs: [4], value_inputs: ["cylinder"] }, { type: "count", inputs: [5] },
];

const run = (steps: VerifyStep[], extra: { answer?: string | null; scene?: Scene | null; program?: unknown } = {}) =>
  verifyTrace({ steps, scene: "scene" in extra ? extra.scene : scene, answer: "answer" in extra ? extra.answer : "1", program: extra.program }, DEFAULT_SETTINGS);
const failing = (steps: VerifyStep[], extra = {}) => run(steps, extra).verdicts.filter((v) => v.outcome === "fail").map((v) => `${v.step} ${v.rule}`);

describe("verifyTrace", () => {
  it("passes a correct trace: valid, id lists compared as sets; counting in the head leaves the count node uncovered", () => {
    const out = run(cleanTrace(), { program });
    expect(out.verdicts.filter((v) => v.outcome === "fail")).toEqual([]);
    expect(out.outcomes).toEqual(["skip", "pass", "pass", "pass", "pass", "pass", "pass", "pass", "pass", "pass"]);
    expect(out).toMatchObject({ valid: true, completeness: 6 / 7, finalCorrect: true, calls: 3, accurateCalls: 3, failingSteps: 0 });
    expect(out.quality).toBeCloseTo(0.6 + 0.2 * (6 / 7) + 0.2, 10);
    const counted = [...cleanTrace().slice(0, 8), call("c4", "count", { objects: ["obj_3"] }), result("c4", 1), reasoning("There is 1 cylinder left of obj_1."), answer("1")];
    expect(run(counted, { program })).toMatchObject({ valid: true, quality: 1, completeness: 1 });
  });

  it("args.schema: values outside the vocabulary and unknown relations", () => {
    const steps = cleanTrace();
    steps[4] = call("c2", "relate", { object: "obj_1", relation: "above" });
    steps[6] = call("c3", "filter", { objects: ["obj_0", "obj_3"], attribute: "color", value: "rubber" });
    const out = run(steps);
    const schema = out.verdicts.filter((v) => v.rule === "args.schema" && v.outcome === "fail");
    expect(schema.map((v) => v.step)).toEqual([4, 6]);
    expect(schema[1].message).toContain('"rubber" is not a color');
  });

  it("args.refs and cross.propagation: unknown objects, lists no step produced; faithful use of a wrong result passes", () => {
    const unknown = cleanTrace();
    unknown[4] = call("c2", "relate", { object: "obj_9", relation: "left" });
    expect(failing(unknown)).toEqual(expect.arrayContaining(["4 args.refs", "4 cross.propagation"]));

    const broken = cleanTrace();
    broken[6] = call("c3", "filter", { objects: ["obj_0", "obj_2", "obj_3"], attribute: "shape", value: "cylinder" });
    broken[7] = result("c3", ["obj_2", "obj_3"]);
    expect(failing(broken)).toContain("6 cross.propagation");
    expect(failing(broken)).not.toContain("7 result.reexec");

    const hallucinated = cleanTrace();
    hallucinated[5] = result("c2", ["obj_0", "obj_2", "obj_3"]);
    hallucinated[6] = call("c3", "filter", { objects: ["obj_0", "obj_2", "obj_3"], attribute: "shape", value: "cylinder" });
    hallucinated[7] = result("c3", ["obj_2", "obj_3"]);
    hallucinated[8] = reasoning("obj_2 and obj_3 are cylinders left of obj_1, so there are 2.");
    hallucinated[9] = answer("2");
    expect(failing(hallucinated)).toEqual(["5 result.reexec", "8 reasoning.claims", "9 final.correct"]);
    // lists are compared as id sets (executeIds); a mismatch still shows the whole re-executed result
    expect(run(hallucinated).verdicts.find((v) => v.step === 5 && v.rule === "result.reexec")).toMatchObject({
      message: "the recorded objects differ from re-execution",
      evidence: { expected: ["obj_0", "obj_3"], found: ["obj_0", "obj_2", "obj_3"] },
    });
    const misdetected = cleanTrace();
    misdetected[2] = result("c1", [{ id: "obj_2", label: "cylinder", box: [290, 90, 20, 20] }]);
    expect(run(misdetected).verdicts.find((v) => v.step === 2 && v.rule === "result.reexec")).toMatchObject({
      outcome: "fail",
      evidence: { expected: [{ id: "obj_1", label: "sphere", box: [190, 90, 20, 20] }], found: [{ id: "obj_2", label: "cylinder", box: [290, 90, 20, 20] }] },
    });
  });

  it("result.reexec: errors match failing calls; boxes by IoU or centre-in-box; numbers by tolerance", () => {
    const steps = cleanTrace();
    steps[4] = call("c2", "relate", { object: "obj_1", relation: "above" });
    steps[5] = result("c2", { error: "unknown relation" });
    expect(run(steps).verdicts.find((v) => v.step === 5 && v.rule === "result.reexec")?.outcome).toBe("pass");

    const boxes = cleanTrace();
    boxes[2] = result("c1", [{ id: "obj_1", label: "sphere", box: [185, 95, 40, 30] }]);
    expect(run(boxes).verdicts.find((v) => v.step === 2 && v.rule === "result.reexec")?.outcome).toBe("pass");
    boxes[2] = result("c1", [{ id: "obj_1", label: "sphere", box: [0, 0, 20, 20] }]);
    expect(run(boxes).verdicts.find((v) => v.step === 2 && v.rule === "result.reexec")).toMatchObject({ outcome: "fail", message: expect.stringContaining("box of obj_1") });

    const distance = [call("e", "detect", {}), result("e", [{ id: "obj_0" }, { id: "obj_1" }, { id: "obj_2" }, { id: "obj_3" }]), call("d", "distance", { a: "obj_0", b: "obj_1" }), result("d", 5.0000000001), reasoning("The distance between obj_0 and obj_1 is 5.00."), answer("5")];
    expect(failing(distance, { answer: "5" })).toEqual([]);
    distance[3] = result("d", 6);
    expect(failing(distance, { answer: "5" })).toEqual(["3 result.reexec"]);
  });

  it("reasoning.claims: false relations and attributes, and comparisons cite the counts", () => {
    const steps = cleanTrace();
    steps[3] = reasoning("The yellow sphere is obj_1. obj_1 is left of obj_2. obj_3 is not behind obj_2. obj_0 is a blue thing. obj_0 is right of obj_1.");
    const claims = run(steps).verdicts.find((v) => v.step === 3 && v.rule === "reasoning.claims")!;
    expect(claims).toMatchObject({ outcome: "fail", message: 'false: "obj_0 is a blue thing" (and 1 more)', evidence: { claim: "obj_0 is a blue thing", found: "obj_0 does not fit" } });

    const compare = [
      call("a", "count", { objects: [] }), result("a", 0), reasoning("There is no green thing."),
      call("b", "detect", { query: "cylinders" }), result("b", [{ id: "obj_2", label: "cylinder" }, { id: "obj_3", label: "cylinder" }]),
      call("c", "count", { objects: ["obj_2", "obj_3"] }), result("c", 2), reasoning("There are 2 cylinders."),
      reasoning("0 is less than 2, so yes."), answer("yes"),
    ];
    expect(failing(compare, { answer: "yes" })).toEqual([]);
    compare[8] = reasoning("0 is less than 3, so yes.");
    expect(failing(compare, { answer: "yes" })).toEqual(["8 reasoning.claims"]);
  });

  it("cross.pairing: a call without result, a repeated result, a result before its call", () => {
    const missing = cleanTrace().filter((_, i) => i !== 5);
    expect(failing(missing)).toContain("4 cross.pairing");
    const repeated = cleanTrace();
    repeated.splice(6, 0, result("c2", ["obj_0", "obj_3"]));
    expect(failing(repeated)).toEqual(["6 cross.pairing"]);
    const early = [result("x", []), call("x", "count", { objects: [] }), answer("0")];
    expect(failing(early, { answer: "0" })).toEqual(expect.arrayContaining(["0 cross.pairing", "1 cross.pairing"]));
    // results far from their calls (the look-ahead reads a few steps, then indexes the trace)
    const far = [call("a", "detect", {}), ...Array.from({ length: 12 }, () => reasoning("Thinking.")), result("a", [{ id: "obj_0" }, { id: "obj_1" }, { id: "obj_2" }, { id: "obj_3" }]), call("b", "detect", {}), ...Array.from({ length: 12 }, () => reasoning("Thinking.")), answer("1")];
    expect(run(far, { answer: null }).verdicts.filter((v) => v.rule === "cross.pairing").map((v) => `${v.step} ${v.outcome}`)).toEqual(["0 pass", "13 pass", "14 fail"]);
  });

  it("cross.answer and final.correct normalise answers; an empty answer fails", () => {
    const steps = cleanTrace();
    steps[9] = answer("One.");
    expect(failing(steps)).toEqual([]);
    steps[9] = answer("2");
    expect(failing(steps)).toEqual(["9 cross.answer", "9 final.correct"]);
    expect(failing([reasoning("There are 2 cubes, so yes."), answer("True")], { answer: "yes", scene: null })).toEqual([]);
    expect(failing([answer("")], { answer: null })).toEqual(["0 cross.answer"]);
  });

  it("without a scene: scene-dependent rules skip, structural rules and VisProg variables still run", () => {
    const visprog: VerifyStep[] = [
      call("BOX0", "LOC", { image: "IMAGE", object: "decoration" }), result("BOX0", null),
      call("IMAGE0", "CROP_BELOW", { image: "IMAGE", box: "BOX0" }), result("IMAGE0", null),
      call("ANSWER0", "VQA", { image: "IMAGE1", question: "Which kind of furniture is it?" }), result("ANSWER0", null),
      call("ANSWER1", "EVAL", { expr: "'yes' if {ANSWER0} > 0 else 'no'" }), result("ANSWER1", null),
      call("FINAL_RESULT", "RESULT", { var: "ANSWER1" }), result("FINAL_RESULT", "couch"),
      answer("couch"),
    ];
    const out = verifyTrace({ steps: visprog, scene: null, answer: null }, DEFAULT_SETTINGS);
    expect(out.verdicts.filter((v) => v.outcome === "fail").map((v) => `${v.step} ${v.rule} ${v.message}`)).toEqual([
      '4 cross.propagation uses "IMAGE1", which no earlier step produced',
    ]);
    expect(new Set(out.verdicts.filter((v) => v.rule === "result.reexec").map((v) => v.outcome))).toEqual(new Set(["skip"]));
    expect(out.verdicts.find((v) => v.rule === "cross.answer")?.outcome).toBe("pass");
    expect(out.verdicts.find((v) => v.rule === "final.correct")?.outcome).toBe("skip");
    expect(out.completeness).toBeNull();
  });

  it("disabled rules give no verdicts and do not count towards validity or quality", () => {
    const steps = cleanTrace();
    steps[9] = answer("2");
    const settings = withRules(DEFAULT_SETTINGS, ["cross.answer", "final.correct"]);
    const out = verifyTrace({ steps, scene, answer: "1" }, settings);
    expect(out.verdicts.some((v) => v.rule === "cross.answer" || v.rule === "final.correct")).toBe(false);
    expect(out.valid).toBe(true);
  });

  it("quality combines the weighted pass share, completeness and final correctness", () => {
    const steps = cleanTrace();
    steps[7] = result("c3", ["obj_0", "obj_3"]);
    steps[8] = reasoning("obj_0 and obj_3 are left of obj_1, so there are 2.");
    steps[9] = answer("2");
    const out = run(steps, { program });
    // steps part: 1 fail of weight 2 (result.reexec) among the weighted verdicts
    const tallies = out.parts.rules;
    let weighted = 0;
    let total = 0;
    for (const [rule, [pass, fail]] of Object.entries(tallies)) {
      if (rule === "final.correct") continue;
      const w = DEFAULT_SETTINGS.rules[rule as keyof typeof DEFAULT_SETTINGS.rules].weight;
      weighted += w * pass;
      total += w * (pass + fail);
    }
    expect(out.parts.steps).toBeCloseTo(weighted / total, 10);
    expect(out.parts.final).toBe(0);
    expect(out.quality).toBeCloseTo(0.6 * (weighted / total) + 0.2 * (6 / 7) + 0.2 * 0, 10);
    expect(out.valid).toBe(false);
    expect(out.accurateCalls).toBe(2);
  });
});

describe("coverage (docs/design.md §5)", () => {
  const steps = [
    { kind: "plan", text: "Find the cubes." },
    { kind: "reasoning", text: "Let me look more closely." },
    { kind: "tool_call", tool: "python", callId: "c1", args: { argsRaw: "print(1)" } },
    { kind: "tool_result", callId: "c1", result: "1" },
    { kind: "tool_call", tool: "search_web", callId: "c2", args: { q: "x" } },
    { kind: "tool_result", callId: "c2", result: "y" },
    { kind: "answer", text: "2" },
  ];

  it("every step is checked or unchecked with a reason; plan steps have no rule", () => {
    const result = verifyTrace({ steps, format: "react-chat" }, DEFAULT_SETTINGS);
    expect(result.coverage).toHaveLength(steps.length);
    expect(result.coverage[0]).toBe("no rule checks plan steps");
    expect(result.coverage[1]).toBe("no checkable claims");
    expect(result.coverage[2]).toBe("tool not in the registry");
    expect(result.coverage[4]).toBe("tool not in the registry");
    expect(result.uncheckedSteps).toBe(result.coverage.filter((c) => c !== null).length);
    expect(result.failingSteps).toBe(0);
  });

  it("outside agent logs an unknown tool still fails args.schema; python never does; unparseable args of a registry tool fail", () => {
    const canonical = verifyTrace({ steps }, DEFAULT_SETTINGS);
    expect(canonical.verdicts.find((v) => v.step === 4 && v.rule === "args.schema")).toMatchObject({ outcome: "fail", message: 'unknown tool "search_web"' });
    expect(canonical.verdicts.find((v) => v.step === 2 && v.rule === "args.schema")).toMatchObject({ outcome: "skip", message: "tool not in the registry" });
    expect(canonical.coverage[4]).toBeNull();
    const garbled = verifyTrace({ steps: [{ kind: "tool_call", tool: "filter", callId: "c1", args: { argsRaw: "{objects: [" } }, { kind: "tool_result", callId: "c1", result: { error: "unparseable arguments" } }] }, DEFAULT_SETTINGS);
    expect(garbled.verdicts.find((v) => v.rule === "args.schema")!.outcome).toBe("fail");
  });
});
