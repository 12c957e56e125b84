import { describe, expect, it } from "vitest";
import { breakDownFailures, type LabelledProfile, type Profile } from "@/lib/calibration/failures";

const RULES = ["a", "b"];
const PROFILES: Profile[] = [
  { profile: 1, failMask: 3, passMask: 0, kind: "tool_call", tool: "detect", classes: ["projective"], steps: 4 },
  { profile: 2, failMask: 2, passMask: 1, kind: "reasoning", tool: null, classes: [], steps: 5 },
  { profile: 3, failMask: 0, passMask: 3, kind: "tool_call", tool: "detect", classes: ["projective", "metric"], steps: 50 },
];
const LABELLED: LabelledProfile[] = [
  { votes: { accept: 0, reject: 1, neutral: 0 }, profile: 1, count: 2 },
  { votes: { accept: 1, reject: 0, neutral: 0 }, profile: 2, count: 3 },
  { votes: { accept: 1, reject: 1, neutral: 0 }, profile: 2, count: 1 },
  { votes: { accept: 1, reject: 0, neutral: 0 }, profile: 3, count: 9 },
];

describe("breakDownFailures", () => {
  it("counts failing (step, rule) pairs and failing steps per rule, kind, tool and class", () => {
    const b = breakDownFailures(PROFILES, LABELLED, RULES);
    expect(b).toMatchObject({ totalFailures: 13, totalFailingSteps: 9, profiles: [1, 2] });
    expect(b.rule.map((r) => [r.key, r.failures, r.humans.reject, r.humans.accept, r.humans.ties])).toEqual([
      ["b", 9, 2, 3, 1],
      ["a", 4, 2, 0, 0],
    ]);
    expect(b.rule[0].confirmed.value).toBe(2 / 5);
    expect(b.kind.map((r) => [r.key, r.failures, r.steps])).toEqual([["tool_call", 8, 4], ["reasoning", 5, 5]]);
    expect(b.tool.map((r) => r.key)).toEqual(["detect", "(no tool)"]);
    expect(b.relationClass!.map((r) => [r.key, r.steps])).toEqual([["projective", 4], ["(untagged)", 5]]);
  });

  it("narrows to a rule, kind, tool or class", () => {
    expect(breakDownFailures(PROFILES, LABELLED, RULES, { rule: "a" })).toMatchObject({ totalFailures: 4, totalFailingSteps: 4, profiles: [1] });
    expect(breakDownFailures(PROFILES, LABELLED, RULES, { tool: "(no tool)" }).profiles).toEqual([2]);
    expect(breakDownFailures(PROFILES, LABELLED, RULES, { relationClass: "(untagged)" }).profiles).toEqual([2]);
    expect(breakDownFailures(PROFILES, LABELLED, RULES, { kind: "answer" }).totalFailures).toBe(0);
  });

  it("says so when nothing is tagged", () => {
    expect(breakDownFailures(PROFILES.map((p) => ({ ...p, classes: [] })), [], RULES).relationClass).toBeNull();
  });
});
