import { z } from "zod";
import { endpointConfig } from "@/lib/schemas/endpoint";

// Generation (docs/design.md §11): the canonical question record a question file holds (one JSON
// object per line; its JSON Schema is published as docs/stepwise.question.v1.schema.json and at
// /api/schema/question), and a generation job's stored config.

export const QUESTION_SCHEMA_ID = "stepwise.question/v1";

export const canonicalQuestion = z
  .object({
    schema: z.literal(QUESTION_SCHEMA_ID).optional(),
    /** Stable id (default: derived from image and question text). */
    id: z.string().min(1).max(200).optional(),
    /** The image file name; its scene is found by this name in the dataset unless `scene` names it. */
    image: z.string().min(1).max(500),
    question: z.string().min(1).max(10_000),
    /** Ground truth, when known (final-answer resampling and final.correct need it). */
    answer: z.union([z.string(), z.number(), z.boolean()]).nullable().optional(),
    /** The scene's name when it differs from the image name. */
    scene: z.string().min(1).max(500).optional(),
    /** A CLEVR functional program (step completeness; the built-in teacher plans with it). */
    program: z.array(z.record(z.string(), z.unknown())).optional(),
  })
  .strict();

export type CanonicalQuestion = z.infer<typeof canonicalQuestion>;

export function questionJsonSchema(): unknown {
  return {
    $id: "https://stepwise.dev/schema/stepwise.question.v1.json",
    title: QUESTION_SCHEMA_ID,
    description: "One question to generate traces for: an image (found with its scene in the dataset), the question, and optionally the answer, the scene name and a CLEVR program. One JSON object per line.",
    ...z.toJSONSchema(canonicalQuestion),
  };
}

export const GENERATION_METHOD_NAMES = ["direct", "final-answer", "step-level", "best-of-n"] as const;

export const generationConfig = z
  .object({
    dataset: z.string().min(1).max(200),
    /** Where the questions came from (for display; the questions themselves are `questionIds`). */
    source: z.string().max(2000),
    questionIds: z.array(z.number().int().positive()).min(1),
    /** The scene of each question (same order as questionIds). */
    sceneIds: z.array(z.number().int().nonnegative()).default([]),
    endpoint: endpointConfig,
    method: z.enum(GENERATION_METHOD_NAMES).default("direct"),
    /** Resamples: final-answer / step-level per step / best-of-n candidates. */
    k: z.number().int().min(1).max(64).default(4),
    samples: z.number().int().min(1).max(100).default(1),
    concurrency: z.number().int().min(1).max(1024).default(8),
    maxTurns: z.number().int().min(1).max(200).default(16),
    /** Prompt + completion tokens per trace (all attempts). */
    tokenBudget: z.number().int().positive().nullable().default(null),
    /** step-level: resamples per trace (default 4 × k). */
    budget: z.number().int().min(0).nullable().default(null),
    system: z.string().max(20_000).nullable().default(null),
    /** Send the image inline (data: URI) — off for text-only models. */
    sendImage: z.boolean().default(true),
    /** Identity of "the same command" for resume-by-re-running. */
    fingerprint: z.string().min(1),
  })
  .strict();

export type GenerationConfig = z.output<typeof generationConfig>;
export type GenerationConfigInput = z.input<typeof generationConfig>;
