import { describe, expect, it } from "vitest";
import { calibrateTraces, scoreCounts, type TraceGroup } from "@/lib/calibration/traces";

const v = (accept: number, reject: number) => ({ accept, reject, neutral: 0 });
const GROUPS: TraceGroup[] = [
  { votes: v(1, 0), quality: 0.9, valid: true, count: 2 },
  { votes: v(0, 1), quality: 0.9, valid: false, count: 1 },
  { votes: v(0, 1), quality: 0.2, valid: false, count: 3 },
  { votes: v(1, 1), quality: 0.5, valid: true, count: 4 },
  { votes: v(2, 1), quality: 0.4, valid: true, count: 1 },
];

describe("calibrateTraces", () => {
  it("resolves decisions, leaves ties out and scores quality against them", () => {
    const r = calibrateTraces(GROUPS, 0.6);
    expect(r).toMatchObject({ n: 7, accepted: 3, rejected: 4, ties: 4 });
    // good: 0.9, 0.9, 0.4; bad: 0.9, 0.2, 0.2, 0.2 → wins: 0.9s beat three 0.2s and tie one 0.9 (2 × 3.5), 0.4 beats three → 10/12
    expect(r.auc).toBeCloseTo(10 / 12, 15);
    expect(r.recommended).toMatchObject({ threshold: 0.4, precision: 0.75, recall: 1, kept: 4 });
    expect(r.targetPrecision).toBe(0.6);
  });

  it("counts validity as a predictor of a reject (positive = invalid / rejected)", () => {
    const { valid, ties } = scoreCounts(GROUPS);
    expect(valid).toEqual({ tp: 4, fp: 0, fn: 0, tn: 3 });
    expect(ties).toBe(4);
  });
});
