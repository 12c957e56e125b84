import { z } from "zod";
import { EXPORT_FORMAT_DEFINITIONS, EXPORT_FORMATS, formatsWith, type ExportFormat } from "@/lib/formats/export/registry";
import type { ExportFormatOption } from "@/lib/formats/export/format";
import { NO_RELATION, RELATION_CLASSES } from "@/lib/taxonomy/relations";

// Export configuration (docs/design.md §7) shared by the API, the web form and the CLI, and the DTOs the
// export resources return. The parsed config, with every default filled in, is what manifest.json
// records, so two exports with the same parsed config over the same database are byte-identical.

export { EXPORT_FORMATS, type ExportFormat } from "@/lib/formats/export/registry";

/** Label, summary and trainer of each format, from its definition (lib/formats/export/formats/). */
export const EXPORT_FORMAT_INFO = Object.fromEntries(
  EXPORT_FORMAT_DEFINITIONS.map((d) => [d.name, { label: d.label, summary: d.summary, trainer: d.trainer }]),
) as Record<ExportFormat, { label: string; summary: string; trainer: string }>;

/** "the openai format", "trl-prm and offline-rl": the formats honouring an option, for error messages. */
function formatList(option: ExportFormatOption): string {
  const names = formatsWith(option);
  if (names.length === 1) return `the ${names[0]} format`;
  return names.length ? `${names.slice(0, -1).join(", ")} and ${names.at(-1)}` : "no format";
}

export const SPLITS = ["train", "validation", "test"] as const;
export type SplitName = (typeof SPLITS)[number];

export const EXPORT_CLASSES = [...RELATION_CLASSES, NO_RELATION] as const;
export type ExportClass = (typeof EXPORT_CLASSES)[number];

export const LABEL_PRIORITIES = ["human-first", "human-only", "verifier-only"] as const;
export const IMAGE_MODES = ["copy", "reference", "embed", "none"] as const;
export type ImageMode = (typeof IMAGE_MODES)[number];
export const REJECTED_STEP_MODES = ["keep", "drop", "mask"] as const;
/**
 * How a step the verifier ran over but could not check (docs/design.md §5 Coverage) is labelled when
 * no human labelled it: positive / negative (label source `verifier:unchecked`), drop (the step — a
 * call with its result — leaves the row), skip-trace (the trace is left out).
 */
export const UNCHECKED_STEP_MODES = ["positive", "negative", "drop", "skip-trace"] as const;
export type UncheckedStepMode = (typeof UNCHECKED_STEP_MODES)[number];

const classMap = <T extends z.ZodType>(value: T) => z.partialRecord(z.enum(EXPORT_CLASSES), value);

const ratio = z.number().min(0).max(1);

export const exportConfig = z
  .object({
    /** Title of the dataset card; defaults to the datasets and the format. */
    name: z.string().trim().min(1).max(120).optional(),
    datasets: z.array(z.string().trim().min(1)).min(1, "pick at least one dataset"),
    format: z.enum(EXPORT_FORMATS),
    /** VerifierConfig version whose latest finished run supplies verdicts and scores; null = latest finished run. */
    verifierVersion: z.number().int().positive().nullable().default(null),
    /** Which labels decide a step: human (current reviews) before the verifier, or only one of them. */
    labels: z.enum(LABEL_PRIORITIES).default("human-first"),
    /** How a human "neutral" step label counts where a boolean is needed. */
    neutral: z.enum(["positive", "negative"]).default("positive"),
    /** TRL stepwise labels as booleans or floats (accept 1, neutral 0.5, reject 0). */
    labelType: z.enum(["bool", "float"]).default("bool"),
    /** Verified steps no rule could check and no human labelled (UNCHECKED_STEP_MODES). */
    uncheckedSteps: z.enum(UNCHECKED_STEP_MODES).default("positive"),
    minQuality: ratio.nullable().default(null),
    validOnly: z.boolean().default(false),
    humanAcceptedOnly: z.boolean().default(false),
    /** keep: as they are; drop: remove wrong steps (a call and its result go together); mask: OpenAI weight 0. */
    rejectedSteps: z.enum(REJECTED_STEP_MODES).default("keep"),
    /** PRM and offline RL: cut each trace after its first wrong step. */
    truncateAfterFirstError: z.boolean().default(false),
    /** One row per (image, normalised question); see docs/export.md for what each format keeps. */
    dedupe: z.boolean().default(true),
    split: z.object({ train: ratio, validation: ratio, test: ratio }).default({ train: 0.8, validation: 0.1, test: 0.1 }),
    seed: z.number().int().min(0).max(2 ** 31 - 1).default(0),
    /** At most this many rows per relation class (before weighting). */
    relationCaps: classMap(z.number().int().min(0)).default({}),
    /** Train split only: each row of the class is repeated (w > 1) or kept with probability w (w < 1). */
    relationWeights: classMap(z.number().min(0).max(100)).default({}),
    images: z.enum(IMAGE_MODES).default("copy"),
    /** OpenAI rows with copied images: prefix for image URLs (where the images/ folder will be served); http(s) only. */
    imageBaseUrl: z.url({ protocol: /^https?$/, error: "expected an http(s) URL" }).optional(),
    /**
     * VQA SFT: "single" (default) is one row per trace; "multi" is one conversation per image — the
     * selected traces of an image (after caps and weights) as alternating user / assistant turns,
     * the image once in the first user turn. Absent unless set, so earlier manifests stay as they were.
     */
    turns: z.enum(["single", "multi"]).optional(),
    /** Offline RL discount factor for returns. */
    gamma: z.number().min(0).max(1).default(1),
    systemPrompt: z.string().max(4000).optional(),
    shardRows: z.number().int().min(1).max(10_000_000).default(50_000),
    /** Also write each data shard as Parquet with nested columns (data/{split}-…-of-….parquet). */
    parquet: z.boolean().default(false),
  })
  .strict()
  .superRefine((config, ctx) => {
    const total = config.split.train + config.split.validation + config.split.test;
    if (Math.abs(total - 1) > 1e-6) ctx.addIssue({ code: "custom", path: ["split"], message: `split ratios must add up to 1 (they add up to ${+total.toFixed(6)})` });
    // an unknown format was already reported by z.enum
    const honours = (option: ExportFormatOption) => EXPORT_FORMAT_DEFINITIONS.find((d) => d.name === config.format)?.options.includes(option) ?? true;
    if (config.rejectedSteps === "mask" && !honours("mask")) {
      ctx.addIssue({ code: "custom", path: ["rejectedSteps"], message: `mask (weight 0 on wrong assistant turns) exists only in ${formatList("mask")}; use keep or drop` });
    }
    if (config.truncateAfterFirstError && !honours("truncateAfterFirstError")) {
      ctx.addIssue({ code: "custom", path: ["truncateAfterFirstError"], message: `truncate after the first error applies to ${formatList("truncateAfterFirstError")}` });
    }
    if (config.images === "embed" && !honours("embed")) {
      ctx.addIssue({ code: "custom", path: ["images"], message: `embed (data: URLs) exists only in ${formatList("embed")}; other formats copy or reference image files` });
    }
    if (config.turns === "multi" && !honours("turns")) {
      ctx.addIssue({ code: "custom", path: ["turns"], message: `multi-turn rows (one conversation per image) exist only in ${formatList("turns")}` });
    }
    if (config.imageBaseUrl && !honours("imageBaseUrl")) {
      ctx.addIssue({ code: "custom", path: ["imageBaseUrl"], message: `imageBaseUrl applies to ${formatList("imageBaseUrl")}` });
    }
  })
  .transform((config) => ({ ...config, datasets: [...new Set(config.datasets)].sort() }));

