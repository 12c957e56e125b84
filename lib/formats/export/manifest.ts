import type { ExportFileEntry, ImageMode } from "@/lib/schemas/exports";
import type { ExportSummary } from "@/lib/formats/export/card";

// manifest.json: the full configuration and the sha256, size and row count of every file (data
// shards, the card, and images.sha256, which lists every copied image with its sha256 — images
// are content-addressed, so the manifest states their layout and count instead of listing each). Pretty-printed with a fixed key
// order and no timestamps: the same export always yields the same bytes.

export const EXPORT_SCHEMA_ID = "stepwise.export/v1";
export const GENERATOR = "stepwise 0.1.0";
export const IMAGE_LAYOUT = "images/<sha256[0:2]>/<sha256>.<ext>";

export interface Manifest {
  schema: typeof EXPORT_SCHEMA_ID;
  generator: string;
  title: string;
  format: string;
  config: ExportSummary["config"];
  verifier: ExportSummary["verifier"];
  counts: ExportSummary["counts"];
  skipped: ExportSummary["skipped"];
  labels: ExportSummary["labels"];
  agreement: ExportSummary["agreement"];
  sources: ExportSummary["sources"];
  warnings: string[];
  images: { mode: ImageMode; count: number; layout: string | null };
  files: ExportFileEntry[];
}

export function buildManifest(summary: ExportSummary, card: ExportFileEntry): Manifest {
  return {
    schema: EXPORT_SCHEMA_ID,
    generator: GENERATOR,
    title: summary.title,
    format: summary.config.format,
    config: summary.config,
    verifier: summary.verifier,
    counts: summary.counts,
    skipped: summary.skipped,
    labels: summary.labels,
    agreement: summary.agreement,
    sources: summary.sources,
    warnings: summary.warnings,
    images: { mode: summary.config.images, count: summary.counts.images, layout: summary.config.images === "copy" ? IMAGE_LAYOUT : null },
    files: [card, ...summary.files],
  };
}

export function renderManifest(manifest: Manifest): string {
  return `${JSON.stringify(manifest, null, 2)}\n`;
}
