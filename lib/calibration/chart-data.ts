import type { FailureRow } from "@/lib/calibration/failures";
import type { ReliabilityBin, RocPoint } from "@/lib/calibration/scores";

// The calibration charts' data as pure functions (docs/calibration.md): the components only draw
// what these return, so the tests check what a chart shows without a browser.

export interface ReliabilityPoint {
  /** x: the bin's mean quality score — what the verifier predicts */
  predicted: number;
  /** y: the share of the bin's traces people accepted — what was observed */
  observed: number;
  /** 95% Wilson interval of `observed` as [below, above] distances (recharts' ErrorBar) */
  error: [number, number];
  lo: number;
  hi: number;
  /** the bin's quality range, e.g. "0.8–0.9" */
  label: string;
  n: number;
  /** observed − predicted: < 0 when the score promises more than people accept */
  gap: number;
}

/**
 * Reliability diagram points: one per bin with labelled items, at (mean score, observed acceptance).
 * Never (mean score, mean score): a bin whose traces nobody accepted sits at observed 0, however
 * high its scores.
 */
export function reliabilityPoints(bins: readonly ReliabilityBin[]): ReliabilityPoint[] {
  return bins.flatMap((b) => {
    if (b.n <= 0 || b.rate.value === null || b.meanScore === null) return [];
    const observed = b.rate.value;
    const lo = b.rate.lo ?? observed;
    const hi = b.rate.hi ?? observed;
    return [{
      predicted: b.meanScore,
      observed,
      error: [Math.max(0, observed - lo), Math.max(0, hi - observed)] as [number, number],
      lo,
      hi,
      label: `${b.from.toFixed(1)}–${b.to.toFixed(1)}`,
      n: b.n,
      gap: observed - b.meanScore,
    }];
  });
}

/** The reference line of a perfectly calibrated score (observed = predicted), as two points. */
export const DIAGONAL: ReadonlyArray<{ predicted: number; observed: number }> = [{ predicted: 0, observed: 0 }, { predicted: 1, observed: 1 }];

export interface RocChartPoint {
  /** x: false-positive rate — share of rejected traces kept */
  fpr: number;
  /** y: true-positive rate — share of accepted traces kept (recall) */
  tpr: number;
  threshold: number | null;
}

/** ROC points sorted along the curve, starting at (0, 0) and ending at (1, 1). */
export function rocSeries(roc: readonly RocPoint[]): RocChartPoint[] {
  const points = roc.map((p) => ({ fpr: p.fpr, tpr: p.tpr, threshold: p.threshold })).sort((a, b) => a.fpr - b.fpr || a.tpr - b.tpr);
  if (!points.length) return [];
  if (points[0].fpr !== 0 || points[0].tpr !== 0) points.unshift({ fpr: 0, tpr: 0, threshold: null });
  const last = points[points.length - 1];
  if (last.fpr !== 1 || last.tpr !== 1) points.push({ fpr: 1, tpr: 1, threshold: null });
  return points;
}

/** Area under the ROC points (trapezoids). */
export function rocArea(points: readonly RocChartPoint[]): number | null {
  if (points.length < 2) return null;
  let area = 0;
  for (let i = 1; i < points.length; i++) area += (points[i].fpr - points[i - 1].fpr) * (points[i].tpr + points[i - 1].tpr) / 2;
  return area;
}

export interface FailureBar {
  key: string;
  /** failures a human rejected: the verifier was right */
  confirmed: number;
  /** failures a human accepted: the verifier and the human disagree */
  disputed: number;
  /** failures labelled neutral, tied, or not labelled */
  unlabelled: number;
  failures: number;
}

/** Failures per rule as stacked bars split by the human verdict (the parts add up to the failures). */
export function failureBars(rows: readonly FailureRow[]): FailureBar[] {
  return rows.map((r) => {
    const confirmed = Math.min(r.failures, r.humans.reject);
    const disputed = Math.min(r.failures - confirmed, r.humans.accept);
    return { key: r.key, confirmed, disputed, unlabelled: r.failures - confirmed - disputed, failures: r.failures };
  });
}

/** Legend texts of the failures chart, in stacking order. */
export const FAILURE_SERIES = [
  { key: "confirmed", name: "rejected by a human (verifier right)" },
  { key: "disputed", name: "accepted by a human (verifier disputed)" },
  { key: "unlabelled", name: "no human verdict" },
] as const;
