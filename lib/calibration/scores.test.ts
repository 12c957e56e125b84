import { describe, expect, it } from "vitest";
import { Z95 } from "@/lib/calibration/intervals";
import { normalizeScores, recommendThreshold, reliability, rocAuc, rocCurve, thresholdGrid, thresholdSweep, type ScoreCount } from "@/lib/calibration/scores";

// Six traces: accepted (good) at 0.9, 0.8, 0.6; rejected (bad) at 0.7, 0.6, 0.2 — one tie at 0.6.
const FIXTURE: ScoreCount[] = [
  { score: 0.9, good: 1, bad: 0 },
  { score: 0.6, good: 1, bad: 0 },
  { score: 0.2, good: 0, bad: 1 },
  { score: 0.8, good: 1, bad: 0 },
  { score: 0.7, good: 0, bad: 1 },
  { score: 0.6, good: 0, bad: 1 },
];

describe("normalizeScores", () => {
  it("merges equal scores, drops empty rows and sorts", () => {
    expect(normalizeScores([...FIXTURE, { score: 0.5, good: 0, bad: 0 }])).toEqual([
      { score: 0.2, good: 0, bad: 1 },
      { score: 0.6, good: 1, bad: 1 },
      { score: 0.7, good: 0, bad: 1 },
      { score: 0.8, good: 1, bad: 0 },
      { score: 0.9, good: 1, bad: 0 },
    ]);
  });
});

describe("rocAuc", () => {
  it("counts good-over-bad pairs with ties as ½ and gives the Hanley–McNeil interval", () => {
    // pairs won: 0.9 → 3, 0.8 → 3, 0.6 → 0 + ½ + 1 = 1.5; A = 7.5/9 = 5/6
    // Q1 = A/(2−A) = 5/7, Q2 = 2A²/(1+A) = 25/33,
    // se² = [5/36 + 2(5/7 − 25/36) + 2(25/33 − 25/36)]/9 = 845/24948
    const auc = rocAuc(FIXTURE);
    expect(auc.value).toBeCloseTo(5 / 6, 15);
    expect(auc.lo).toBeCloseTo(5 / 6 - Z95 * Math.sqrt(845 / 24948), 14);
    expect(auc.lo).toBeCloseTo(0.47262300498565085, 14);
    expect(auc.hi).toBe(1);
  });

  it("is 1 for perfect separation, ½ for identical scores, undefined with one class", () => {
    expect(rocAuc([{ score: 0.9, good: 4, bad: 0 }, { score: 0.1, good: 0, bad: 3 }]).value).toBe(1);
    expect(rocAuc([{ score: 0.5, good: 4, bad: 3 }]).value).toBe(0.5);
    expect(rocAuc([{ score: 0.5, good: 4, bad: 0 }])).toEqual({ value: null, lo: null, hi: null });
  });
});

describe("rocCurve", () => {
  it("walks from (0,0) to (1,1) one distinct score at a time", () => {
    expect(rocCurve(FIXTURE)).toEqual([
      { threshold: null, fpr: 0, tpr: 0 },
      { threshold: 0.9, fpr: 0, tpr: 1 / 3 },
      { threshold: 0.8, fpr: 0, tpr: 2 / 3 },
      { threshold: 0.7, fpr: 1 / 3, tpr: 2 / 3 },
      { threshold: 0.6, fpr: 2 / 3, tpr: 1 },
      { threshold: 0.2, fpr: 1, tpr: 1 },
    ]);
  });
});

describe("thresholdSweep", () => {
  it("keeps score ≥ threshold and reports precision, recall and kept", () => {
    const sweep = thresholdSweep(FIXTURE, [0, 0.5, 0.6, 0.75, 1]);
    expect(sweep.map((p) => [p.threshold, p.precision, p.recall, p.kept])).toEqual([
      [0, 0.5, 1, 6],
      [0.5, 0.6, 1, 5],
      [0.6, 0.6, 1, 5],
      [0.75, 1, 2 / 3, 2],
      [1, null, 0, 0],
    ]);
    expect(sweep[1].keptShare).toBeCloseTo(5 / 6, 15);
    // Wilson interval of 3/5 at 0.5
    expect(sweep[1].precisionLo).toBeCloseTo(0.23072428127601294, 14);
    expect(sweep[1].precisionHi).toBeCloseTo(0.8823792257673521, 14);
  });

  it("defaults to 101 thresholds 0…1 without float drift", () => {
    const grid = thresholdGrid();
    expect(grid).toHaveLength(101);
    expect(grid[30]).toBe(0.3);
    expect(thresholdSweep(FIXTURE)).toHaveLength(101);
  });
});

describe("recommendThreshold", () => {
  it("picks the cut point with the highest recall that reaches the target precision", () => {
    // target 0.9: 0.9 keeps 1 (precision 1, recall 1/3), 0.8 keeps 2 (1, 2/3), 0.7 drops to 2/3
    expect(recommendThreshold(FIXTURE, 0.9)).toMatchObject({ threshold: 0.8, precision: 1, recall: 2 / 3, kept: 2 });
    // target 0.6: 0.6 keeps 5 at precision 0.6, recall 1
    expect(recommendThreshold(FIXTURE, 0.6)).toMatchObject({ threshold: 0.6, precision: 0.6, recall: 1, kept: 5 });
    // target 0.5: recall 1 at both 0.6 and 0.2; the higher precision wins
    expect(recommendThreshold(FIXTURE, 0.5)).toMatchObject({ threshold: 0.6, precision: 0.6, recall: 1 });
  });

  it("is null when no cut point reaches the target or there is no data", () => {
    expect(recommendThreshold([{ score: 0.9, good: 1, bad: 2 }], 0.5)).toBeNull();
    expect(recommendThreshold([], 0.5)).toBeNull();
  });
});

describe("reliability", () => {
  it("bins by score and computes ECE and MCE", () => {
    const r = reliability(FIXTURE);
    expect(r.bins).toHaveLength(10);
    expect(r.bins[6]).toMatchObject({ from: 0.6, to: 0.7, n: 2, meanScore: 0.6, rate: { value: 0.5 } });
    expect(r.bins[7]).toMatchObject({ n: 1, meanScore: 0.7, rate: { value: 0 } });
    expect(r.bins[0]).toMatchObject({ n: 0, meanScore: null, rate: { value: null } });
    // (|1−0.9| + |1−0.8| + 2·|0.5−0.6| + |0−0.7| + |0−0.2|)/6 = 1.4/6
    expect(r.ece).toBeCloseTo(1.4 / 6, 15);
    expect(r.mce).toBeCloseTo(0.7, 15);
  });

  it("puts a score of exactly 1 in the last bin and reports nothing without data", () => {
    expect(reliability([{ score: 1, good: 2, bad: 0 }], 4).bins[3]).toMatchObject({ n: 2, rate: { value: 1 } });
    expect(reliability([])).toMatchObject({ ece: null, mce: null });
  });
});
