import { z } from "zod";
import { positiveId } from "@/lib/schemas/ids";
import { partWeight, ruleWeight, tolerance } from "@/lib/verifier/config";
import { RULE_IDS } from "@/lib/verifier/rules";
import type { AblationRow, HistogramBin, MethodMetrics } from "@/lib/verifier/metrics";

// Request schemas and DTOs of the verifier resources: configs, runs, verdicts and metrics.

export const runRequest = z
  .object({
    dataset: z.string().min(1).max(200),
    config: positiveId.optional(),
    /** Verification threads (docs/design.md §14); default: STEPWISE_VERIFY_THREADS, else every core but one from 2,000 traces. */
    threads: z.number().int().min(1).max(64).optional(),
  })
  .strict();
export type RunRequest = z.infer<typeof runRequest>;

export const runListQuery = z.object({ dataset: z.string().min(1).optional() });
export const runIdParams = z.object({ id: positiveId });
export const datasetNameParams = z.object({ name: z.string().min(1) });

export const verdictsQuery = z.object({ run: positiveId.optional() });

export const metricsQuery = z.object({
  run: positiveId.optional(),
  ablation: z.enum(["true", "false"]).optional().transform((v) => v === "true"),
});

const partialRules = z.partialRecord(z.enum(RULE_IDS), z.object({ enabled: z.boolean().optional(), weight: ruleWeight.optional() }).strict());

export const configCreateRequest = z
  .object({
    parent: z.number().int().positive().optional(),
    name: z.string().min(1).max(200).optional(),
    rules: partialRules.optional(),
    tolerances: z.object({ iou: z.number().min(0).max(1), centreInBox: z.boolean(), number: tolerance, claimNumber: tolerance }).partial().strict().optional(),
    scoring: z.object({ steps: partWeight, completeness: partWeight, final: partWeight }).partial().strict().optional(),
    threshold: z.number().min(0).max(1).optional(),
    notes: z.string().max(2000).optional(),
    /** Make the new version the default for runs (otherwise the default stays as it is). */
    makeDefault: z.boolean().optional(),
  })
  .strict();

export const setDefaultConfigRequest = z.object({ version: z.number().int().positive() }).strict();
export type ConfigCreateRequest = z.infer<typeof configCreateRequest>;

export interface VerifierConfigDto {
  id: number;
  version: number;
  name: string;
  parentVersion: number | null;
  rules: Record<string, { enabled: boolean; weight: number }>;
  tolerances: Record<string, unknown>;
  scoring: { steps: number; completeness: number; final: number };
  threshold: number;
  notes: string | null;
  createdAt: string;
  runs: number;
  /** Used by a run: immutable from then on. */
  locked: boolean;
  /** The config runs use when none is named (chosen explicitly). */
  isDefault: boolean;
}

export interface RunSummary {
  run: number;
  config: number;
  dataset: string;
  traces: number;
  steps: number;
  verdicts: number;
  seconds: number;
  stepsPerSecond: number;
  metrics: { overall: MethodMetrics; byMethod: MethodMetrics[] };
  /** Per step kind, steps some rule checked and steps none could (docs/design.md §5 Coverage). */
  coverage: CoverageByKind;
  /** Unchecked steps per reason ("no rule checks plan steps", "no checkable claims", …). */
  unchecked: Record<string, number>;
  /** reasoning.judge, when the config enables it and an endpoint was given: steps asked, answered from the cache, failed. */
  judge?: { model: string; asked: number; cached: number; failed: number };
  /** Threads that verified (1: the run's own thread; docs/design.md §14). */
  threads?: number;
  /** Chunks the run was split into, and how many an earlier, interrupted process had already written (a resumed run). */
  chunks?: { total: number; resumed: number };
}

export type CoverageByKind = Record<string, { checked: number; unchecked: number }>;

export interface CoverageDto {
  kinds: CoverageByKind;
  reasons: Array<{ kind: string; reason: string; steps: number }>;
  checked: number;
  unchecked: number;
  /** Traces with at least one unchecked step. */
  tracesWithUnchecked: number;
}

/** A verifier run still going: `running`, or `cancelling` until its next batch stops it. */
export const ACTIVE_RUN_STATUSES = ["running", "cancelling"] as const;
export const isActiveRun = (status: string): boolean => (ACTIVE_RUN_STATUSES as readonly string[]).includes(status);

export interface RunDto {
  id: number;
  dataset: string;
  config: number;
  status: string;
  /** Traces verified so far (the whole run once done). */
  traces: number;
  steps: number;
  /** While the run is active (isActiveRun): the dataset's trace count (progress = traces / total); null otherwise. */
  total: number | null;
  seconds: number | null;
  startedAt: string;
  finishedAt: string | null;
  overall: MethodMetrics | null;
}

export interface VerdictDto {
  rule: string;
  outcome: "pass" | "fail" | "skip";
  message: string | null;
  evidence: unknown;
}

export interface StepVerdictsDto {
  outcome: "pass" | "fail" | "skip";
  verdicts: VerdictDto[];
}

/** The latest run's verdicts for one trace (trace page). */
export interface TraceVerificationDto {
  run: number;
  config: number;
  quality: number;
  valid: boolean;
  failingSteps: number;
  parts: unknown;
  /** By step id. */
  steps: Record<number, StepVerdictsDto>;
}

export interface DatasetMetricsDto {
  dataset: string;
  run: RunDto | null;
  threshold: number | null;
  overall: MethodMetrics | null;
  byMethod: MethodMetrics[];
  ablation: AblationRow[] | null;
  histogram: HistogramBin[];
  methods: string[];
  /** Coverage of the run (null without one). */
  coverage: CoverageDto | null;
}
