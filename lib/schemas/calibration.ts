import type { ConfigEffect } from "@/lib/calibration/effect";
import { z } from "zod";
import { positiveId, queryInt } from "@/lib/schemas/ids";
import type { Agreement } from "@/lib/calibration/agreement";
import type { FailureRow } from "@/lib/calibration/failures";
import type { Interval } from "@/lib/calibration/intervals";
import { NEUTRAL_POLICIES, type ResolvedLabel, type StepOutcome } from "@/lib/calibration/labels";
import type { Proposal, RuleSetting } from "@/lib/calibration/proposal";
import type { Recommendation } from "@/lib/calibration/scores";
import type { BreakdownRow, CoverageSplit, LabelSummary, RuleAgreement, StepAgreement } from "@/lib/calibration/steps";
import type { TraceCalibration } from "@/lib/calibration/traces";

// Calibration requests (API, CLI, page) and what they return.

const positiveInt = positiveId;

/** Which human labels count and how: shared by every calibration request. */
export const labelOptions = z.object({
  neutral: z.enum(NEUTRAL_POLICIES).default("exclude"),
  /** One reviewer's labels only (user name); default: every reviewer, resolved by plurality. */
  reviewer: z.string().trim().min(1).max(100).optional(),
  /** all / gold prefer an adjudicator's gold label where one exists (docs/design.md §13). */
  source: z.enum(["all", "gold", "human", "external"]).default("all"),
  minN: queryInt(1, 1_000_000).default(30),
  minCell: queryInt(1, 100_000).default(5),
});

export const calibrationQuery = labelOptions.extend({
  dataset: z.string().min(1),
  run: positiveInt.optional(),
  targetPrecision: z.coerce.number().gt(0).max(1).default(0.9),
});
export type CalibrationQuery = z.infer<typeof calibrationQuery>;
export type CalibrationQueryInput = z.input<typeof calibrationQuery>;

export const fitQuery = calibrationQuery.extend({
  /** Fit on step labels or trace decisions; default: steps when any are labelled, else traces. */
  target: z.enum(["steps", "traces"]).optional(),
  /** Ridge penalty on the rule coefficients. */
  l2: z.coerce.number().min(0).max(1000).default(1),
});
export type FitQuery = z.infer<typeof fitQuery>;

export const ruleSettingSchema = z.object({ enabled: z.boolean(), weight: z.number().min(0).max(1000) }).strict();

export const fitSaveBody = z
  .object({
    dataset: z.string().min(1),
    /** The run the fit was made on: its config is the new version's parent. */
    run: z.number().int().positive(),
    rules: z.record(z.string(), ruleSettingSchema),
    threshold: z.number().min(0).max(1),
    name: z.string().trim().min(1).max(200).optional(),
    notes: z.string().max(2000).optional(),
  })
  .strict();
export type FitSaveBody = z.infer<typeof fitSaveBody>;

/** What saving these rules and threshold would change on the fitted run (POST /api/calibration/fit/effect; nothing is written). */
export const fitEffectBody = z
  .object({ dataset: z.string().min(1), run: z.number().int().positive(), rules: z.record(z.string(), ruleSettingSchema), threshold: z.number().min(0).max(1) })
  .strict();
export type FitEffectBody = z.infer<typeof fitEffectBody>;
export type FitEffectDto = ConfigEffect & { dataset: string; run: number };

/** Runs the verifier on a dataset; config = a version (default: the default config, chosen explicitly). */
export const reverifyBody = z.object({ dataset: z.string().min(1), config: z.number().int().positive().optional() }).strict();
export type ReverifyBody = z.infer<typeof reverifyBody>;

export const flipsQuery = labelOptions.extend({
  dataset: z.string().min(1),
  /** Default: the run before `after`. */
  before: positiveInt.optional(),
  /** Default: the latest run. */
  after: positiveInt.optional(),
  limit: queryInt(1, 5000).default(200),
  offset: queryInt(0, Number.MAX_SAFE_INTEGER).default(0),
});
export type FlipsQuery = z.infer<typeof flipsQuery>;

export const failuresQuery = labelOptions.extend({
  dataset: z.string().min(1),
  run: positiveInt.optional(),
  rule: z.string().min(1).optional(),
  kind: z.string().min(1).optional(),
  tool: z.string().min(1).optional(),
  relationClass: z.string().min(1).optional(),
  limit: queryInt(1, 5000).default(50),
  offset: queryInt(0, Number.MAX_SAFE_INTEGER).default(0),
});
export type FailuresQuery = z.infer<typeof failuresQuery>;

