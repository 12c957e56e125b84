import { Z95 } from "@/lib/calibration/intervals";
import { fitLogistic, type LogisticFit, type LogisticRow } from "@/lib/calibration/logistic";
import { hasBit } from "@/lib/calibration/labels";

// From human labels to a proposed verifier config. The model is
//   logit P(human rejects) = β₀ + Σ_r β_r · [rule r fails]
// fitted on the labelled items (steps, or traces with "fails anywhere in the trace"). β_r is the log
// odds ratio of a human reject when rule r fails, holding the other rules fixed, so:
//   β_r > 0  the rule's failures carry signal → keep it, weight = β_r (the quality score only uses
//            weight ratios, so log-odds are a natural scale);
//   β_r ≤ 0  failing the rule does not make a reject more likely → propose switching it off;
//   never failed on a labelled item → no evidence either way → keep the parent's setting.
// Switching a rule off is what changes step verdicts (a step fails when any enabled rule fails);
// weights only move the quality score, hence the threshold is re-recommended afterwards.

export interface RuleSetting {
  enabled: boolean;
  weight: number;
}

/** One labelled-item pattern: which rules failed (bit mask over `rules`), positives = human rejects. */
export interface PatternCount {
  failMask: number;
  rejects: number;
  total: number;
}

export interface Coefficient {
  rule: string;
  /** null when the rule was not in the fit (disabled by the parent or never failed). */
  beta: number | null;
  se: number | null;
  lo: number | null;
  hi: number | null;
  oddsRatio: number | null;
  /** Labelled items on which the rule failed, and how many of those humans rejected. */
  failures: number;
  failuresRejected: number;
  current: RuleSetting;
  proposed: RuleSetting;
  reason: string;
}

export interface Proposal {
  n: number;
  rejects: number;
  l2: number;
  intercept: number | null;
  converged: boolean;
  iterations: number;
  /** McFadden's pseudo-R² = 1 − ℓ(model)/ℓ(intercept only). */
  pseudoR2: number | null;
  coefficients: Coefficient[];
  rules: Record<string, RuleSetting>;
}

const round2 = (x: number) => Math.round(x * 100) / 100;

export function proposeRules(patterns: readonly PatternCount[], rules: readonly string[], parent: Readonly<Record<string, RuleSetting>>, l2: number): Proposal {
  const failures = rules.map(() => ({ total: 0, rejects: 0 }));
  let n = 0;
  let rejects = 0;
  for (const p of patterns) {
    n += p.total;
    rejects += p.rejects;
    rules.forEach((_, i) => {
      if (!hasBit(p.failMask, 2 ** i)) return;
      failures[i].total += p.total;
      failures[i].rejects += p.rejects;
    });
  }
  // features: enabled rules that failed at least once on a labelled item
  const features = rules.map((rule, i) => i).filter((i) => (parent[rules[i]]?.enabled ?? false) && failures[i].total > 0);
  const rows: LogisticRow[] = patterns.map((p) => ({ x: features.map((i) => (hasBit(p.failMask, 2 ** i) ? 1 : 0)), positives: p.rejects, total: p.total }));
  const fit: LogisticFit | null = n > 0 ? fitLogistic(rows, { l2 }) : null;

  const coefficients: Coefficient[] = rules.map((rule, i) => {
    const current = parent[rule] ?? { enabled: false, weight: 0 };
    const base = { rule, failures: failures[i].total, failuresRejected: failures[i].rejects, current };
    const slot = features.indexOf(i);
    if (!current.enabled) return { ...base, beta: null, se: null, lo: null, hi: null, oddsRatio: null, proposed: current, reason: "off in the parent config: not fitted" };
    if (slot < 0 || !fit) return { ...base, beta: null, se: null, lo: null, hi: null, oddsRatio: null, proposed: current, reason: "never failed on a labelled item: no evidence, kept as is" };
    const beta = fit.coefficients[slot];
    const se = fit.se[slot];
    const interval = se === null ? { lo: null, hi: null } : { lo: beta - Z95 * se, hi: beta + Z95 * se };
    const proposed: RuleSetting = beta > 0 ? { enabled: true, weight: Math.max(0.01, round2(beta)) } : { enabled: false, weight: current.weight };
    const reason = beta > 0
      ? `a failure multiplies the odds of a human reject by ${Math.exp(beta).toFixed(2)}: weight ${proposed.weight}`
      : `a failure does not raise the odds of a human reject (odds ×${Math.exp(beta).toFixed(2)}): switch off`;
    return { ...base, beta, se, ...interval, oddsRatio: Math.exp(beta), proposed, reason };
  });

  return {
    n,
    rejects,
    l2,
    intercept: fit?.intercept ?? null,
    converged: fit?.converged ?? false,
    iterations: fit?.iterations ?? 0,
    pseudoR2: fit && fit.nullLogLikelihood < 0 ? 1 - fit.logLikelihood / fit.nullLogLikelihood : null,
    coefficients,
    rules: Object.fromEntries(coefficients.map((c) => [c.rule, c.proposed])),
  };
}
