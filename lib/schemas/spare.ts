import { z } from "zod";
import { ENV_NAME } from "@/lib/schemas/endpoint";
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
