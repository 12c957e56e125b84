import { z } from "zod";
import { ENV_NAME } from "@/lib/schemas/endpoint";
import type { FilterName } from "@/lib/spare/filters";
import { spareConfig } from "@/lib/spare/pipeline";

// SpaRE jobs (docs/design.md §12): what a run is asked to do, as the CLI, the HTTP API and the
// stored job config share it. Endpoints are named, never holding a key (only the env var's name).

export const spareEndpoint = z
  .object({
    baseUrl: z.string().url().max(2000),
    model: z.string().min(1).max(300),
    apiKeyEnv: z.string().regex(ENV_NAME).max(200).optional(),
  })
  .strict();
export type SpareEndpoint = z.infer<typeof spareEndpoint>;

export const spareJobConfig = z
  .object({
    dataset: z.string().min(1).max(200),
    datasetId: z.number().int().positive(),
    pipeline: spareConfig,
    /** Chat endpoint for the llm classifier / synthesizer (null: rules only). */
    chat: spareEndpoint.nullable().default(null),
    /** Text-embedding endpoint for near-duplicates (null: MinHash). */
    embeddings: spareEndpoint.nullable().default(null),
    /** Image-text embedding endpoint for CLIPScore (null: the filter is skipped, reason recorded). */
    clip: spareEndpoint.nullable().default(null),
    concurrency: z.number().int().min(1).max(64).default(4),
    /** Captions per job item (one transaction each). */
    chunkSize: z.number().int().min(1).max(5000).default(200),
    /** Identity of the run (dataset, captions, settings): the same run again resumes this job. */
    fingerprint: z.string(),
  })
  .strict();
export type SpareJobConfig = z.output<typeof spareJobConfig>;

export const spareRunRequest = z
  .object({
    dataset: z.string().trim().min(1).max(200),
    synthesizer: z.enum(["rules", "llm"]).default("rules"),
    classifier: z.enum(["rules", "llm"]).optional(),
    chat: spareEndpoint.nullable().optional(),
    embeddings: spareEndpoint.nullable().optional(),
    clip: spareEndpoint.nullable().optional(),
    concurrency: z.number().int().min(1).max(64).optional(),
    maxPairsPerCaption: z.number().int().min(1).max(200).optional(),
  })
  .strict();
export type SpareRunRequest = z.input<typeof spareRunRequest>;

export const pairReview = z
  .object({
    label: z.enum(["accept", "reject"]).nullable(),
    question: z.string().trim().min(1).max(2000).optional(),
    answer: z.string().trim().min(1).max(2000).optional(),
  })
  .strict();
export type PairReview = z.infer<typeof pairReview>;

export const pairListQuery = z.object({
  status: z.enum(["kept", "removed", "all"]).default("all"),
  removedBy: z.string().max(40).optional(),
  relation: z.string().max(60).optional(),
  label: z.enum(["accept", "reject", "unlabelled"]).optional(),
  captionId: z.coerce.number().int().positive().optional(),
  cursor: z.coerce.number().int().nonnegative().optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
});
export type PairListQuery = z.input<typeof pairListQuery>;

/** The web form's run: the caption files' text travels in the JSON body (docs/spare.md). */
export const spareUploadRequest = spareRunRequest.extend({
  files: z
    .array(z.object({ name: z.string().trim().min(1).max(300), content: z.string().max(32 * 1024 * 1024) }).strict())
    .min(1, "add at least one caption file")
    .max(20),
});
export type SpareUploadRequest = z.input<typeof spareUploadRequest>;

/** JSON bodies of a web run may carry caption files: a larger cap than other bodies. */
export const SPARE_UPLOAD_LIMITS = { maxBytes: 32 * 1024 * 1024, maxDepth: 16 };

// DTOs of the SpaRE API (lib/services/spare), shared with the pages.

export interface SpareSummary {
  job: number;
  dataset: string;
  status: string;
  captions: { in: number; spatial: number };
  pairs: { generated: number; kept: number; unparseable: number };
  removed: Record<FilterName, number>;
  relations: Record<string, number>;
}

export interface PublishResult {
  job: number;
  dataset: string;
  traces: number;
  /** Pairs left out: rejected by a reviewer, or removed by a filter and not accepted. */
  left_out: { rejected: number; removed: number };
  replaced: number;
}

export interface SpareRunListItem {
  id: number;
  title: string | null;
  dataset: string;
  status: string;
  total: number;
  done: number;
  synthesizer: string;
  classifier: string;
  createdAt: string;
  counters: Record<string, number>;
}

export interface FunnelStage {
  key: string;
  label: string;
  /** Pairs (or captions for the caption stages) left after the stage. */
  count: number;
  /** Removed by this stage. */
  removed: number;
  unit: "captions" | "pairs";
}

export interface FunnelExample {
  pairId: number;
  captionId: number;
  question: string;
  answer: string;
  reason: string | null;
}

export interface RelationRow {
  relation: string;
  class: string;
  generated: number;
  kept: number;
  /** The paper's share of spatial relations (SR %, Table 10); null for our "none". */
  paperPercent: number | null;
}

export interface FilterPrecision {
  filter: FilterName | "kept";
  label: string;
  /** Pairs this filter removed (for "kept": pairs that passed every filter). */
  total: number;
  reviewed: number;
  accepted: number;
  rejected: number;
}

export interface SpareFunnelDetail {
  summary: SpareSummary;
  job: { id: number; title: string | null; status: string; total: number; done: number; error: string | null; synthesizer: string; classifier: string; clip: boolean; embeddings: boolean };
  stages: FunnelStage[];
  examples: Record<FilterName, FunnelExample[]>;
  relations: RelationRow[];
  precision: FilterPrecision[];
  captions: { missingImages: number; clipSkipped: Array<{ reason: string; n: number }>; notSpatialExamples: Array<{ captionId: number; text: string; reason: string | null }> };
}

export interface SparePairDto {
  id: number;
  captionId: number;
  idx: number;
  question: string;
  answer: string;
  relation: string;
  relationClass: string;
  frame: string;
  status: string;
  removedBy: string | null;
  reason: string | null;
  spanStart: number | null;
  spanEnd: number | null;
  label: string | null;
  editedQuestion: string | null;
  editedAnswer: string | null;
}

export interface SpareCaptionDto {
  id: number;
  jobId: number;
  source: string;
  image: string | null;
  imageStatus: string;
  text: string;
  file: string;
  line: number;
  field: string;
  spatial: boolean | null;
  classifierReason: string | null;
  unparseable: boolean;
  truncated: boolean;
  rawAnswer: string | null;
  clipSkipped: string | null;
}

export interface SparePairPage {
  pairs: SparePairDto[];
  /** Captions of the page's pairs, by id. */
  captions: Record<number, SpareCaptionDto>;
  total: number;
  nextCursor: number | null;
}
