import { describe, expect, it } from "vitest";
import { failureBars, reliabilityPoints, rocArea, rocSeries } from "@/lib/calibration/chart-data";
import { reliability, rocCurve } from "@/lib/calibration/scores";
import type { FailureRow } from "@/lib/calibration/failures";

describe("reliability diagram data", () => {
  it("plots observed acceptance against predicted quality, not the bin's mean on the diagonal", () => {
    // high scores nobody accepted: the point sits at y = 0, far below the diagonal
    const scores = [{ score: 0.95, good: 0, bad: 5 }, { score: 0.92, good: 0, bad: 4 }, { score: 0.15, good: 3, bad: 0 }];
    const points = reliabilityPoints(reliability(scores).bins);
    const high = points.find((p) => p.predicted > 0.9)!;
    expect(high.observed).toBe(0);
    expect(high.predicted).toBeCloseTo((0.95 * 5 + 0.92 * 4) / 9, 6);
    expect(high.gap).toBeLessThan(-0.9);
    expect(high.n).toBe(9);
    const low = points.find((p) => p.predicted < 0.2)!;
    expect(low.observed).toBe(1);
    for (const p of points) {
      expect(p.error[0]).toBeGreaterThanOrEqual(0);
      expect(p.error[1]).toBeGreaterThanOrEqual(0);
      expect(p.observed - p.error[0]).toBeCloseTo(p.lo, 9);
      expect(p.observed + p.error[1]).toBeCloseTo(p.hi, 9);
    }
  });

  it("leaves out empty bins", () => {
    const points = reliabilityPoints(reliability([{ score: 0.5, good: 1, bad: 1 }]).bins);
    expect(points).toHaveLength(1);
    expect(points[0]).toMatchObject({ observed: 0.5, n: 2 });
    expect(reliabilityPoints([])).toEqual([]);
  });
});

describe("ROC data", () => {
  it("runs from (0,0) to (1,1) in fpr order with the area under it", () => {
    const points = rocSeries(rocCurve([{ score: 0.9, good: 3, bad: 0 }, { score: 0.6, good: 1, bad: 1 }, { score: 0.2, good: 0, bad: 3 }]));
    expect(points[0]).toMatchObject({ fpr: 0, tpr: 0 });
    expect(points[points.length - 1]).toMatchObject({ fpr: 1, tpr: 1 });
    for (let i = 1; i < points.length; i++) expect(points[i].fpr).toBeGreaterThanOrEqual(points[i - 1].fpr);
    const area = rocArea(points)!;
    expect(area).toBeGreaterThan(0.8);
    expect(area).toBeLessThanOrEqual(1);
    expect(rocSeries([])).toEqual([]);
  });

  it("a score that tells nothing apart has area one half", () => {
    expect(rocArea(rocSeries(rocCurve([{ score: 0.5, good: 2, bad: 2 }])))).toBeCloseTo(0.5, 9);
  });
});

describe("failures chart data", () => {
  it("splits each rule's failures by human verdict, parts adding up to the failures", () => {
    const row = (key: string, failures: number, reject: number, accept: number, neutral = 0): FailureRow => ({ key, failures, steps: failures, humans: { reject, accept, neutral, ties: 0 }, confirmed: { value: null, lo: null, hi: null } });
    const bars = failureBars([row("args.refs", 10, 4, 3, 1), row("result.reexec", 2, 0, 0), row("odd", 3, 5, 5)]);
    expect(bars[0]).toEqual({ key: "args.refs", confirmed: 4, disputed: 3, unlabelled: 3, failures: 10 });
    expect(bars[1]).toEqual({ key: "result.reexec", confirmed: 0, disputed: 0, unlabelled: 2, failures: 2 });
    for (const b of bars) expect(b.confirmed + b.disputed + b.unlabelled).toBe(b.failures);
  });
});
