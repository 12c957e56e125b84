import { cohenKappa } from "@/lib/calibration/agreement";
import { EMPTY_INTERVAL, type Interval } from "@/lib/calibration/intervals";
import { createRng, pickIndex } from "@/lib/teacher/scripted/rng";

// Agreement between several reviewers on the same items (docs/design.md §13). Pure functions over
// "units" (a step, or a trace decision), each with the values its reviewers gave. Step labels are
// ordinal values −1 (reject) / 0 (neutral) / +1 (accept); the functions take any numeric categories
// so the published fixtures (Krippendorff 2011, 1–5 scale) pin them.
//
// Headline: Krippendorff's α (nominal and ordinal), which handles any number of reviewers and
// missing labels. Also pairwise Cohen's κ, Gwet's AC1 and raw (pairwise) agreement, each with a
// percentile bootstrap interval over units (seeded, so a page shows the same interval twice).

export interface Rating {
  rater: string;
  value: number;
}

export interface Unit {
  id: number;
  ratings: Rating[];
}

/** Units with at least two ratings: the only ones that say anything about agreement. */
export const pairable = (units: readonly Unit[]): Unit[] => units.filter((u) => u.ratings.length >= 2);

function categoriesOf(units: readonly Unit[]): number[] {
  return [...new Set(units.flatMap((u) => u.ratings.map((r) => r.value)))].sort((a, b) => a - b);
}

/**
 * Krippendorff's α through the coincidence matrix (Krippendorff 2011, "Computing Krippendorff's
 * Alpha-Reliability"): each unit with m ≥ 2 values adds 1/(m − 1) per ordered pair of its values;
 * α = 1 − D_o / D_e. Ordinal distance between categories c ≤ k: (Σ_{g=c..k} n_g − (n_c + n_k)/2)².
 * null when there is nothing to compare or every value is the same (D_e = 0).
 */
export function krippendorffAlpha(units: readonly Unit[], metric: "nominal" | "ordinal", categories = categoriesOf(units)): number | null {
  const index = new Map(categories.map((c, i) => [c, i]));
  const k = categories.length;
  const o = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  for (const unit of pairable(units)) {
    const m = unit.ratings.length;
    for (let a = 0; a < m; a++) {
      for (let b = 0; b < m; b++) {
        if (a === b) continue;
        o[index.get(unit.ratings[a].value)!][index.get(unit.ratings[b].value)!] += 1 / (m - 1);
      }
    }
  }
  const nc = o.map((row) => row.reduce((x, y) => x + y, 0));
  const n = nc.reduce((x, y) => x + y, 0);
  if (n <= 1) return null;
  const delta = (c: number, d: number): number => {
    if (c === d) return 0;
    if (metric === "nominal") return 1;
    const [lo, hi] = c < d ? [c, d] : [d, c];
    let sum = 0;
    for (let g = lo; g <= hi; g++) sum += nc[g];
    return (sum - (nc[lo] + nc[hi]) / 2) ** 2;
  };
  let observed = 0;
  let expected = 0;
  for (let c = 0; c < k; c++) {
    for (let d = 0; d < k; d++) {
      observed += o[c][d] * delta(c, d);
      expected += nc[c] * nc[d] * delta(c, d);
    }
  }
  const Do = observed / n;
  const De = expected / (n * (n - 1));
  if (De === 0) return null;
  return 1 - Do / De;
}

/** Share of agreeing pairs among all pairs of ratings within units (Fleiss' observed agreement). */
export function rawAgreement(units: readonly Unit[]): number | null {
  const used = pairable(units);
  if (used.length === 0) return null;
  let sum = 0;
  for (const unit of used) sum += pairShare(unit);
  return sum / used.length;
}

function pairShare(unit: Unit): number {
  const m = unit.ratings.length;
  const counts = new Map<number, number>();
  for (const r of unit.ratings) counts.set(r.value, (counts.get(r.value) ?? 0) + 1);
  let agreeing = 0;
  for (const c of counts.values()) agreeing += c * (c - 1);
  return agreeing / (m * (m - 1));
}

