import { z } from "zod";
import { attributionField, licenseField } from "@/lib/schemas/license";

// Imports over HTTP: the multipart fields of POST /api/imports, the summary it returns, the
// progress events it streams (Accept: application/x-ndjson) and the history rows of GET.

const flag = z
  .union([z.boolean(), z.enum(["true", "false", "1", "0", "on", "off", ""])])
  .optional()
  .transform((v) => v === true || v === "true" || v === "1" || v === "on");

export const importFields = z.object({
  dataset: z.string().trim().min(1, "expected a dataset name").max(200),
  format: z.string().optional().transform((v) => (v && v !== "auto" ? v : undefined)),
  dryRun: flag,
  skipInvalid: flag,
  /** Verify on import (default on): "false" / "0" / "off" skips the verifier run after the import. */
  verify: z
    .union([z.boolean(), z.enum(["true", "false", "1", "0", "on", "off", ""])])
    .optional()
    .transform((v) => !(v === false || v === "false" || v === "0" || v === "off")),
  detector: z.string().trim().max(100).optional().transform((v) => v || undefined),
  /** The files' licence (e.g. "CC BY 4.0" → cc-by-4.0), shown in export cards; and who to credit. */
  license: licenseField,
  attribution: attributionField,
  /** URL prefixes image names resolve against (server directories are never accepted). */
  imagesUrl: z.string().trim().url().refine((v) => /^https?:\/\/[^/]/i.test(v), "only an http(s) URL is accepted").optional().or(z.literal("").transform(() => undefined)),
});
export type ImportFields = z.infer<typeof importFields>;

/** Uploaded files with these extensions are images; the rest are data files (client and server agree). */
export const IMAGE_FILE = /\.(png|jpe?g|gif|webp)$/i;

export interface ImportCountsDto {
  images: number;
  scenes: number;
  questions: number;
  traces: number;
  steps: number;
  boxes: number;
  /** Step labels (step-labels format); present only when the import held some. */
  labels?: number;
}

export interface ImportedFileDto {
  file: string;
  format: string;
  bytes: number;
}

export interface SkippedLineDto {
  file: string;
  line: number;
  path: string;
  error: string;
}

export interface ImportSummaryDto {
  dataset: string;
  created: ImportCountsDto;
  duplicates: number;
  skipped: SkippedLineDto[];
  warnings: string[];
  dryRun: boolean;
  files: ImportedFileDto[];
  importId: number | null;
  /** Traces no scene was found for: the verifier's scene rules skip them (also the first warning). */
  unverifiable?: number;
  /** The verifier run made right after the import (verify on import); absent when skipped or nothing new. */
  verification?: ImportVerificationDto;
}

export type ImportVerificationDto = { run: number; config: number; traces: number; validRatio: number; avgQuality: number } | { error: string };

export type ImportEvent =
  | { type: "received"; files: Array<{ name: string; bytes: number }>; images: number }
  | { type: "progress"; phase: "validate" | "write" | "verify"; file: string; bytes: number; totalBytes: number; records: number }
  | { type: "result"; summary: ImportSummaryDto }
  | { type: "error"; status: number; error: { code: string; message: string; details: SkippedLineDto[] } };

export interface ImportHistoryItem {
  id: number;
  dataset: string | null;
  files: ImportedFileDto[];
  source: string | null;
  dryRun: boolean;
  /** running | done | failed | deleted (what it created was deleted) */
  status: string;
  created: ImportCountsDto | null;
  duplicates: number;
  skippedCount: number;
  warnings: number;
  error: string | null;
  durationMs: number | null;
  createdAt: string;
  /** A running import's progress, when this server process runs it (background uploads, docs/limits.md). */
  progress?: ImportProgressDto | null;
}

/** Where a running import is: the phase and how far through it (bytes of the files checked; records written of those to write; traces verified). */
export interface ImportProgressDto {
  phase: "received" | "validate" | "write" | "verify";
  file: string;
  bytes: number;
  totalBytes: number;
  records: number;
  /** 0..1 over the whole import (check, write, verify weighted by their usual share). */
  fraction: number;
}

/**
 * GET /api/imports/:id/status — an import started with `Prefer: respond-async` (or any import):
 * its history row, its live progress while it runs here, and once it ended the summary (done) or
 * the error (failed) the synchronous POST would have answered with.
 */
export interface ImportJobDto extends ImportHistoryItem {
  progress: ImportProgressDto | null;
  /** The phases this import went through so far, in order (a poll may miss a short one). */
  phases: Array<"validate" | "write" | "verify">;
  summary: ImportSummaryDto | null;
  failure: { status: number; code: string; message: string; details: SkippedLineDto[] } | null;
}

/** What deleting an import removes (GET /api/imports/:id), and what it keeps because other rows use it. */
export interface ImportContentsDto {
  id: number;
  dataset: string | null;
  status: string;
  dryRun: boolean;
  traces: number;
  steps: number;
  /** Imported labels (step-labels lines, PRM800K ratings, VisProg verdicts) on traces of this or other imports. */
  labels: number;
  boxes: number;
  scenes: number;
  questions: number;
  images: number;
  kept: { scenes: number; questions: number; images: number };
}

/** DELETE /api/imports/:id?confirm=<id>: the id typed again. */
export const importDeleteQuery = z.object({ confirm: z.string() }).strict();

export interface FormatOption {
  name: string;
  summary: string;
}
