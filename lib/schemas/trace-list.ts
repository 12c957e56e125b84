import { z } from "zod";
import { positiveId, queryInt } from "@/lib/schemas/ids";
import type { TraceListItem } from "@/lib/schemas/traces";

// Trace list filters. They live in the URL (/traces?dataset=…&rule=…) and in /api/traces.

const flag = z.enum(["true", "false"]).optional();

export const traceFilters = z.object({
  dataset: z.string().optional(),
  method: z.string().optional(),
  qmin: z.coerce.number().min(0).max(1).optional(),
  qmax: z.coerce.number().min(0).max(1).optional(),
  valid: flag,
  rule: z.string().optional(), // a rule that fails on some step (latest run)
  label: z.enum(["unlabeled", "partial", "complete"]).optional(),
  decision: z.enum(["accept", "reject", "none"]).optional(),
  disagreement: flag,
  /** true: traces with a step no rule could check in the latest run (docs/design.md §5 Coverage); false: none. */
  unchecked: flag,
  relation: z.string().optional(), // relation class (docs/design.md §9)
  reviewer: z.string().optional(),
  q: z.string().max(200).optional(),
  cursor: positiveId.optional(),
  limit: queryInt(1, 200).default(50),
});
export type TraceFilters = z.infer<typeof traceFilters>;

export const FILTER_KEYS = ["dataset", "method", "qmin", "qmax", "valid", "rule", "label", "decision", "disagreement", "unchecked", "relation", "reviewer", "q"] as const;

export interface TraceListResult {
  items: TraceListItem[];
  nextCursor: number | null;
  total: number;
  /** true when more than `total` traces match (counting stops at a cap). */
  totalCapped: boolean;
}

export interface TraceFacets {
  datasets: string[];
  methods: string[];
  rules: string[];
  relations: string[];
  reviewers: string[];
}

export const queueQuery = z.object({
  dataset: z.string().optional(),
  after: positiveId.optional(),
  user: z.string().optional(),
  /** unchecked: after disagreements, traces with the most steps no rule could check come first (docs/design.md §5 Coverage). */
  prefer: z.enum(["unchecked"]).optional(),
});

export interface QueuePick {
  traceId: number | null;
  reason: string | null;
  progress: { reviewed: number; total: number; byYou: number };
}
