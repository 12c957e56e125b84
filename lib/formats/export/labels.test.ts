import { describe, expect, it } from "vitest";
import { humanAccepted, labelScalar, resolveHuman, stepLabel, stepReward, traceJudgment, verifierOutcome, type ReviewRow } from "@/lib/formats/export/labels";
import type { StepLabel } from "@/lib/formats/export/types";

const review = (label: string, extra: Partial<ReviewRow> = {}): ReviewRow => ({ stepId: 1, label, source: "human", userId: 1, revision: null, ...extra });
const step = (label: Partial<StepLabel>) => ({ label: { value: null, source: null, human: null, humanSource: null, verifier: null, ...label } as StepLabel });

describe("human labels", () => {
  it("takes the majority of current reviews, ties going to the more cautious label", () => {
    expect(resolveHuman([review("accept", { userId: 1 }), review("accept", { userId: 2 }), review("reject", { userId: 3 })])).toEqual({ value: "good", source: "human" });
    expect(resolveHuman([review("accept", { userId: 1 }), review("reject", { userId: 2 })])?.value).toBe("bad");
    expect(resolveHuman([review("accept", { userId: 1 }), review("neutral", { userId: 2 })])?.value).toBe("neutral");
    expect(resolveHuman([])).toBeNull();
  });

  it("prefers this tool's reviewers over imported labels, and names the import otherwise", () => {
    expect(resolveHuman([review("reject", { source: "external:prm800k" }), review("accept")])).toEqual({ value: "good", source: "human" });
    expect(resolveHuman([review("reject", { source: "external:prm800k" })])).toEqual({ value: "bad", source: "external:prm800k" });
  });

  it("ignores labels given to an older revision of the step", () => {
    expect(resolveHuman([review("reject", { revision: 0 })], 1)).toBeNull();
    expect(resolveHuman([review("accept", { revision: 1 })], 1)?.value).toBe("good");
  });
});

describe("label priority", () => {
  it("human first, verifier otherwise; an edited step counts as a human accept", () => {
    expect(stepLabel({ value: "bad", source: "human" }, "pass", "human-first", false)).toMatchObject({ value: "bad", source: "human", human: "bad", verifier: "pass" });
    expect(stepLabel(null, "fail", "human-first", false)).toMatchObject({ value: "bad", source: "verifier", human: null });
    expect(stepLabel({ value: "good", source: "human" }, "fail", "verifier-only", false)).toMatchObject({ value: "bad", source: "verifier", human: "good" });
    expect(stepLabel(null, "fail", "human-only", false)).toMatchObject({ value: null, source: null });
    expect(stepLabel(null, null, "human-first", true)).toMatchObject({ value: "good", source: "human" });
  });

  it("a step fails when any rule fails; all skips give no outcome", () => {
    expect(verifierOutcome({ fails: 1, passes: 5 })).toBe("fail");
    expect(verifierOutcome({ fails: 0, passes: 2 })).toBe("pass");
    expect(verifierOutcome({ fails: 0, passes: 0 })).toBeNull();
    expect(verifierOutcome(undefined)).toBeNull();
  });

  it("judges traces from a decision, fully human-labelled steps, or the verifier's validity", () => {
    const allGood = [step({ human: "good", humanSource: "external:x" }), step({ human: "good", humanSource: "human" })];
    expect(traceJudgment({ value: "bad", source: "human" }, allGood, true, "human-first")).toEqual({ value: "bad", source: "human" });
    expect(traceJudgment(null, allGood, false, "human-first")).toEqual({ value: "good", source: "human" });
    expect(traceJudgment(null, [step({ human: "good" }), step({})], false, "human-first")).toEqual({ value: "bad", source: "verifier" });
    expect(traceJudgment(null, [step({})], null, "human-first")).toEqual({ value: null, source: null });
    expect(traceJudgment({ value: "good", source: "human" }, [], false, "verifier-only")).toEqual({ value: "bad", source: "verifier" });
    expect(humanAccepted(null, allGood)).toBe(true);
    expect(humanAccepted(null, [step({ human: "good" }), step({ human: "bad" })])).toBe(false);
    expect(humanAccepted({ value: "good", source: "human" }, [])).toBe(true);
  });

  it("maps labels to TRL scalars and RL rewards", () => {
    expect(labelScalar("neutral", { neutral: "positive", labelType: "bool" })).toBe(true);
    expect(labelScalar("neutral", { neutral: "negative", labelType: "bool" })).toBe(false);
    expect(labelScalar("neutral", { neutral: "negative", labelType: "float" })).toBe(0.5);
    expect(labelScalar(null, { neutral: "positive", labelType: "bool" })).toBeNull();
    expect([stepReward("good"), stepReward("bad"), stepReward("neutral"), stepReward(null)]).toEqual([1, -1, 0, 0]);
  });
});
