import { describe, expect, it } from "vitest";
import { configEffect, judgeUnder, type StoredScore } from "@/lib/calibration/effect";
import { DEFAULT_SETTINGS, type VerifierSettings } from "@/lib/verifier/config";
import { scoreTrace, type RuleTally } from "@/lib/verifier/score";
import type { RuleId } from "@/lib/verifier/rules";

const settings = (changes: Partial<Record<RuleId, { enabled: boolean; weight: number }>> = {}, threshold = DEFAULT_SETTINGS.threshold): VerifierSettings => ({
  ...DEFAULT_SETTINGS,
  threshold,
  rules: { ...DEFAULT_SETTINGS.rules, ...changes },
});

/** A trace as the verifier would store it: quality and parts from scoreTrace, valid from its failures. */
function stored(traceId: number, rules: Partial<Record<RuleId, RuleTally>>, finalCorrect: boolean | null, s: VerifierSettings, completeness: number | null = null): StoredScore {
  const { quality, parts } = scoreTrace(rules, completeness, finalCorrect, s);
  const failing = Object.entries(rules).some(([rule, t]) => rule !== "final.correct" && s.rules[rule as RuleId]?.enabled && (t?.[1] ?? 0) > 0);
  return { traceId, quality, valid: !failing && finalCorrect !== false, parts };
}

describe("configEffect: what a proposed config changes on a run", () => {
  const current = settings();
  const rules = Object.keys(DEFAULT_SETTINGS.rules).filter((r) => DEFAULT_SETTINGS.rules[r as RuleId].enabled && r !== "final.correct") as RuleId[];
  const [a, b] = rules;
  const traces = [
    stored(1, { [a]: [3, 1, 0], [b]: [4, 0, 0] }, true, current), // fails rule a only
    stored(2, { [a]: [4, 0, 0], [b]: [4, 0, 0] }, true, current, 0.5), // clean, half the program covered
    stored(3, { [a]: [4, 0, 0], [b]: [2, 2, 0] }, true, current), // fails rule b
    stored(4, { [a]: [4, 0, 0], [b]: [4, 0, 0] }, false, current), // wrong answer
  ];

  it("an unchanged config changes nothing", () => {
    const effect = configEffect(traces, current, current);
    expect(effect.before).toEqual(effect.after);
    expect(effect.becomeValid.count + effect.becomeInvalid.count + effect.enterKept.count + effect.leaveKept.count).toBe(0);
    expect(effect.before.valid).toBe(traces.filter((t) => t.valid).length);
  });

  it("switching a rule off makes the traces only it failed valid: valid ratio before → after and the flipping ids", () => {
    const effect = configEffect(traces, current, settings({ [a]: { enabled: false, weight: 1 } }));
    expect(effect.before.validRatio).toBe(0.25);
    expect(effect.after.validRatio).toBe(0.5);
    expect(effect.becomeValid).toEqual({ count: 1, ids: [1] });
    expect(effect.becomeInvalid.count).toBe(0);
  });

  it("a threshold change keeps validity but changes which valid traces are kept", () => {
    const clean = judgeUnder(traces[1], current)!;
    expect(clean.quality).toBeLessThan(0.99);
    const effect = configEffect(traces, current, settings({}, clean.quality + 0.01));
    expect(effect.after.valid).toBe(effect.before.valid);
    expect(effect.before.kept).toBe(1);
    expect(effect.after.kept).toBe(0);
    expect(effect.leaveKept).toEqual({ count: 1, ids: [2] });
    const lower = configEffect(traces, current, settings({}, 0));
    expect(lower.after.kept).toBe(lower.after.valid);
  });

  it("names rules switched on that did not run, and counts traces without parts", () => {
    const off = settings({ [b]: { enabled: false, weight: 1 } });
    const effect = configEffect([...traces, { traceId: 9, quality: 0.5, valid: false, parts: null }], off, current);
    expect(effect.notRun).toEqual([b]);
    expect(effect.unscored).toBe(1);
    expect(effect.traces).toBe(5);
  });

  it("lists at most `limit` ids but counts them all", () => {
    const many = Array.from({ length: 30 }, (_, i) => stored(100 + i, { [a]: [1, 1, 0] }, null, current));
    const effect = configEffect(many, current, settings({ [a]: { enabled: false, weight: 1 } }), 5);
    expect(effect.becomeValid.count).toBe(30);
    expect(effect.becomeValid.ids).toHaveLength(5);
  });
});
