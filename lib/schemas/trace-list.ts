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
  /** Order of the list: by id (import order) or by quality, either way; unverified traces last. */
  sort: z.enum(["id", "-id", "quality", "-quality"]).optional(),
  cursor: positiveId.optional(),
  limit: queryInt(1, 200).default(50),
});
export type TraceFilters = z.infer<typeof traceFilters>;

export const FILTER_KEYS = ["dataset", "method", "qmin", "qmax", "valid", "rule", "label", "decision", "disagreement", "unchecked", "relation", "reviewer", "q"] as const;

export const TRACE_SORTS = ["id", "-id", "quality", "-quality"] as const;
export type TraceSort = (typeof TRACE_SORTS)[number];

/** Columns of the trace table a view may hide ("trace" — the link — always shows). */
export const TRACE_COLUMNS = ["question", "method", "steps", "answer", "quality", "verifier", "human"] as const;
export type TraceColumn = (typeof TRACE_COLUMNS)[number];

/**
 * How the list is shown, also URL state: `mode=gallery` (thumbnails) or the table, and `cols=` the
 * table's columns (comma-separated; all when absent). Unknown columns are dropped, not an error:
 * an old shared link still opens.
 */
export const traceViewState = z.object({
  mode: z.enum(["table", "gallery"]).catch("table").default("table"),
  cols: z
    .string()
    .max(200)
    .optional()
    .transform((text) => (text === undefined ? [...TRACE_COLUMNS] : TRACE_COLUMNS.filter((c) => text.split(",").includes(c))))
    .catch([...TRACE_COLUMNS]),
});
export type TraceViewState = z.infer<typeof traceViewState>;

/** Everything a saved view holds: the filters, the sort, the view state and the page size (never the page cursor). */
export const VIEW_KEYS = [...FILTER_KEYS, "sort", "mode", "cols", "limit"] as const;

/** The canonical query string of a view: known keys only, in VIEW_KEYS order, empty values dropped. */
export function viewQuery(params: URLSearchParams | Record<string, string | undefined>): string {
  const get = (key: string) => (params instanceof URLSearchParams ? params.get(key) : params[key]) ?? "";
  const out = new URLSearchParams();
  for (const key of VIEW_KEYS) {
    const value = get(key).trim();
    if (value) out.set(key, value);
  }
  return out.toString();
}

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
