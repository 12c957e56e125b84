import { z } from "zod";
import { boundedJson, userName } from "@/lib/schemas/limits";

// Human review requests (API, CLI, client) and what they return. Every request schema is strict (an
// unknown key is an error, never ignored) and free-form `args` are capped (docs/limits.md).

export const STEP_LABELS = ["accept", "neutral", "reject"] as const;
export type StepLabel = (typeof STEP_LABELS)[number];
export const TRACE_DECISIONS = ["accept", "reject"] as const;
export type TraceDecision = (typeof TRACE_DECISIONS)[number];

/** Marker label for steps after the first rejected one in stop-at-first-error mode. */
export const AFTER_ERROR = "after_error";

const reviewer = userName.optional();
const comment = z.string().max(5_000).optional();
const timeSpentMs = z.number().int().min(0).max(24 * 3_600_000).optional();

export const stepLabelBody = z.object({
  label: z.enum(STEP_LABELS),
  expectedVersion: z.number().int().positive(),
  comment,
  timeSpentMs,
  stopAtFirstError: z.boolean().default(false),
  user: reviewer,
}).strict();

export const traceDecisionBody = z.object({
  decision: z.enum(TRACE_DECISIONS),
  expectedVersion: z.number().int().positive(),
  comment,
  timeSpentMs,
  user: reviewer,
}).strict();

export const stepEditBody = z
  .object({
    expectedVersion: z.number().int().positive(),
    text: z.string().max(100_000).optional(),
    args: boundedJson(z.record(z.string(), z.unknown())).optional(),
    comment,
    user: reviewer,
  })
  .strict()
  .refine((b) => b.text !== undefined || b.args !== undefined, { message: "an edit needs text or args" });

export const stepRerunBody = z.object({
  expectedVersion: z.number().int().positive(),
  args: boundedJson(z.record(z.string(), z.unknown())).optional(),
  user: reviewer,
}).strict();

export const undoBody = z.object({
  user: reviewer,
  traceId: z.number().int().positive().optional(),
  /** a bulk action of yours (POST /api/traces/bulk): reverted whole (docs/design.md §6 "Bulk actions") */
  bulk: z.number().int().positive().optional(),
}).strict();

export type StepLabelBody = z.infer<typeof stepLabelBody>;
export type TraceDecisionBody = z.infer<typeof traceDecisionBody>;
export type StepEditBody = z.infer<typeof stepEditBody>;
export type StepRerunBody = z.infer<typeof stepRerunBody>;

export interface ReviewActionResult {
  action: "label" | "decision" | "edit" | "rerun" | "undo";
  traceId: number;
  stepId: number | null;
  /** New versions of every step the action touched, so clients can keep sending fresh versions. */
  steps: Array<{ id: number; version: number; revision: number }>;
  traceVersion: number;
  labelState: string;
  undone?: string;
  /** an undone bulk action: labels reverted, labels left because you changed them later, chunks */
  bulk?: { id: number; reverted: number; keptLater: number; chunks: number };
}

export interface RevisionDto {
  revision: number;
  text: string | null;
  args: unknown;
  result: unknown;
  reason: string | null;
  user: string | null;
  createdAt: string;
}