export interface RunRef {
  id: number;
  config: number;
  startedAt: string;
  finishedAt: string | null;
  traces: number;
  steps: number;
}

export interface CalibrationReport {
  dataset: string;
  /** Traces of the dataset whose question carries a relation-class tag (whether or not labelled). */
  taggedTraces: number;
  /** The run compared with the humans; null before any verifier run. */
  run: RunRef | null;
  /** Finished runs of the dataset, newest first. */
  runs: RunRef[];
  /** Reviewers with labels in the dataset (for the reviewer filter). */
  reviewers: string[];
  options: { neutral: string; reviewer: string | null; source: string; minN: number; minCell: number; targetPrecision: number };
  /** Rule ids in catalogue order (the keys of `rules`). */
  ruleOrder: string[];
  labels: LabelSummary;
  steps: StepAgreement;
  /** `steps` split by coverage (docs/design.md §5): checked + unchecked = steps, cell by cell. */
  coverage: CoverageSplit;
  rules: Record<string, RuleAgreement>;
  breakdowns: { kind: BreakdownRow[]; tool: BreakdownRow[]; relationClass: BreakdownRow[] | null };
  traces: TraceCalibration;
}

export interface FitProposalDto {
  dataset: string;
  run: RunRef;
  target: "steps" | "traces";
  parent: { version: number; rules: Record<string, RuleSetting>; threshold: number };
  ruleOrder: string[];
  proposal: Proposal;
  threshold: {
    current: number;
    targetPrecision: number;
    /** Recommended for the target precision on the quality scores recomputed with the proposed weights. */
    proposed: Recommendation | null;
  };
  /** Step agreement on the same labelled steps, now and with the proposed rules switched on/off. */
  agreement: { current: Agreement; proposed: Agreement } | null;
}

export interface SavedConfigDto {
  version: number;
  parentVersion: number | null;
  name: string;
  rules: Record<string, RuleSetting>;
  threshold: number;
}

export interface ReverifyResultDto {
  run: number;
  config: number;
  dataset: string;
  steps: number;
  traces: number;
  seconds: number;
}

export interface RuleChange {
  rule: string;
  before: RuleSetting | null;
  after: RuleSetting | null;
}

export interface FlipItem {
  stepId: number;
  traceId: number;
  externalId: string;
  stepIndex: number;
  kind: string;
  tool: string | null;
  human: ResolvedLabel;
  before: { outcome: StepOutcome; failing: string[] };
  after: { outcome: StepOutcome; failing: string[] };
  /**
   * fixed: now agrees with the human; broken: no longer agrees; unscored: the verifier no longer
   * judges the step (now skip: its rules are off or skipped); changed: anything else (a neutral or
   * tied label, or a step that was skipped before).
   */
  effect: "fixed" | "broken" | "unscored" | "changed";
}

export interface FlipsReport {
  dataset: string;
  before: RunRef;
  after: RunRef;
  runs: RunRef[];
  configChanges: RuleChange[];
  thresholds: { before: number | null; after: number | null };
  /** Labelled steps whose outcome differs. */
  total: number;
  fixed: number;
  broken: number;
  unscored: number;
  transitions: Array<{ from: StepOutcome; to: StepOutcome; n: number }>;
  agreement: { before: StepAgreement; after: StepAgreement };
  rules: { before: Record<string, RuleAgreement>; after: Record<string, RuleAgreement> };
  ruleOrder: string[];
  items: FlipItem[];
  limit: number;
  offset: number;
}

export interface FailureExample {
  traceId: number;
  externalId: string;
  stepIndex: number;
  kind: string;
  tool: string | null;
  rule: string;
  message: string | null;
  human: ResolvedLabel | null;
}

export interface FailureTrendPoint {
  run: number;
  config: number;
  startedAt: string;
  steps: number;
  /** Failing verdicts per rule. */
  failures: Record<string, number>;
}

export interface FailuresReport {
  dataset: string;
  /** Traces of the dataset whose question carries a relation-class tag. */
  taggedTraces: number;
  run: RunRef | null;
  runs: RunRef[];
  ruleOrder: string[];
  filter: { rule: string | null; kind: string | null; tool: string | null; relationClass: string | null };
  /** Verdict outcomes per rule over the whole run. */
  outcomes: Array<{ rule: string; pass: number; fail: number; skip: number; failRate: Interval }>;
  totalFailures: number;
  totalFailingSteps: number;
  breakdowns: { rule: FailureRow[]; kind: FailureRow[]; tool: FailureRow[]; relationClass: FailureRow[] | null };
  trend: FailureTrendPoint[];
  examples: FailureExample[];
  limit: number;
  offset: number;
}
