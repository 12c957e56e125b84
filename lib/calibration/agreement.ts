import { EMPTY_INTERVAL, normalInterval, wilson, type Interval } from "@/lib/calibration/intervals";

// Verifier-vs-human agreement on a binary decision. Positive class = "the step is bad":
// the verifier says fail, the human says reject. So
//   tp = verifier fail & human reject     fp = verifier fail & human accept
//   fn = verifier pass & human reject     tn = verifier pass & human accept
// precision = tp/(tp+fp): of the steps the verifier fails, the share humans reject;
// recall    = tp/(tp+fn): of the steps humans reject, the share the verifier fails.

export interface Confusion {
  tp: number;
  fp: number;
  fn: number;
  tn: number;
}

export const ZERO_CONFUSION: Confusion = Object.freeze({ tp: 0, fp: 0, fn: 0, tn: 0 }) as Confusion;

/** The cell a verifier outcome and a human label fall in (positive = bad: fail / reject). */
export function cellOf(outcome: "pass" | "fail", label: "accept" | "reject"): keyof Confusion {
  if (outcome === "fail") return label === "reject" ? "tp" : "fp";
  return label === "reject" ? "fn" : "tn";
}

export function addConfusion(a: Confusion, b: Confusion): Confusion {
  return { tp: a.tp + b.tp, fp: a.fp + b.fp, fn: a.fn + b.fn, tn: a.tn + b.tn };
}

export type WarningCode = "small_n" | "few_human_positives" | "few_verifier_positives" | "sparse_cell";

export interface SmallSampleWarning {
  code: WarningCode;
  message: string;
}

export interface Thresholds {
  /** Fewer labelled items than this: every figure of the cell is flagged. */
  minN: number;
  /** Fewer than this in a margin or cell: the figures that depend on it are flagged. */
  minCell: number;
}

export const DEFAULT_THRESHOLDS: Thresholds = { minN: 30, minCell: 5 };

export interface Agreement extends Confusion {
  n: number;
  precision: Interval;
  recall: Interval;
  /** tn/(tn+fp): of the steps humans accept, the share the verifier passes. */
  specificity: Interval;
  accuracy: Interval;
  f1: number | null;
  /** F1 with its 95% interval (see f1Interval). */
  f1Interval: Interval;
  kappa: Interval;
  warnings: SmallSampleWarning[];
}

/**
 * Cohen's κ for a k×k table of counts (rows: rater A, columns: rater B) with its 95% interval
 * from the large-sample standard error of Fleiss, Cohen & Everitt (1969, Psychological Bulletin
 * 72(5), eq. 13) — the non-null variance, appropriate for an interval around an observed κ:
 *
 *   var(κ) = [ Σᵢ pᵢᵢ (1 − (pᵢ. + p.ᵢ)(1 − κ))² + (1 − κ)² Σᵢ≠ⱼ pᵢⱼ (p.ᵢ + pⱼ.)² − (κ − pₑ(1 − κ))² ] / (n (1 − pₑ)²)
 *
 * The interval is κ ± z·se clipped to [−1, 1]. κ is undefined (null) when chance agreement is 1
 * (both raters put everything in the same single category).
 */
export function cohenKappa(table: number[][]): Interval {
  const k = table.length;
  const n = table.reduce((sum, row) => sum + row.reduce((a, b) => a + b, 0), 0);
  if (n === 0) return { ...EMPTY_INTERVAL };
  const p = table.map((row) => row.map((c) => c / n));
  const rows = p.map((row) => row.reduce((a, b) => a + b, 0));
  const cols = p[0].map((_, j) => p.reduce((sum, row) => sum + row[j], 0));
  let po = 0;
  let pe = 0;
  for (let i = 0; i < k; i++) {
    po += p[i][i];
    pe += rows[i] * cols[i];
  }
  if (pe >= 1 - 1e-15) return { ...EMPTY_INTERVAL };
  const kappa = (po - pe) / (1 - pe);
  let a = 0;
  let b = 0;
  for (let i = 0; i < k; i++) {
    a += p[i][i] * (1 - (rows[i] + cols[i]) * (1 - kappa)) ** 2;
    for (let j = 0; j < k; j++) if (i !== j) b += p[i][j] * (cols[i] + rows[j]) ** 2;
  }
  b *= (1 - kappa) ** 2;
  const c = (kappa - pe * (1 - kappa)) ** 2;
  // a + b − c is ≥ 0 in exact arithmetic; a perfect table gives 0 and float error may dip below
  const variance = Math.max(0, a + b - c) / (n * (1 - pe) ** 2);
  return normalInterval(kappa, Math.sqrt(variance), -1, 1);
}

