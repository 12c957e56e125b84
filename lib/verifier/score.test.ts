import { describe, expect, it } from "vitest";
import { DEFAULT_SETTINGS, verifierSettings } from "@/lib/verifier/config";
import { combineParts, finiteScore, scoreTrace, stepsPart } from "@/lib/verifier/score";

// Scores are finite numbers in [0, 1], whatever the (valid) weights; a non-finite one is refused
// loudly instead of being stored as NULL (docs/limits.md).

describe("quality scores", () => {
  it("the guard refuses NaN and ±Infinity and clamps to [0, 1]", () => {
    expect(() => finiteScore(Number.NaN)).toThrow(/not a finite number/);
    expect(() => finiteScore(Number.POSITIVE_INFINITY)).toThrow(/not a finite number/);
    expect(finiteScore(1 + 1e-12)).toBe(1);
    expect(finiteScore(0.25)).toBe(0.25);
  });

  it("part weights near the float limit still give the weighted mean (no overflow to NaN)", () => {
    // not a valid stored config any more, but the arithmetic itself must not overflow
    const settings = { ...DEFAULT_SETTINGS, scoring: { steps: 1e308, completeness: 1e308, final: 1e308 } };
    expect(combineParts(1, 0.5, 0, settings)).toBeCloseTo(0.5, 12);
  });

  it("rule weights that overflow their sum fail with a clear error instead of NaN", () => {
    const rules = Object.fromEntries(Object.entries(DEFAULT_SETTINGS.rules).map(([id, r]) => [id, { ...r, weight: 1e308 }]));
    const settings = { ...DEFAULT_SETTINGS, rules } as typeof DEFAULT_SETTINGS;
    expect(() => stepsPart({ "args.schema": [5, 0, 0], "args.refs": [5, 1, 0] }, settings)).toThrow(/not a finite number/);
  });

  it("valid settings refuse weights over the bound and non-finite tolerances", () => {
    const base = structuredClone(DEFAULT_SETTINGS);
    expect(verifierSettings.safeParse(base).success).toBe(true);
    expect(verifierSettings.safeParse({ ...base, scoring: { ...base.scoring, steps: 1e308 } }).success).toBe(false);
    expect(verifierSettings.safeParse({ ...base, tolerances: { ...base.tolerances, number: Number.POSITIVE_INFINITY } }).success).toBe(false);
    const rules = { ...base.rules, "args.schema": { enabled: true, weight: 1001 } };
    expect(verifierSettings.safeParse({ ...base, rules }).success).toBe(false);
  });

  it("all-zero weights give 0, never NaN", () => {
    const zero = { ...DEFAULT_SETTINGS, scoring: { steps: 0, completeness: 0, final: 0 } };
    const { quality } = scoreTrace({ "args.schema": [1, 0, 0] }, 1, true, zero);
    expect(quality).toBe(0);
  });
});
