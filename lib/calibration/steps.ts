import { addConfusion, agreement, cellOf, DEFAULT_THRESHOLDS, ZERO_CONFUSION, type Agreement, type Confusion, type Thresholds } from "@/lib/calibration/agreement";
import { wilson, type Interval } from "@/lib/calibration/intervals";
import { binaryLabel, hasBit, outcomeOf, resolveVotes, type NeutralPolicy, type StepOutcome, type Votes } from "@/lib/calibration/labels";

// Step-level agreement from grouped rows: every labelled step of the run falls into one group of
// (reviewer votes, failing-rule mask, passing-rule mask, kind, tool, relation classes) with a count.
// Everything below is arithmetic on those groups, whatever the number of verdicts behind them.

export interface StepGroup {
  votes: Votes;
  failMask: number;
  passMask: number;
  kind: string;
  tool: string | null;
  /** Relation classes of the step's question (sorted, unique); empty when untagged. */
  classes: readonly string[];
  /**
   * Coverage (docs/design.md §5): some rule read the step's content (a rule failed on it, or a rule
   * that covers content passed it). Omitted: checked when the verifier passed or failed it.
   */
  checked?: boolean;
  count: number;
}

export interface StepCalibrationOptions {
  neutral: NeutralPolicy;
  thresholds: Thresholds;
}

export const DEFAULT_STEP_OPTIONS: StepCalibrationOptions = { neutral: "exclude", thresholds: DEFAULT_THRESHOLDS };

export interface LabelSummary {
  /** Steps with at least one current human label (after-error markers excluded). */
  labelled: number;
  accept: number;
  reject: number;
  neutral: number;
  /** Reviewers disagree with no plurality: left out. */
  ties: number;
  /** Neutral steps left out (policy "exclude"). */
  excludedNeutral: number;
  /** Labelled (binary) steps the verifier has no pass/fail for (every rule skipped): not a prediction. */
  skipped: number;
  /** Steps in the confusion matrix. */
  included: number;
}

export interface StepAgreement extends Agreement {
  /** Verifier outcomes of the steps humans marked neutral (whatever the policy). */
  neutralOutcomes: Record<StepOutcome, number>;
}

export interface RuleAgreement extends Agreement {
  rule: string;
  /** Binary-labelled steps on which the rule skipped or does not apply: excluded for this rule. */
  skipped: number;
  /** EvalGen coverage: share of all human-rejected steps this rule fails. */
  coverage: Interval;
  /** EvalGen false-failure rate: share of all human-accepted steps this rule fails. */
  falseFailureRate: Interval;
  /** Harmonic mean of coverage and 1 − false-failure rate (EvalGen's alignment). */
  alignment: number | null;
}

export interface BreakdownRow extends Agreement {
  key: string;
}

/** Agreement on the checked or the unchecked steps only, with their label counts. */
export interface CoverageAgreement extends Agreement {
  /** Labelled steps in this bucket (as LabelSummary.labelled). */
  labelled: number;
  /** Binary-labelled steps of the bucket the verifier has no pass/fail for: not in its matrix. */
  skipped: number;
  /** Steps in this bucket's matrix. */
  included: number;
}

/** The step agreement split by coverage: checked + unchecked = steps (cell by cell). */
export interface CoverageSplit {
  checked: CoverageAgreement;
  unchecked: CoverageAgreement;
}

export interface StepCalibration {
  labels: LabelSummary;
  steps: StepAgreement;
  coverage: CoverageSplit;
  rules: Record<string, RuleAgreement>;
  breakdowns: {
    kind: BreakdownRow[];
    tool: BreakdownRow[];
    /** null when no step's question carries relation tags. */
    relationClass: BreakdownRow[] | null;
  };
}

export const NO_TOOL = "(no tool)";
export const UNTAGGED = "(untagged)";

function cell(outcome: "pass" | "fail", label: "accept" | "reject", count: number): Confusion {
  return { ...ZERO_CONFUSION, [cellOf(outcome, label)]: count };
}

function harmonic(a: number | null, b: number | null): number | null {
  if (a === null || b === null) return null;
  return a + b === 0 ? 0 : (2 * a * b) / (a + b);
}