/**
 * F1 with a 95% interval. F1 = 2tp/(2tp+fp+fn) is a monotone function of the Jaccard index
 * J = tp/(tp+fp+fn): F1 = 2J/(1+J). Conditional on the m = tp+fp+fn steps that either side calls
 * bad, tp is binomial(m, J), so the Wilson interval for J mapped through 2J/(1+J) is an interval for
 * F1 with the same coverage (no bootstrap, deterministic).
 */
export function f1Interval(c: Confusion): Interval {
  const m = c.tp + c.fp + c.fn;
  if (m === 0) return { ...EMPTY_INTERVAL };
  const j = wilson(c.tp, m);
  const f = (x: number | null) => (x === null ? null : (2 * x) / (1 + x));
  return { value: f(j.value), lo: f(j.lo), hi: f(j.hi) };
}

/** The small-sample flags of one confusion table (shown next to the figures they affect). */
export function sampleWarnings(c: Confusion, thresholds: Thresholds = DEFAULT_THRESHOLDS): SmallSampleWarning[] {
  const n = c.tp + c.fp + c.fn + c.tn;
  const warnings: SmallSampleWarning[] = [];
  if (n < thresholds.minN) warnings.push({ code: "small_n", message: `only ${n} labelled (< ${thresholds.minN}): too few to trust these figures` });
  if (c.tp + c.fn < thresholds.minCell) warnings.push({ code: "few_human_positives", message: `only ${c.tp + c.fn} human rejects (< ${thresholds.minCell}): recall is unreliable` });
  if (c.tp + c.fp < thresholds.minCell) warnings.push({ code: "few_verifier_positives", message: `only ${c.tp + c.fp} verifier failures (< ${thresholds.minCell}): precision is unreliable` });
  const smallest = Math.min(c.tp, c.fp, c.fn, c.tn);
  if (n >= thresholds.minN && smallest < thresholds.minCell) {
    warnings.push({ code: "sparse_cell", message: `a confusion cell holds ${smallest} (< ${thresholds.minCell}): κ's normal-approximation interval is rough` });
  }
  return warnings;
}

export function agreement(c: Confusion, thresholds: Thresholds = DEFAULT_THRESHOLDS): Agreement {
  const n = c.tp + c.fp + c.fn + c.tn;
  const f1 = f1Interval(c);
  return {
    n,
    ...c,
    precision: wilson(c.tp, c.tp + c.fp),
    recall: wilson(c.tp, c.tp + c.fn),
    specificity: wilson(c.tn, c.tn + c.fp),
    accuracy: wilson(c.tp + c.tn, n),
    f1: f1.value,
    f1Interval: f1,
    kappa: cohenKappa([
      [c.tp, c.fp],
      [c.fn, c.tn],
    ]),
    warnings: sampleWarnings(c, thresholds),
  };
}

/**
 * The small-sample flags of a fit: a proposal (rule switches, weights, threshold) fitted on fewer
 * than `minN` labelled items, or on fewer than `minCell` rejects or accepts, is not to be trusted;
 * the fit panel shows these and asks for an explicit "save anyway".
 */
export function fitWarnings(n: number, rejects: number, thresholds: Thresholds = DEFAULT_THRESHOLDS): SmallSampleWarning[] {
  const warnings: SmallSampleWarning[] = [];
  const accepts = n - rejects;
  if (n < thresholds.minN) warnings.push({ code: "small_n", message: `fitted on only ${n} labelled items (< ${thresholds.minN}): the coefficients and the threshold are not reliable` });
  if (rejects < thresholds.minCell) warnings.push({ code: "few_human_positives", message: `only ${rejects} rejected (< ${thresholds.minCell}): the fit cannot tell which rules predict a reject` });
  if (accepts < thresholds.minCell) warnings.push({ code: "sparse_cell", message: `only ${accepts} accepted (< ${thresholds.minCell}): the fit cannot tell which rules are harmless` });
  return warnings;
}
