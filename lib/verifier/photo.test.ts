import { describe, expect, it } from "vitest";
import { livingRoom, photoObject } from "@/lib/scenes/test-scenes";
import type { Scene } from "@/lib/tools/scene";
import { DEFAULT_SETTINGS } from "@/lib/verifier/config";
import { verifyTrace, type VerifyStep } from "@/lib/verifier/verify";

// Hand-written traces on a photo (a `boxes` scene, lib/scenes/scenes.test.ts): relations come from
// geometry with the ambiguity margin, counts from the boxes; a claim the margin cannot decide
// skips with its reason instead of failing.

const call = (callId: string, tool: string, args: Record<string, unknown>): VerifyStep => ({ kind: "tool_call", callId, tool, args });
const result = (callId: string, value: unknown): VerifyStep => ({ kind: "tool_result", callId, result: value });
const reasoning = (text: string): VerifyStep => ({ kind: "reasoning", text });

/** "How many chairs are there, and is the lamp right of the table?" */
function trace(): VerifyStep[] {
  return [
    { kind: "plan", text: "Find the chairs and count them, then look at the lamp and the table." },
    call("c1", "detect", { query: "chairs" }), // 1
    // a detector's own ids: matched to the scene by IoU
    result("c1", [{ id: "det_7", label: "chair", box: [52, 198, 98, 154] }, { id: "det_9", label: "chair", box: [478, 212, 104, 146] }]), // 2
    reasoning("The chairs are obj_0 and obj_2."), // 3
    call("c2", "count", { objects: ["obj_0", "obj_2"] }), // 4
    result("c2", 3), // 5: wrong count
    reasoning("obj_0 is right of obj_1."), // 6: wrong relation (the chair is left of the table)
    reasoning("obj_3 is right of obj_1."), // 7: inside the margin
    call("c3", "check_relation", { subject: "obj_3", relation: "above", object: "obj_1" }), // 8
    result("c3", true), // 9
    call("c4", "check_relation", { subject: "obj_3", relation: "right", object: "obj_1" }), // 10
    result("c4", true), // 11: inside the margin
    call("c5", "relate", { object: "obj_0", relation: "right" }), // 12
    result("c5", ["obj_1", "obj_2", "obj_3", "obj_4"]), // 13
    reasoning("There are 2 objects left of obj_2."), // 14: obj_0 and the table surely, the lamp and cup too: 4
    { kind: "answer", text: "3" }, // 15
  ];
}

const verdict = (steps: VerifyStep[], scene: Scene, step: number, rule: string) =>
  verifyTrace({ steps, scene }, DEFAULT_SETTINGS).verdicts.find((v) => v.step === step && v.rule === rule);

describe("verification on a photo", () => {
  const v = verifyTrace({ steps: trace(), scene: livingRoom }, DEFAULT_SETTINGS);
  const at = (step: number, rule: string) => v.verdicts.find((x) => x.step === step && x.rule === rule);

  it("fails the wrong count and the wrong relation claim", () => {
    expect(at(5, "result.reexec")).toMatchObject({ outcome: "fail", message: "the recorded number differs from re-execution", evidence: { expected: 2, found: 3 } });
    expect(at(6, "reasoning.claims")).toMatchObject({ outcome: "fail", message: 'false: "obj_0 is right of obj_1"' });
    expect(at(14, "reasoning.claims")).toMatchObject({ outcome: "fail", evidence: { expected: 4, found: 2 } });
    expect(v.outcomes[5]).toBe("fail");
    expect(v.outcomes[6]).toBe("fail");
    expect(v.valid).toBe(false);
  });

  it("skips claims and results inside the ambiguity margin, with the reason", () => {
    expect(at(7, "reasoning.claims")).toMatchObject({ outcome: "skip", message: expect.stringMatching(/^ambiguous: "obj_3 is right of obj_1": obj_3 is within the margin of right of obj_1: centres 10 px apart/) });
    expect(at(11, "result.reexec")).toMatchObject({ outcome: "skip", message: expect.stringContaining("within the margin") });
    expect(v.outcomes[7]).toBe("skip");
  });

  it("passes what the photo supports: boxes matched by IoU, clear relations", () => {
    expect(at(2, "result.reexec")).toMatchObject({ outcome: "pass" });
    expect(at(3, "reasoning.claims")?.outcome).not.toBe("fail");
    expect(at(9, "result.reexec")).toMatchObject({ outcome: "pass" });
    expect(at(13, "result.reexec")).toMatchObject({ outcome: "pass" });
    expect(at(8, "args.schema")).toMatchObject({ outcome: "pass" });
  });

  it("a detection box that overlaps no object fails; a missing chair fails", () => {
    const steps = trace();
    steps[2] = result("c1", [{ id: "d1", label: "chair", box: [52, 198, 98, 154] }, { id: "d2", label: "chair", box: [600, 10, 30, 30] }]);
    expect(verdict(steps, livingRoom, 2, "result.reexec")).toMatchObject({ outcome: "fail", message: expect.stringContaining("matches no object of the scene") });
    steps[2] = result("c1", [{ id: "d1", label: "chair", box: [52, 198, 98, 154] }]);
    expect(verdict(steps, livingRoom, 2, "result.reexec")).toMatchObject({ outcome: "fail", message: expect.stringContaining("misses obj_2") });
  });

  it("a relate result that differs only in undecided objects skips; beyond them it fails", () => {
    const steps: VerifyStep[] = [call("r", "relate", { object: "obj_1", relation: "left" }), result("r", ["obj_0", "obj_3"])];
    expect(verdict(steps, livingRoom, 1, "result.reexec")).toMatchObject({ outcome: "skip", message: expect.stringContaining("ambiguous") });
    steps[1] = result("r", ["obj_2"]);
    expect(verdict(steps, livingRoom, 1, "result.reexec")).toMatchObject({ outcome: "fail", message: expect.stringContaining("misses obj_0 and adds obj_2") });
  });
});

describe("claims naming their reference object by description on a photo", () => {
  // toy blocks photographed: categories in the claims reader's nouns, colours as attributes
  const blocks: Scene = {
    ...livingRoom,
    name: "blocks.jpg",
    objects: [
      photoObject(0, "sphere", [20, 200, 60, 60], { color: ["red"] }),
      photoObject(1, "cylinder", [300, 200, 60, 80], { color: ["cyan"] }),
      photoObject(2, "sphere", [520, 210, 50, 50], { color: ["blue"] }),
      photoObject(3, "cylinder", [420, 60, 40, 60], { color: ["gray"] }),
    ],
  };
  const claim = (text: string, scene: Scene = blocks) => verdict([reasoning(text)], scene, 0, "reasoning.claims");

  it("resolves the anchor against the scene: a right count passes, a wrong one fails", () => {
    expect(claim("There is 1 sphere left of the cyan cylinder.")).toMatchObject({ outcome: "pass" });
    expect(claim("There are 2 spheres left of the cyan cylinder.")).toMatchObject({ outcome: "fail", evidence: { expected: 1, found: 2 } });
  });

  it("an anchor that names several objects, or none, skips with the reason instead of failing", () => {
    expect(claim("There is 1 sphere left of the cylinder.")).toMatchObject({ outcome: "skip", message: expect.stringContaining("could be any of 2 objects") });
    expect(claim("There is 1 sphere left of the green cube.")).toMatchObject({ outcome: "skip", message: expect.stringContaining("not in the scene") });
  });
});
