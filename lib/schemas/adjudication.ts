import { z } from "zod";
import { positiveId } from "@/lib/schemas/ids";
import { STEP_LABELS } from "@/lib/schemas/reviews";

// Several reviewers per step (docs/design.md §13): the adjudication queue, the adjudicator's
// decision (the gold label) and the agreement dashboard.

export const GOLD = "gold";

export const adjudicationQuery = z
  .object({
    dataset: z.string().trim().min(1).max(200),
    status: z.enum(["open", "resolved", "all"]).default("open"),
    limit: positiveId.pipe(z.number().max(500)).default(100),
  })
  .strict();

export const adjudicateBody = z
  .object({
    label: z.enum(STEP_LABELS),
    comment: z.string().max(5_000).optional(),
  })
  .strict();

export const agreementQuery = z.object({ dataset: z.string().trim().min(1).max(200) }).strict();

export interface ReviewerLabel {
  reviewId: number;
  user: string;
  label: string;
  createdAt: string;
}

export interface DisagreementItem {
  stepId: number;
  stepIndex: number;
  stepKind: string;
  stepText: string;
  traceId: number;
  question: string;
  labels: ReviewerLabel[];
  gold: (ReviewerLabel & { comment: string | null; overrode: ReviewerLabel[] }) | null;
}

export interface AdjudicationQueue {
  dataset: string;
  open: number;
  resolved: number;
  items: DisagreementItem[];
}

export type AdjudicateBody = z.infer<typeof adjudicateBody>;

export interface IntervalDto {
  value: number | null;
  lo: number | null;
  hi: number | null;
}

export interface AgreementBlock {
  units: number;
  raters: string[];
  alphaNominal: IntervalDto;
  alphaOrdinal: IntervalDto;
  kappa: IntervalDto;
  ac1: IntervalDto;
  raw: IntervalDto;
  pairs: Array<{ a: string; b: string; n: number; kappa: IntervalDto }>;
}

export interface AgreementReport {
  dataset: string;
  /** Step labels (−1 reject / 0 neutral / +1 accept) of steps two or more reviewers labelled. */
  steps: AgreementBlock;
  /** Trace decisions (accept / reject) of traces two or more reviewers decided. */
  traces: AgreementBlock;
  reviewers: Array<{
    rater: string;
    labelled: number;
    consensus: { n: number; agree: number; raw: number | null; kappa: IntervalDto };
    verifier: { n: number; agree: number; raw: number | null; kappa: IntervalDto };
  }>;
  /** Per trace: steps with two or more labels and the share on which every reviewer agreed. */
  perTrace: Array<{ traceId: number; question: string; steps: number; agreed: number; raw: number | null; reviewers: string[] }>;
}

export const reviewPolicyBody = z
  .object({
    minReviews: z.number().int().min(1).max(10),
    blind: z.boolean().default(false),
    leaseMinutes: z.number().int().min(1).max(7 * 24 * 60).default(30),
  })
  .strict();

export const assignBody = z
  .object({
    /** User names or emails of reviewers. */
    users: z.array(z.string().trim().min(1).max(200)).min(1).max(100),
    /** Trace ids of this dataset; omitted = every trace with a free slot, shared round-robin. */
    traceIds: z.array(positiveId).max(10_000).optional(),
  })
  .strict();

export interface ReviewPolicyDto {
  dataset: string;
  minReviews: number;
  blind: boolean;
  leaseMinutes: number;
  /** false when the dataset has no policy row (one reviewer per trace, nothing enforced). */
  enforced: boolean;
}

export interface ReviewProgress {
  policy: ReviewPolicyDto;
  traces: number;
  /** Traces with at least minReviews distinct reviewers. */
  covered: number;
  reviewers: Array<{ name: string; assigned: number; leased: number; reviewedTraces: number; labels: number }>;
}

export interface ClaimResult {
  traceId: number | null;
  /** Why nothing was handed out, when traceId is null. */
  reason: string | null;
  holders: number;
  minReviews: number;
}

export type ReviewPolicyBody = z.infer<typeof reviewPolicyBody>;
export type AssignBody = z.infer<typeof assignBody>;
