import { describe, expect, it } from "vitest";
import { DEFAULT_THRESHOLDS } from "@/lib/calibration/agreement";
import { binaryLabel, outcomeOf, resolveVotes, ruleBits, rulesIn } from "@/lib/calibration/labels";
import { calibrateSteps, type StepGroup } from "@/lib/calibration/steps";

const RULES = ["r.a", "r.b"]; // bits 1 and 2
const v = (accept: number, reject: number, neutral = 0) => ({ accept, reject, neutral });

const GROUPS: StepGroup[] = [
  { votes: v(0, 1), failMask: 1, passMask: 2, kind: "tool_call", tool: "detect", classes: ["projective"], count: 4 },
  { votes: v(1, 0), failMask: 1, passMask: 0, kind: "tool_call", tool: "detect", classes: [], count: 2 },
  { votes: v(1, 0), failMask: 0, passMask: 3, kind: "reasoning", tool: null, classes: ["metric", "projective"], count: 5 },
  { votes: v(0, 1), failMask: 0, passMask: 1, kind: "reasoning", tool: null, classes: [], count: 3 },
  { votes: v(0, 0, 1), failMask: 2, passMask: 1, kind: "reasoning", tool: null, classes: [], count: 2 },
  { votes: v(1, 1), failMask: 1, passMask: 0, kind: "answer", tool: null, classes: [], count: 1 },
  { votes: v(1, 2), failMask: 0, passMask: 0, kind: "answer", tool: null, classes: [], count: 1 },
];

describe("labels", () => {
  it("resolves reviewers by strict plurality, ties left out", () => {
    expect(resolveVotes(v(0, 1))).toBe("reject");
    expect(resolveVotes(v(2, 1))).toBe("accept");
    expect(resolveVotes(v(1, 1, 3))).toBe("neutral");
    expect(resolveVotes(v(1, 1))).toBe("tie");
    expect(resolveVotes(v(0, 1, 1))).toBe("tie");
  });

  it("applies the neutral policy", () => {
    expect(binaryLabel("neutral", "exclude")).toBeNull();
    expect(binaryLabel("neutral", "accept")).toBe("accept");
    expect(binaryLabel("neutral", "reject")).toBe("reject");
    expect(binaryLabel("tie", "reject")).toBeNull();
    expect(binaryLabel("reject", "accept")).toBe("reject");
  });

  it("derives the step outcome and reads rule masks", () => {
    expect(outcomeOf(4, 1)).toBe("fail");
    expect(outcomeOf(0, 1)).toBe("pass");
    expect(outcomeOf(0, 0)).toBe("skip");
    expect([...ruleBits(["x", "y", "z"]).values()]).toEqual([1, 2, 4]);
    expect(rulesIn(5, ["x", "y", "z"])).toEqual(["x", "z"]);
  });
});