/**
 * Gwet's AC1 for several raters (Gwet 2008, Br. J. Math. Stat. Psychol. 61): p_a as in
 * rawAgreement; chance p_e = Σ_k π_k (1 − π_k) / (Q − 1) with π_k the mean share of category k per
 * unit and Q the number of categories. Stable where κ collapses on skewed labels (almost all accept).
 */
export function gwetAC1(units: readonly Unit[], categories = categoriesOf(units)): number | null {
  const used = pairable(units);
  const pa = rawAgreement(used);
  if (pa === null || categories.length < 2) return null;
  let pe = 0;
  for (const c of categories) {
    const pi = used.reduce((sum, u) => sum + u.ratings.filter((r) => r.value === c).length / u.ratings.length, 0) / used.length;
    pe += pi * (1 - pi);
  }
  pe /= categories.length - 1;
  return pe === 1 ? null : (pa - pe) / (1 - pe);
}

export interface PairKappa {
  a: string;
  b: string;
  /** Units both labelled. */
  n: number;
  kappa: Interval;
}

/** Cohen's κ for every pair of raters over the units both rated (asymptotic 95% interval). */
export function pairwiseKappa(units: readonly Unit[], categories = categoriesOf(units)): PairKappa[] {
  const raters = [...new Set(units.flatMap((u) => u.ratings.map((r) => r.rater)))].sort();
  const index = new Map(categories.map((c, i) => [c, i]));
  const out: PairKappa[] = [];
  for (let i = 0; i < raters.length; i++) {
    for (let j = i + 1; j < raters.length; j++) {
      const table = Array.from({ length: categories.length }, () => new Array<number>(categories.length).fill(0));
      let n = 0;
      for (const unit of units) {
        const a = unit.ratings.find((r) => r.rater === raters[i]);
        const b = unit.ratings.find((r) => r.rater === raters[j]);
        if (!a || !b) continue;
        table[index.get(a.value)!][index.get(b.value)!]++;
        n++;
      }
      if (n > 0) out.push({ a: raters[i], b: raters[j], n, kappa: categories.length > 0 ? cohenKappa(table) : { ...EMPTY_INTERVAL } });
    }
  }
  return out;
}

/** Mean of the pairwise κ values, weighted by the units each pair shares. */
export function meanPairwiseKappa(units: readonly Unit[], categories = categoriesOf(units)): number | null {
  const pairs = pairwiseKappa(units, categories).filter((p) => p.kappa.value !== null);
  const n = pairs.reduce((sum, p) => sum + p.n, 0);
  return n === 0 ? null : pairs.reduce((sum, p) => sum + p.kappa.value! * p.n, 0) / n;
}

/**
 * Percentile bootstrap 95% interval: resample units with replacement `rounds` times, recompute,
 * take the 2.5th and 97.5th percentiles of the defined results. The value is the statistic on the
 * data itself.
 */
export function bootstrap(units: readonly Unit[], statistic: (units: readonly Unit[]) => number | null, rounds = 500, seed = 1): Interval {
  const used = pairable(units);
  const value = statistic(used);
  if (value === null) return { ...EMPTY_INTERVAL };
  if (used.length < 2) return { value, lo: null, hi: null };
  const random = createRng(seed); // seeded (mulberry32): bootstrap intervals are reproducible
  const results: number[] = [];
  const sample: Unit[] = new Array<Unit>(used.length);
  for (let round = 0; round < rounds; round++) {
    for (let i = 0; i < used.length; i++) sample[i] = used[pickIndex(random, used.length)];
    const result = statistic(sample);
    if (result !== null && Number.isFinite(result)) results.push(result);
  }
  if (results.length < rounds / 2) return { value, lo: null, hi: null };
  results.sort((a, b) => a - b);
  const at = (q: number) => results[Math.min(results.length - 1, Math.max(0, Math.floor(q * (results.length - 1) + 0.5)))];
  return { value, lo: at(0.025), hi: at(0.975) };
}

