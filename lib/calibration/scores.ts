import { clamp, EMPTY_INTERVAL, normalInterval, wilson, type Interval } from "@/lib/calibration/intervals";

// Trace level: a score (the verifier's quality ∈ [0, 1]) against a binary human decision.
// Input is aggregated: one row per distinct score with how many items humans judged good
// (accepted) and bad (rejected) at that score — SQL GROUP BY output, never one row per trace.
// Here the question is "which traces to keep", so the positive class is "good": keeping a trace
// (score ≥ threshold) is predicting that humans accept it.

export interface ScoreCount {
  score: number;
  good: number;
  bad: number;
}

/** Sorts by score and merges equal scores (input order and duplicates do not matter). */
export function normalizeScores(rows: readonly ScoreCount[]): ScoreCount[] {
  const merged = new Map<number, ScoreCount>();
  for (const row of rows) {
    if (row.good + row.bad === 0) continue;
    const entry = merged.get(row.score);
    if (entry) {
      entry.good += row.good;
      entry.bad += row.bad;
    } else merged.set(row.score, { score: row.score, good: row.good, bad: row.bad });
  }
  return [...merged.values()].sort((a, b) => a.score - b.score);
}

function totals(rows: readonly ScoreCount[]): { good: number; bad: number } {
  let good = 0;
  let bad = 0;
  for (const r of rows) {
    good += r.good;
    bad += r.bad;
  }
  return { good, bad };
}

/**
 * ROC AUC = P(score of a random good item > score of a random bad item), ties counting ½ (the
 * Mann–Whitney U statistic over good×bad pairs), with the 95% interval from Hanley & McNeil's
 * (1982, Radiology 143(1)) standard error:
 *   se² = [A(1−A) + (n_g − 1)(Q1 − A²) + (n_b − 1)(Q2 − A²)] / (n_g n_b),  Q1 = A/(2−A), Q2 = 2A²/(1+A).
 * Undefined (null) unless both classes are present.
 */
export function rocAuc(input: readonly ScoreCount[]): Interval {
  const rows = normalizeScores(input);
  const { good, bad } = totals(rows);
  if (good === 0 || bad === 0) return { ...EMPTY_INTERVAL };
  let badBelow = 0;
  let wins = 0;
  for (const r of rows) {
    wins += r.good * (badBelow + r.bad / 2);
    badBelow += r.bad;
  }
  const a = wins / (good * bad);
  const q1 = a / (2 - a);
  const q2 = (2 * a * a) / (1 + a);
  const variance = (a * (1 - a) + (good - 1) * (q1 - a * a) + (bad - 1) * (q2 - a * a)) / (good * bad);
  return normalInterval(a, Math.sqrt(Math.max(0, variance)), 0, 1);
}

export interface RocPoint {
  /** Keep score ≥ threshold; null for the empty selection at (0, 0). */
  threshold: number | null;
  /** Share of bad items kept (false positive rate). */
  fpr: number;
  /** Share of good items kept (true positive rate = recall). */
  tpr: number;
}

/** The ROC curve: one point per distinct score (keep score ≥ threshold), from (0,0) to (1,1). */
export function rocCurve(input: readonly ScoreCount[]): RocPoint[] {
  const rows = normalizeScores(input);
  const { good, bad } = totals(rows);
  if (good === 0 || bad === 0) return [];
  const points: RocPoint[] = [{ threshold: null, fpr: 0, tpr: 0 }];
  let keptGood = 0;
  let keptBad = 0;
  for (let i = rows.length - 1; i >= 0; i--) {
    keptGood += rows[i].good;
    keptBad += rows[i].bad;
    points.push({ threshold: rows[i].score, fpr: keptBad / bad, tpr: keptGood / good });
  }
  return points;
}

export interface SweepPoint {
  threshold: number;
  /** Share of kept items humans accept; null when nothing is kept. */
  precision: number | null;
  precisionLo: number | null;
  precisionHi: number | null;
  /** Share of accepted items that are kept. */
  recall: number | null;
  /** Items with score ≥ threshold. */
  kept: number;
  keptShare: number;
}

function point(threshold: number, keptGood: number, keptBad: number, good: number, total: number): SweepPoint {
  const kept = keptGood + keptBad;
  const precision = wilson(keptGood, kept);
  return {
    threshold,
    precision: precision.value,
    precisionLo: precision.lo,
    precisionHi: precision.hi,
    recall: good > 0 ? keptGood / good : null,
    kept,
    keptShare: total > 0 ? kept / total : 0,
  };
}