export function calibrateSteps(groups: readonly StepGroup[], rules: readonly string[], options: StepCalibrationOptions = DEFAULT_STEP_OPTIONS): StepCalibration {
  const labels: LabelSummary = { labelled: 0, accept: 0, reject: 0, neutral: 0, ties: 0, excludedNeutral: 0, skipped: 0, included: 0 };
  const neutralOutcomes: Record<StepOutcome, number> = { pass: 0, fail: 0, skip: 0 };
  let overall: Confusion = { ...ZERO_CONFUSION };
  const perRule = rules.map(() => ({ confusion: { ...ZERO_CONFUSION } as Confusion, skipped: 0, failRejected: 0, failAccepted: 0 }));
  let rejected = 0;
  let accepted = 0;
  const byKind = new Map<string, Confusion>();
  const byTool = new Map<string, Confusion>();
  const byClass = new Map<string, Confusion>();
  let tagged = false;
  const split = {
    checked: { confusion: { ...ZERO_CONFUSION } as Confusion, labelled: 0, skipped: 0, included: 0 },
    unchecked: { confusion: { ...ZERO_CONFUSION } as Confusion, labelled: 0, skipped: 0, included: 0 },
  };
  const bump = (map: Map<string, Confusion>, key: string, c: Confusion) => map.set(key, addConfusion(map.get(key) ?? ZERO_CONFUSION, c));

  for (const g of groups) {
    if (g.count <= 0) continue;
    if (g.classes.length > 0) tagged = true;
    const resolved = resolveVotes(g.votes);
    labels.labelled += g.count;
    if (resolved === "tie") labels.ties += g.count;
    else labels[resolved] += g.count;
    const outcome = outcomeOf(g.failMask, g.passMask);
    const bucket = split[(g.checked ?? outcome !== "skip") ? "checked" : "unchecked"];
    bucket.labelled += g.count;
    if (resolved === "neutral") {
      neutralOutcomes[outcome] += g.count;
      if (options.neutral === "exclude") labels.excludedNeutral += g.count;
    }
    const label = binaryLabel(resolved, options.neutral);
    if (label === null) continue;
    if (label === "reject") rejected += g.count;
    else accepted += g.count;
    rules.forEach((_, i) => {
      const bit = 2 ** i;
      const entry = perRule[i];
      if (hasBit(g.failMask, bit)) {
        entry.confusion = addConfusion(entry.confusion, cell("fail", label, g.count));
        if (label === "reject") entry.failRejected += g.count;
        else entry.failAccepted += g.count;
      } else if (hasBit(g.passMask, bit)) entry.confusion = addConfusion(entry.confusion, cell("pass", label, g.count));
      else entry.skipped += g.count;
    });
    if (outcome === "skip") {
      labels.skipped += g.count;
      bucket.skipped += g.count;
      continue;
    }
    labels.included += g.count;
    bucket.included += g.count;
    const c = cell(outcome, label, g.count);
    overall = addConfusion(overall, c);
    bucket.confusion = addConfusion(bucket.confusion, c);
    bump(byKind, g.kind, c);
    bump(byTool, g.tool ?? NO_TOOL, c);
    if (g.classes.length === 0) bump(byClass, UNTAGGED, c);
    for (const cls of g.classes) bump(byClass, cls, c);
  }

  const thresholds = options.thresholds;
  const rows = (map: Map<string, Confusion>): BreakdownRow[] =>
    [...map.entries()].map(([key, c]) => ({ key, ...agreement(c, thresholds) })).sort((a, b) => b.n - a.n || a.key.localeCompare(b.key));

  const ruleResults: Record<string, RuleAgreement> = {};
  rules.forEach((rule, i) => {
    const entry = perRule[i];
    const coverage = wilson(entry.failRejected, rejected);
    const falseFailureRate = wilson(entry.failAccepted, accepted);
    ruleResults[rule] = {
      rule,
      ...agreement(entry.confusion, thresholds),
      skipped: entry.skipped,
      coverage,
      falseFailureRate,
      alignment: harmonic(coverage.value, falseFailureRate.value === null ? null : 1 - falseFailureRate.value),
    };
  });

  return {
    labels,
    steps: { ...agreement(overall, thresholds), neutralOutcomes },
    coverage: {
      checked: { ...agreement(split.checked.confusion, thresholds), labelled: split.checked.labelled, skipped: split.checked.skipped, included: split.checked.included },
      unchecked: { ...agreement(split.unchecked.confusion, thresholds), labelled: split.unchecked.labelled, skipped: split.unchecked.skipped, included: split.unchecked.included },
    },
    rules: ruleResults,
    breakdowns: { kind: rows(byKind), tool: rows(byTool), relationClass: tagged ? rows(byClass) : null },
  };
}