describe("calibrateSteps", () => {
  const result = calibrateSteps(GROUPS, RULES, { neutral: "exclude", thresholds: DEFAULT_THRESHOLDS });

  it("counts labels, ties, neutral and verifier skips separately", () => {
    expect(result.labels).toEqual({ labelled: 18, accept: 7, reject: 8, neutral: 2, ties: 1, excludedNeutral: 2, skipped: 1, included: 14 });
    expect(result.steps.neutralOutcomes).toEqual({ pass: 0, fail: 2, skip: 0 });
  });

  it("builds the overall confusion matrix from the step outcome (fail if any rule fails)", () => {
    expect(result.steps).toMatchObject({ n: 14, tp: 4, fp: 2, fn: 3, tn: 5 });
    expect(result.steps.precision.value).toBeCloseTo(4 / 6, 15);
    expect(result.steps.recall.value).toBeCloseTo(4 / 7, 15);
    expect(result.steps.f1).toBeCloseTo(8 / 13, 15);
    // po = 9/14; pe = (6·7 + 8·7)/14² = 0.5; κ = (9/14 − 1/2)/(1/2) = 2/7
    expect(result.steps.kappa.value).toBeCloseTo(2 / 7, 14);
    expect(result.steps.warnings.map((w) => w.code)).toEqual(["small_n"]);
  });

  it("scores each rule on the steps where it ran, with EvalGen coverage and false-failure rate", () => {
    expect(result.rules["r.a"]).toMatchObject({ tp: 4, fp: 2, fn: 3, tn: 5, skipped: 1 });
    expect(result.rules["r.a"].coverage.value).toBe(4 / 8);
    expect(result.rules["r.a"].falseFailureRate.value).toBe(2 / 7);
    expect(result.rules["r.a"].alignment).toBeCloseTo(10 / 17, 15);
    expect(result.rules["r.b"]).toMatchObject({ tp: 0, fp: 0, fn: 4, tn: 5, skipped: 6 });
    expect(result.rules["r.b"].precision.value).toBeNull();
    expect(result.rules["r.b"].alignment).toBe(0);
  });

  it("breaks down by kind, tool and relation class (a step counts under each class of its question)", () => {
    const pick = (rows: typeof result.breakdowns.kind) => rows.map((r) => [r.key, r.tp, r.fp, r.fn, r.tn]);
    expect(pick(result.breakdowns.kind)).toEqual([
      ["reasoning", 0, 0, 3, 5],
      ["tool_call", 4, 2, 0, 0],
    ]);
    expect(pick(result.breakdowns.tool)).toEqual([
      ["(no tool)", 0, 0, 3, 5],
      ["detect", 4, 2, 0, 0],
    ]);
    expect(pick(result.breakdowns.relationClass!)).toEqual([
      ["projective", 4, 0, 0, 5],
      ["(untagged)", 0, 2, 3, 0],
      ["metric", 0, 0, 0, 5],
    ]);
  });

  it("splits the step matrix by coverage; without a flag a step is checked when the verifier passed or failed it", () => {
    const cells = (a: { tp: number; fp: number; fn: number; tn: number }) => [a.tp, a.fp, a.fn, a.tn];
    const byOutcome = calibrateSteps(GROUPS, RULES);
    expect(cells(byOutcome.coverage.checked)).toEqual(cells(byOutcome.steps));
    expect(byOutcome.coverage.unchecked).toMatchObject({ n: 0, labelled: 1, skipped: 1, included: 0 });
    // a step passed only by a rule that reads no content (cross.pairing): flagged unchecked, still a pass
    const groups: StepGroup[] = [...GROUPS.map((g) => ({ ...g, checked: g.failMask !== 0 || g.passMask !== 0 })), { votes: v(0, 1), failMask: 0, passMask: 2, kind: "tool_result", tool: null, classes: [], checked: false, count: 3 }];
    const split = calibrateSteps(groups, RULES);
    expect(cells(split.coverage.unchecked)).toEqual([0, 0, 3, 0]);
    expect(split.coverage.unchecked).toMatchObject({ labelled: 4, skipped: 1, included: 3 });
    expect(cells(split.coverage.checked)).toEqual(cells(byOutcome.steps));
    expect(cells(split.coverage.checked).map((c, i) => c + cells(split.coverage.unchecked)[i])).toEqual(cells(split.steps));
    expect(split.coverage.checked.labelled + split.coverage.unchecked.labelled).toBe(split.labels.labelled);
  });

  it("reports no relation classes when nothing is tagged", () => {
    const untagged = calibrateSteps(GROUPS.map((g) => ({ ...g, classes: [] })), RULES);
    expect(untagged.breakdowns.relationClass).toBeNull();
  });

  it("folds neutral into reject or accept on request", () => {
    const asReject = calibrateSteps(GROUPS, RULES, { neutral: "reject", thresholds: DEFAULT_THRESHOLDS });
    expect(asReject.steps).toMatchObject({ tp: 6, fp: 2, fn: 3, tn: 5 });
    expect(asReject.labels.excludedNeutral).toBe(0);
    expect(asReject.rules["r.b"]).toMatchObject({ tp: 2 });
    const asAccept = calibrateSteps(GROUPS, RULES, { neutral: "accept", thresholds: DEFAULT_THRESHOLDS });
    expect(asAccept.steps).toMatchObject({ tp: 4, fp: 4, fn: 3, tn: 5 });
  });
});