/** A threshold grid 0, 1/steps, …, 1 (rounded to avoid 0.30000000000000004). */
export function thresholdGrid(steps = 100): number[] {
  return Array.from({ length: steps + 1 }, (_, i) => Math.round((i / steps) * 1e6) / 1e6);
}

/** Precision, recall and kept at each threshold (keep score ≥ threshold). */
export function thresholdSweep(input: readonly ScoreCount[], thresholds: readonly number[] = thresholdGrid()): SweepPoint[] {
  const rows = normalizeScores(input);
  const { good, bad } = totals(rows);
  const sorted = [...thresholds].sort((a, b) => b - a);
  const out: SweepPoint[] = [];
  let i = rows.length - 1;
  let keptGood = 0;
  let keptBad = 0;
  for (const t of sorted) {
    while (i >= 0 && rows[i].score >= t) {
      keptGood += rows[i].good;
      keptBad += rows[i].bad;
      i--;
    }
    out.push(point(t, keptGood, keptBad, good, good + bad));
  }
  return out.reverse();
}

export interface Recommendation {
  threshold: number;
  precision: number;
  precisionLo: number | null;
  precisionHi: number | null;
  recall: number;
  kept: number;
}

/**
 * The threshold to use for a target precision: among the cut points (every distinct score: keep
 * score ≥ it) whose precision reaches the target, the one keeping the most accepted items (highest
 * recall); among equal recall the higher precision. Null when no cut point reaches the target.
 */
export function recommendThreshold(input: readonly ScoreCount[], targetPrecision: number): Recommendation | null {
  const rows = normalizeScores(input);
  const { good, bad } = totals(rows);
  if (good + bad === 0) return null;
  let best: SweepPoint | null = null;
  let keptGood = 0;
  let keptBad = 0;
  for (let i = rows.length - 1; i >= 0; i--) {
    keptGood += rows[i].good;
    keptBad += rows[i].bad;
    const p = point(rows[i].score, keptGood, keptBad, good, good + bad);
    if (p.precision === null || p.precision < targetPrecision - 1e-12) continue;
    const better = !best || (p.recall ?? 0) > (best.recall ?? 0) || ((p.recall ?? 0) === (best.recall ?? 0) && p.precision > (best.precision ?? 0));
    if (better) best = p;
  }
  if (!best || best.precision === null) return null;
  return { threshold: best.threshold, precision: best.precision, precisionLo: best.precisionLo, precisionHi: best.precisionHi, recall: best.recall ?? 0, kept: best.kept };
}

export interface ReliabilityBin {
  /** [from, to); the last bin includes 1. */
  from: number;
  to: number;
  n: number;
  meanScore: number | null;
  /** Share of the bin's items humans accepted, with its Wilson interval. */
  rate: Interval;
}

export interface Reliability {
  bins: ReliabilityBin[];
  /** Expected calibration error Σ (n_b/N)·|rate_b − meanScore_b| over non-empty bins; null without data. */
  ece: number | null;
  /** Largest |rate_b − meanScore_b| over non-empty bins. */
  mce: number | null;
}

/** Equal-width bins of the score (reliability diagram) with ECE (Naeini et al. 2015). */
export function reliability(input: readonly ScoreCount[], binCount = 10): Reliability {
  const acc = Array.from({ length: binCount }, () => ({ n: 0, good: 0, scoreSum: 0 }));
  let total = 0;
  for (const r of input) {
    const n = r.good + r.bad;
    if (n === 0) continue;
    const b = clamp(Math.floor(r.score * binCount), 0, binCount - 1);
    acc[b].n += n;
    acc[b].good += r.good;
    acc[b].scoreSum += r.score * n;
    total += n;
  }
  let ece = 0;
  let mce = 0;
  const bins = acc.map((a, i): ReliabilityBin => {
    const meanScore = a.n > 0 ? a.scoreSum / a.n : null;
    const rate = wilson(a.good, a.n);
    if (meanScore !== null && rate.value !== null) {
      const gap = Math.abs(rate.value - meanScore);
      ece += (a.n / total) * gap;
      mce = Math.max(mce, gap);
    }
    return { from: i / binCount, to: (i + 1) / binCount, n: a.n, meanScore, rate };
  });
  return { bins, ece: total > 0 ? ece : null, mce: total > 0 ? mce : null };
}
