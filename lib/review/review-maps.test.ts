import { describe, expect, it } from "vitest";
import { failingTarget, reviewMaps } from "@/lib/review/review-maps";
import type { ReviewDto, StepDto, TraceDetail } from "@/lib/schemas/traces";

const step = (id: number, index: number, extra: Partial<StepDto> = {}): StepDto => ({
  id, index, kind: "reasoning", text: `step ${index}`, tool: null, callId: null, args: null, result: null, refs: [], revision: 0, version: 1, ...extra,
});
let nextReview = 1;
const review = (stepId: number | null, user: string, label: string, extra: Partial<ReviewDto> = {}): ReviewDto => ({
  id: nextReview++, stepId, label, comment: null, source: "human", user, provenance: null, createdAt: "2026-01-01T00:00:00.000Z", ...extra,
});
const verdicts = (outcomes: Record<number, "pass" | "fail" | "skip">): TraceDetail["verification"] => ({
  run: 1, config: 1, quality: 0.5, valid: false, failingSteps: Object.values(outcomes).filter((o) => o === "fail").length, parts: null,
  steps: Object.fromEntries(Object.entries(outcomes).map(([id, outcome]) => [id, { outcome, verdicts: [] }])) as never,
});

const steps = [
  step(10, 0, { kind: "plan" }),
  step(11, 1, { kind: "tool_call", tool: "detect", callId: "c1" }),
  step(12, 2, { kind: "tool_result", callId: "c1" }),
  step(13, 3, { kind: "tool_call", tool: "count", callId: "c2" }),
  step(14, 4, { kind: "tool_result", callId: "c2" }),
  step(15, 5, { kind: "answer" }),
];

describe("reviewMaps", () => {
  it("splits the reviews into yours, others', comments and trace decisions", () => {
    const reviews = [
      review(10, "ana", "accept"),
      review(11, "ana", "reject", { comment: "wrong colour" }),
      review(11, "bo", "accept", { comment: "looks fine" }),
      review(12, "ana", "after_error", { comment: "ignored: markers carry no comment" }),
      review(13, "prm800k", "neutral", { source: "external:prm800k" }),
      // an imported label filed under the reviewer's own name is still not theirs
      review(14, "ana", "accept", { source: "external:visprog" }),
      review(null, "visprog", "accept", { source: "external:visprog" }),
      review(null, "ana", "reject"),
    ];
    const maps = reviewMaps({ steps, reviews, injected: [], verification: null }, "ana");
    expect([...maps.mine]).toEqual([[10, "accept"], [11, "reject"], [12, "after_error"]]);
    expect(maps.labelled).toBe(3);
    expect(maps.others.get(11)).toEqual([{ user: "bo", label: "accept", source: "human" }]);
    expect(maps.others.get(13)).toEqual([{ user: "prm800k", label: "neutral", source: "external:prm800k" }]);
    expect(maps.others.get(14)).toEqual([{ user: "ana", label: "accept", source: "external:visprog" }]);
    expect(maps.others.has(10)).toBe(false);
    expect(maps.others.has(12)).toBe(false);
    expect(maps.comments.get(11)).toEqual([{ user: "ana", text: "wrong colour" }, { user: "bo", text: "looks fine" }]);
    expect(maps.comments.has(12)).toBe(false);
    expect(maps.decisions.map((d) => `${d.user}:${d.label}`)).toEqual(["visprog:accept", "ana:reject"]);
  });

  it("keeps the latest of your labels when the list holds an older one too", () => {
    const maps = reviewMaps({ steps, reviews: [review(10, "ana", "reject"), review(10, "ana", "accept")], injected: [], verification: null }, "ana");
    expect(maps.mine.get(10)).toBe("accept");
  });

  it("maps calls to their tool, faults to their step, and lists failing steps in order", () => {
    const injected = [{ type: "wrong_count", step: 4, detail: "off by one" }, { type: "wrong_args", step: 3, detail: "a" }, { type: "wrong_args", step: 3, detail: "b" }];
    const maps = reviewMaps({ steps, reviews: [], injected, verification: verdicts({ 15: "fail", 11: "fail", 12: "pass", 13: "skip" }) }, "ana");
    expect([...maps.toolOfCall]).toEqual([["c1", "detect"], ["c2", "count"]]);
    expect(maps.injectedByStep.get(3)?.map((f) => f.detail)).toEqual(["a", "b"]);
    expect(maps.injectedByStep.get(4)).toHaveLength(1);
    expect(maps.failing).toEqual([1, 5]);
    expect(maps.labelled).toBe(0);
  });

  it("has nothing failing before the trace is verified", () => {
    expect(reviewMaps({ steps, reviews: [], injected: [], verification: null }, "ana").failing).toEqual([]);
  });
});

describe("failingTarget (f / Shift+F)", () => {
  const failing = [2, 5, 8];
  const none = () => false;

  it("f stays on the current step when it fails, you have not labelled it and `a` just moved onto it", () => {
    expect(failingTarget(failing, 5, 1, none, true)).toBe(5);
    expect(failingTarget(failing, 2, 1, none, true)).toBe(2);
  });

  it("pressed again (or after moving by hand) f walks on from a failing step", () => {
    expect(failingTarget(failing, 5, 1, none)).toBe(8);
    expect(failingTarget(failing, 2, 1, none)).toBe(5);
    expect(failingTarget(failing, 8, 1, none)).toBe(2);
  });

  it("f goes to the next failing step you have not labelled, skipping labelled ones and wrapping", () => {
    expect(failingTarget(failing, 3, 1, none)).toBe(5);
    expect(failingTarget(failing, 5, 1, (i) => i === 5)).toBe(8);
    expect(failingTarget(failing, 3, 1, (i) => i === 5)).toBe(8);
    expect(failingTarget(failing, 9, 1, none)).toBe(2);
    expect(failingTarget(failing, 6, 1, (i) => i === 8)).toBe(2);
  });

  it("f cycles through the failing steps once all of them carry your label", () => {
    const all = () => true;
    expect(failingTarget(failing, 5, 1, all)).toBe(8);
    expect(failingTarget(failing, 8, 1, all)).toBe(2);
    expect(failingTarget(failing, 0, 1, all)).toBe(2);
  });

  it("Shift+F goes to the previous failing step, wrapping around", () => {
    expect(failingTarget(failing, 5, -1, none)).toBe(2);
    expect(failingTarget(failing, 6, -1, none)).toBe(5);
    expect(failingTarget(failing, 2, -1, none)).toBe(8);
    expect(failingTarget(failing, 0, -1, none)).toBe(8);
  });

  it("is null when nothing fails", () => {
    expect(failingTarget([], 0, 1, none)).toBeNull();
    expect(failingTarget([], 3, -1, none)).toBeNull();
  });
});