export interface AgreementSummary {
  /** Units with two or more ratings. */
  units: number;
  raters: string[];
  alphaNominal: Interval;
  alphaOrdinal: Interval;
  kappa: Interval;
  ac1: Interval;
  raw: Interval;
  pairs: PairKappa[];
}

/** Every statistic with its bootstrap interval over the same units. */
export function agreementSummary(units: readonly Unit[], categories: number[] = [-1, 0, 1], rounds = 500): AgreementSummary {
  const used = pairable(units);
  return {
    units: used.length,
    raters: [...new Set(used.flatMap((u) => u.ratings.map((r) => r.rater)))].sort(),
    alphaNominal: bootstrap(used, (s) => krippendorffAlpha(s, "nominal", categories), rounds, 1),
    alphaOrdinal: bootstrap(used, (s) => krippendorffAlpha(s, "ordinal", categories), rounds, 2),
    kappa: bootstrap(used, (s) => meanPairwiseKappa(s, categories), rounds, 3),
    ac1: bootstrap(used, (s) => gwetAC1(s, categories), rounds, 4),
    raw: bootstrap(used, rawAgreement, rounds, 5),
    pairs: pairwiseKappa(used, categories),
  };
}

/**
 * The consensus of a unit: the majority value when at least `quorum` ratings exist and one value
 * has strictly more votes than any other; otherwise null (no quorum, or a tie).
 */
export function consensusOf(ratings: readonly Rating[], quorum = 2): number | null {
  if (ratings.length < quorum) return null;
  const counts = new Map<number, number>();
  for (const r of ratings) counts.set(r.value, (counts.get(r.value) ?? 0) + 1);
  const sorted = [...counts.entries()].sort((a, b) => b[1] - a[1]);
  return sorted.length > 1 && sorted[0][1] === sorted[1][1] ? null : sorted[0][0];
}

export interface ReviewerAgreement {
  rater: string;
  /** Units this reviewer labelled. */
  labelled: number;
  /** Against the majority of the *other* reviewers (units where they reach one). */
  consensus: { n: number; agree: number; raw: number | null; kappa: Interval };
  /** Against the verifier: accept vs pass, reject vs fail (neutral labels and skipped steps left out). */
  verifier: { n: number; agree: number; raw: number | null; kappa: Interval };
}

/**
 * Per reviewer: agreement with the consensus of the others and with the verifier's outcome per unit
 * (`verifier.get(unitId)` = "pass" | "fail").
 */
export function perReviewer(units: readonly Unit[], verifier: ReadonlyMap<number, "pass" | "fail">, categories: number[] = [-1, 0, 1]): ReviewerAgreement[] {
  const raters = [...new Set(units.flatMap((u) => u.ratings.map((r) => r.rater)))].sort();
  const index = new Map(categories.map((c, i) => [c, i]));
  return raters.map((rater) => {
    const k = categories.length;
    const consensusTable = Array.from({ length: k }, () => new Array<number>(k).fill(0));
    const verifierTable = [
      [0, 0],
      [0, 0],
    ];
    let labelled = 0;
    for (const unit of units) {
      const own = unit.ratings.find((r) => r.rater === rater);
      if (!own) continue;
      labelled++;
      const others = consensusOf(unit.ratings.filter((r) => r.rater !== rater), 1);
      if (others !== null && index.has(others)) consensusTable[index.get(own.value)!][index.get(others)!]++;
      const outcome = verifier.get(unit.id);
      if (outcome && own.value !== 0) verifierTable[own.value > 0 ? 0 : 1][outcome === "pass" ? 0 : 1]++;
    }
    const figures = (table: number[][]) => {
      const n = table.flat().reduce((a, b) => a + b, 0);
      const agree = table.reduce((sum, row, i) => sum + row[i], 0);
      return { n, agree, raw: n ? agree / n : null, kappa: n ? cohenKappa(table) : { ...EMPTY_INTERVAL } };
    };
    return { rater, labelled, consensus: figures(consensusTable), verifier: figures(verifierTable) };
  });
}
