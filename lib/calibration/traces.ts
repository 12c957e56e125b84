import { agreement, cellOf, DEFAULT_THRESHOLDS, ZERO_CONFUSION, type Agreement, type Confusion, type Thresholds } from "@/lib/calibration/agreement";
import type { Interval } from "@/lib/calibration/intervals";
import { resolveVotes, type Votes } from "@/lib/calibration/labels";
import { recommendThreshold, reliability, rocAuc, rocCurve, thresholdSweep, type Recommendation, type Reliability, type RocPoint, type ScoreCount, type SweepPoint } from "@/lib/calibration/scores";

// Trace level: the verifier's quality score and validity against human trace decisions (Review rows
// with no step: decisions made in Stepwise and imported ones such as VisProg's verdicts). Several
// reviewers resolve as for steps (strict plurality; ties left out).

export interface TraceGroup {
  votes: Votes;
  quality: number;
  valid: boolean;
  count: number;
}

export interface TraceCalibration {
  /** Traces with a resolved decision and a score in the run. */
  n: number;
  accepted: number;
  rejected: number;
  ties: number;
  /** P(quality of an accepted trace > quality of a rejected one), ties ½. */
  auc: number | null;
  aucInterval: Interval;
  sweep: SweepPoint[];
  targetPrecision: number;
  recommended: Recommendation | null;
  roc: RocPoint[];
  reliability: Reliability;
  /** The run's `valid` flag as a predictor of a human reject (positive = bad: invalid / rejected). */
  valid: Agreement;
}

export function scoreCounts(groups: readonly TraceGroup[]): { scores: ScoreCount[]; ties: number; valid: Confusion } {
  const scores: ScoreCount[] = [];
  const valid: Confusion = { ...ZERO_CONFUSION };
  let ties = 0;
  for (const g of groups) {
    const label = resolveVotes(g.votes);
    if (label !== "accept" && label !== "reject") {
      ties += g.count;
      continue;
    }
    scores.push({ score: g.quality, good: label === "accept" ? g.count : 0, bad: label === "reject" ? g.count : 0 });
    valid[cellOf(g.valid ? "pass" : "fail", label)] += g.count;
  }
  return { scores, ties, valid };
}

export function calibrateTraces(groups: readonly TraceGroup[], targetPrecision: number, thresholds: Thresholds = DEFAULT_THRESHOLDS): TraceCalibration {
  const { scores, ties, valid } = scoreCounts(groups);
  const accepted = scores.reduce((s, r) => s + r.good, 0);
  const rejected = scores.reduce((s, r) => s + r.bad, 0);
  const auc = rocAuc(scores);
  return {
    n: accepted + rejected,
    accepted,
    rejected,
    ties,
    auc: auc.value,
    aucInterval: auc,
    sweep: thresholdSweep(scores),
    targetPrecision,
    recommended: recommendThreshold(scores, targetPrecision),
    roc: rocCurve(scores),
    reliability: reliability(scores),
    valid: agreement(valid, thresholds),
  };
}
