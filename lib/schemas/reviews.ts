import { z } from "zod";

// Human review requests (API, CLI, client) and what they return.

export const STEP_LABELS = ["accept", "neutral", "reject"] as const;
export type StepLabel = (typeof STEP_LABELS)[number];
export const TRACE_DECISIONS = ["accept", "reject"] as const;
export type TraceDecision = (typeof TRACE_DECISIONS)[number];

/** Marker label for steps after the first rejected one in stop-at-first-error mode. */
export const AFTER_ERROR = "after_error";

const reviewer = z.string().trim().min(1).max(100).optional();
const comment = z.string().max(5_000).optional();
const timeSpentMs = z.number().int().min(0).max(24 * 3_600_000).optional();

export const stepLabelBody = z.object({
  label: z.enum(STEP_LABELS),
  expectedVersion: z.number().int().positive(),
  comment,
  timeSpentMs,
  stopAtFirstError: z.boolean().default(false),
  user: reviewer,
});

export const traceDecisionBody = z.object({
  decision: z.enum(TRACE_DECISIONS),
  expectedVersion: z.number().int().positive(),
  comment,
  timeSpentMs,
  user: reviewer,
});

export const stepEditBody = z
  .object({
    expectedVersion: z.number().int().positive(),
    text: z.string().max(100_000).optional(),
    args: z.record(z.string(), z.unknown()).optional(),
    comment,
    user: reviewer,
  })
  .refine((b) => b.text !== undefined || b.args !== undefined, { message: "an edit needs text or args" });

export const stepRerunBody = z.object({
  expectedVersion: z.number().int().positive(),
  args: z.record(z.string(), z.unknown()).optional(),
  user: reviewer,
});

export const undoBody = z.object({ user: reviewer, traceId: z.number().int().positive().optional() });

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