export type ExportConfigInput = z.input<typeof exportConfig>;
export type ExportConfig = z.output<typeof exportConfig>;

/** Why a trace (or a unit: a DPO pair) did not make it into the export. */
export const SKIP_REASONS = [
  "image_missing",
  "no_verifier_score",
  "below_min_quality",
  "not_valid",
  "not_human_accepted",
  "unlabeled",
  "unchecked_steps",
  "empty",
  "duplicate",
  "no_pair",
  "relation_cap",
  "relation_weight",
] as const;
export type SkipReason = (typeof SKIP_REASONS)[number];
export type SkipCounts = Partial<Record<SkipReason, number>>;

export const SKIP_REASON_LABELS: Record<SkipReason, string> = {
  image_missing: "image file not stored",
  no_verifier_score: "no verifier score in the chosen run",
  below_min_quality: "quality below the minimum",
  not_valid: "not valid (verifier)",
  not_human_accepted: "not accepted by a human",
  unlabeled: "missing labels",
  unchecked_steps: "a step the verifier could not check (--unchecked-steps skip-trace)",
  empty: "no steps left",
  duplicate: "duplicate image + question",
  no_pair: "no chosen/rejected partner",
  relation_cap: "relation class cap",
  relation_weight: "relation class weight < 1",
};

export interface ExportFileEntry {
  path: string;
  /** Data rows in the file; null for the card and the manifest. */
  rows: number | null;
  bytes: number;
  sha256: string;
}

export type ClassCounts = Partial<Record<ExportClass, number>>;

export interface ExportCounts {
  rows: number;
  splits: Partial<Record<SplitName, number>>;
  classes: Partial<Record<SplitName, ClassCounts>>;
  traces: number;
  images: number;
}

/** The CLI contract of issue 7 (`stepwise export --json`). */
export interface ExportCliResult {
  out: string;
  files: Array<{ path: string; rows: number | null; sha256: string }>;
  rows: number;
  skipped: SkipCounts;
}

export interface ExportPreview {
  candidates: number;
  counts: ExportCounts;
  skipped: SkipCounts;
  verifier: VerifierRunRef[];
  /** Empty or small splits, images in two splits, in words. */
  warnings: string[];
  /** Licence and attribution per dataset (the card's `license:` is derived from them). */
  sources: Array<{ dataset: string; license: string | null; attribution: string | null }>;
}

export interface VerifierRunRef {
  dataset: string;
  runId: number;
  version: number;
  name: string;
}

export const EXPORT_STATUSES = ["queued", "running", "done", "failed", "cancelled"] as const;
export type ExportStatus = (typeof EXPORT_STATUSES)[number];
/** Statuses of a job that has not finished yet (queued or running). */
export const ACTIVE_EXPORT_STATUSES = ["queued", "running"] as const satisfies readonly ExportStatus[];
export const isActiveExport = (status: string): boolean => (ACTIVE_EXPORT_STATUSES as readonly string[]).includes(status);

export interface ExportDto {
  id: number;
  name: string;
  format: ExportFormat;
  datasets: string[];
  config: ExportConfig;
  status: ExportStatus;
  progress: number;
  stage: string | null;
  rows: number;
  files: ExportFileEntry[];
  skipped: SkipCounts;
  counts: ExportCounts | null;
  error: string | null;
  createdAt: string;
  finishedAt: string | null;
  archiveName: string | null;
}

export interface ExportDetailDto extends ExportDto {
  card: string | null;
  manifest: unknown;
}

export interface ExportOptionsDto {
  datasets: Array<{ name: string; traces: number; runs: Array<{ runId: number; version: number; name: string; finishedAt: string | null }> }>;
  verifierVersions: Array<{ version: number; name: string }>;
  classes: ExportClass[];
}

