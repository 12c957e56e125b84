import { z } from "zod";
import { LIMITS } from "@/lib/schemas/limits";
import { traceFilters } from "@/lib/schemas/trace-list";

// Bulk review actions on the trace list's current filter (docs/design.md §6 "Bulk actions"):
// preview first (POST /api/traces/bulk/preview), then apply as one undoable action
// (POST /api/traces/bulk); undone by POST /api/reviews/undo {"bulk": id}.

/** The trace list's filter as the URL spells it (no cursor, no page size); unknown keys are refused. */
export const bulkFilter = traceFilters.omit({ cursor: true, limit: true, sort: true }).strict();
export type BulkFilter = z.infer<typeof bulkFilter>;

const rule = z.string().trim().min(1).max(200);

export const bulkActionSpec = z.discriminatedUnion("kind", [
  /** accept every step the latest verifier run passed (a pass, no fail) on the valid traces of the filter */
  z.object({ kind: z.literal("accept_passed_steps") }).strict(),
  /** reject or mark neutral every step on which `rule` failed in the latest run */
  z.object({ kind: z.literal("label_rule_steps"), rule, label: z.enum(["reject", "neutral"]) }).strict(),
  /** a trace decision on every trace of the filter (that fails `rule`, when given) */
  z.object({ kind: z.literal("decide_traces"), decision: z.enum(["accept", "reject"]), rule: rule.optional() }).strict(),
]);
export type BulkActionSpec = z.infer<typeof bulkActionSpec>;
export type BulkKind = BulkActionSpec["kind"];

export const bulkPreviewBody = z
  .object({
    filter: bulkFilter,
    action: bulkActionSpec,
    /** replace your own different labels too (default: keep them) */
    overwrite: z.boolean().default(false),
  })
  .strict();

export const bulkApplyBody = bulkPreviewBody
  .extend({
    /** the preview's `items`: when the filter now writes a different number, apply refuses (preview again) */
    expectedItems: z.number().int().min(0).max(LIMITS.bulkItems).optional(),
  })
  .strict();

export type BulkPreviewBody = z.infer<typeof bulkPreviewBody>;
export type BulkApplyBody = z.infer<typeof bulkApplyBody>;

export interface BulkPreview {
  kind: BulkKind;
  label: string;
  rule: string | null;
  /** traces of the filter the action looked at (valid ones for accept_passed_steps, failing `rule` when given) */
  traces: number;
  /** traces that get at least one label or decision */
  affectedTraces: number;
  /** labels (steps) or decisions (traces) that would be written */
  items: number;
  /** already carry your same label or decision: nothing to write */
  unchanged: number;
  /** carry your own different label or decision, kept because overwrite is off */
  keptOwn: number;
  /** traces skipped because every review slot of the dataset's review policy is held by others */
  slotsFull: number;
  /** step labels (true) or trace decisions (false) */
  steps: boolean;
  /** a few of the affected traces, to check before applying */
  sample: Array<{ id: number; externalId: string; items: number }>;
  /** items over LIMITS.bulkItems: apply refuses until the filter is narrowed */
  overLimit: boolean;
}

export interface BulkActionDto {
  id: number;
  kind: BulkKind;
  label: string;
  rule: string | null;
  filter: string;
  status: string;
  traces: number;
  items: number;
  createdAt: string;
  undoneAt: string | null;
}

export interface BulkApplyResult extends BulkActionDto {
  /** transactions the labels were written in (each at most LIMITS.bulkChunk labels) */
  chunks: number;
  unchanged: number;
  keptOwn: number;
  slotsFull: number;
}

export interface BulkUndoSummary {
  id: number;
  /** labels / decisions reverted */
  reverted: number;
  /** labels you changed again after the bulk action: left as you changed them */
  keptLater: number;
  chunks: number;
}
