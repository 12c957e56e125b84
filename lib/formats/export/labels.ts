import type { ExportConfig } from "@/lib/schemas/exports";
import type { ExportStep, LabelValue, StepLabel, TraceJudgment } from "@/lib/formats/export/types";

// Label resolution (pure). Human labels are the current Review rows (append-only history; the
// latest per reviewer is current), minus those marked after-error (PRM800K "stop at first error":
// such steps were never judged on their own terms) and minus labels given to an older revision of
// the step. Human labels win over the verifier unless the config says otherwise, and every label
// keeps its source so each exported row can state where its labels came from.

export interface ReviewRow {
  stepId: number | null;
  label: string;
  source: string;
  userId: number;
  revision: number | null;
}

export interface VerdictSummary {
  fails: number;
  passes: number;
}

const VALUE_OF: Record<string, LabelValue> = { accept: "good", reject: "bad", neutral: "neutral" };
// Ties between reviewers resolve to the more cautious label.
const CAUTION: Record<LabelValue, number> = { bad: 2, neutral: 1, good: 0 };

export interface HumanLabel {
  value: LabelValue;
  source: string;
}

/**
 * One label from the current reviews of one item. An adjudicated item's gold label wins; then
 * reviews from people in this tool ("human") outrank imported human labels ("external:<name>"); among the chosen reviews the majority wins,
 * ties going to the more cautious label. `stepRevision` drops labels given to older content.
 */
export function resolveHuman(reviews: ReviewRow[], stepRevision = 0): HumanLabel | null {
  const fresh = reviews.filter((r) => VALUE_OF[r.label] && (r.revision === null || r.revision >= stepRevision));
  if (fresh.length === 0) return null;
  // An adjudicator's decision (source "gold", docs/design.md §13) settles the item.
  const gold = fresh.find((r) => r.source === "gold");
  if (gold) return { value: VALUE_OF[gold.label], source: "gold" };
  const local = fresh.filter((r) => r.source === "human");
  const chosen = local.length > 0 ? local : fresh;
  const votes = new Map<LabelValue, number>();
  for (const r of chosen) votes.set(VALUE_OF[r.label], (votes.get(VALUE_OF[r.label]) ?? 0) + 1);
  const [value] = [...votes.entries()].sort((a, b) => b[1] - a[1] || CAUTION[b[0]] - CAUTION[a[0]])[0];
  const source = local.length > 0 ? "human" : [...new Set(chosen.map((r) => r.source))].sort()[0];
  return { value, source };
}

export function verifierOutcome(summary: VerdictSummary | undefined): "pass" | "fail" | null {
  if (!summary) return null;
  if (summary.fails > 0) return "fail";
  return summary.passes > 0 ? "pass" : null;
}

/** The step label under the configured priority. An edited step with no fresh review counts as a human accept. */
export function stepLabel(
  human: HumanLabel | null,
  verifier: "pass" | "fail" | null,
  priority: ExportConfig["labels"],
  edited: boolean,
): StepLabel {
  const humanSide: HumanLabel | null = human ?? (edited ? { value: "good", source: "human" } : null);
  const verifierSide: LabelValue | null = verifier === "fail" ? "bad" : verifier === "pass" ? "good" : null;
  let value: LabelValue | null = null;
  let source: string | null = null;
  if (priority !== "verifier-only" && humanSide) {
    value = humanSide.value;
    source = humanSide.source;
  } else if (priority !== "human-only" && verifierSide) {
    value = verifierSide;
    source = "verifier";
  }
  return { value, source, human: humanSide?.value ?? null, humanSource: humanSide?.source ?? null, verifier };
}

/** Label source of a step the verifier ran over but could not check (docs/design.md §5 Coverage). */
export const UNCHECKED_SOURCE = "verifier:unchecked";

/**
 * A step's label after the unchecked-steps policy: applies to a step of a verified trace that
 * neither a human nor a verifier verdict labels, unless only human labels count. positive /
 * negative give it a label; drop and skip-trace mark it (value null) for keptSteps and the planner.
 */
export function uncheckedLabel(label: StepLabel, verified: boolean, config: Pick<ExportConfig, "labels" | "uncheckedSteps">): StepLabel {
  if (!verified || label.value !== null || config.labels === "human-only") return label;
  const value: LabelValue | null = config.uncheckedSteps === "positive" ? "good" : config.uncheckedSteps === "negative" ? "bad" : null;
  return { ...label, value, source: UNCHECKED_SOURCE };
}

/**
 * The trace-level judgment. Human: a trace-level decision, else the steps when a human labelled
 * every one of them (any wrong step makes the trace bad). Verifier: the run's `valid`.
 */
export function traceJudgment(
  decision: HumanLabel | null,
  steps: Array<Pick<ExportStep, "label">>,
  valid: boolean | null,
  priority: ExportConfig["labels"],
): TraceJudgment {
  let human: TraceJudgment | null = null;
  if (decision && decision.value !== "neutral") human = { value: decision.value, source: decision.source };
  else if (steps.length > 0 && steps.every((s) => s.label.human !== null)) {
    const sources = [...new Set(steps.map((s) => s.label.humanSource!))].sort();
    human = { value: steps.some((s) => s.label.human === "bad") ? "bad" : "good", source: sources.includes("human") ? "human" : sources[0] };
  }
  const verifier: TraceJudgment | null = valid === null ? null : { value: valid ? "good" : "bad", source: "verifier" };
  if (priority === "human-only") return human ?? { value: null, source: null };
  if (priority === "verifier-only") return verifier ?? { value: null, source: null };
  return human ?? verifier ?? { value: null, source: null };
}

/** Whether a human accepted the trace: a trace-level accept, or every step human-labelled and none wrong. */
export function humanAccepted(decision: HumanLabel | null, steps: Array<Pick<ExportStep, "label">>): boolean {
  if (decision) return decision.value === "good";
  return steps.length > 0 && steps.every((s) => s.label.human !== null) && steps.every((s) => s.label.human !== "bad");
}

/** Boolean (or float) step label for TRL stepwise supervision and KTO; null when unlabeled. */
export function labelScalar(value: LabelValue | null, config: Pick<ExportConfig, "neutral" | "labelType">): boolean | number | null {
  if (value === null) return null;
  if (config.labelType === "float") return value === "good" ? 1 : value === "bad" ? 0 : 0.5;
  if (value === "neutral") return config.neutral === "positive";
  return value === "good";
}

/** Step reward for offline RL: +1 correct, −1 wrong, 0 neutral or unlabeled. */
export function stepReward(value: LabelValue | null): number {
  return value === "good" ? 1 : value === "bad" ? -1 : 0;
}
