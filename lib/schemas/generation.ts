import { z } from "zod";
import { endpointConfig } from "@/lib/schemas/endpoint";

// Generation (docs/design.md §11): the canonical question record a question file holds (one JSON
// object per line; its JSON Schema is published as docs/stepwise.question.v1.schema.json and at
// /api/schema/question), and a generation job's stored config.

export const QUESTION_SCHEMA_ID = "stepwise.question/v1";

export const canonicalQuestion = z
  .object({
    schema: z.literal(QUESTION_SCHEMA_ID).optional().describe(`The record's format and version: "${QUESTION_SCHEMA_ID}" (optional).`),
    /** Stable id (default: derived from image and question text). */
    id: z.string().min(1).max(200).optional().describe("A stable id for the question; default: derived from the image and the question text. Generated traces are named after it."),
    /** The image file name; its scene is found by this name in the dataset unless `scene` names it. */
    image: z.string().min(1).max(500).describe("The image file name in the dataset; its scene (the ground truth the teacher's tools run on) is found by this name unless `scene` names it."),
    question: z.string().min(1).max(10_000).describe("The question to ask the teacher about the image."),
    /** Ground truth, when known (final-answer resampling and final.correct need it). */
    answer: z.union([z.string(), z.number(), z.boolean()]).nullable().optional().describe("The ground-truth answer, when known — not a teacher's answer. The final-answer method resamples until it matches, and the answer rule checks traces against it; null or absent: unknown."),
    /** The scene's name when it differs from the image name. */
    scene: z.string().min(1).max(500).optional().describe("The name of the scene in the dataset when it differs from the image's name."),
    /** A CLEVR functional program (step completeness; the built-in teacher plans with it). */
    program: z.array(z.record(z.string(), z.unknown())).optional().describe("The question's CLEVR functional program, when there is one: the built-in teacher plans with it and the step-completeness rule compares traces with it."),
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

/** The built-in teacher (an in-process teacher-serve on 127.0.0.1), as a job names it: its URL is found again at run time. */
export const BUILTIN_FAULTS = ["none", "default", "dense", "flaky"] as const;
export const builtinTeacher = z
  .object({
    faults: z.enum(BUILTIN_FAULTS).default("default"),
    /** Simulated latency per completion (ms). */
    latencyMs: z.number().int().min(0).max(60_000).default(0),
    /** Tool calls written the way real servers get them wrong (Hermes tags, fenced JSON, cut-off arguments…), at this rate. */
    misbehaveRate: z.number().min(0).max(1).default(0),
  })
  .strict();
export type BuiltinTeacher = z.output<typeof builtinTeacher>;

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
    /** Set when the teacher is the built-in one: endpoint.baseUrl is replaced by the in-process server's URL at run time. */
    builtin: builtinTeacher.nullable().default(null),
    /** Identity of "the same command" for resume-by-re-running. */
    fingerprint: z.string().min(1),
  })
  .strict();

export type GenerationConfig = z.output<typeof generationConfig>;
export type GenerationConfigInput = z.input<typeof generationConfig>;

// The web form's request (POST /api/generation): where the questions come from, which teacher,
// the method and its limits. Either `fromDataset` or an uploaded `questionsFile` ({name, text}).
export const generationStartInput = z
  .object({
    dataset: z.string().trim().min(1, "choose the dataset the traces go to").max(200),
    fromDataset: z.string().trim().min(1).max(200).nullable().default(null),
    questionsFile: z.object({ name: z.string().min(1).max(300), text: z.string().min(1, "the file is empty") }).strict().nullable().default(null),
    teacher: z.discriminatedUnion("kind", [
      z.object({ kind: z.literal("builtin"), faults: z.enum(BUILTIN_FAULTS).default("default"), latencyMs: z.number().int().min(0).max(60_000).default(0), misbehaveRate: z.number().min(0).max(1).default(0) }).strict(),
      z
        .object({
          kind: z.literal("endpoint"),
          baseUrl: z.string().trim().min(1, "the endpoint URL is required").max(2000),
          model: z.string().trim().min(1, "the model id is required").max(300),
          apiKeyEnv: z.string().trim().max(200).nullable().default(null),
          temperature: z.number().min(0).max(2).nullable().default(null),
        })
        .strict(),
    ]),
    method: z.enum(GENERATION_METHOD_NAMES).default("step-level"),
    k: z.number().int().min(1).max(64).default(4),
    samples: z.number().int().min(1).max(100).default(1),
    concurrency: z.number().int().min(1).max(1024).default(8),
    maxTurns: z.number().int().min(1).max(200).default(16),
    tokenBudget: z.number().int().positive().nullable().default(null),
    /** step-level: resamples per trace. */
    budget: z.number().int().min(0).nullable().default(null),
    limit: z.number().int().positive().nullable().default(null),
  })
  .strict();
export type GenerationStartInput = z.input<typeof generationStartInput>;

/**
 * What a generation job counts, grouped for display: the same figures on the job page and in the
 * API (the whole job) and in the CLI's JSON summary (this run's share).
 */
export interface GenerationFigures {
  requests: number;
  retries: number;
  /** Parser fallbacks and per-turn figures by name (hermes, object_args, missing_id, …). */
  parseFallbacks: Record<string, number>;
  stopReasons: Record<string, number>;
  /** Endpoint errors by kind (rate_limited, server, timeout, …). */
  errors: Record<string, number>;
  tokens: { prompt: number; completion: number };
  costUsd: number | null;
}

export interface GenerationJobDto extends GenerationFigures {
  id: number;
  title: string | null;
  status: "queued" | "running" | "cancelling" | "done" | "failed" | "cancelled";
  dataset: string;
  source: string;
  method: string;
  model: string;
  /** "builtin" or the endpoint's URL. */
  teacher: string;
  k: number;
  samples: number;
  concurrency: number;
  questions: number;
  total: number;
  done: number;
  failed: number;
  inFlight: number;
  resampled: number;
  alternatives: number;
  error: string | null;
  /** Left running by a process that is gone (a crash or restart): resume it. */
  stale: boolean;
  resumable: boolean;
  runs: number;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  /** Traces per second over the last seconds of work (null when idle or unknown). */
  ratePerSecond: number | null;
  etaSeconds: number | null;
}

export interface GenerationJobDetailDto extends GenerationJobDto {
  /** Traces made per time bucket since the job started (`t`: seconds from the start). */
  throughput: { bucketSeconds: number; points: Array<{ t: number; traces: number }> };
  /** The latest traces (open in review). */
  traces: Array<{ id: number; externalId: string; question: string; stopReason: string | null; valid: boolean | null; quality: number | null }>;
}

export const isActiveGeneration = (status: string) => status === "queued" || status === "running" || status === "cancelling";
