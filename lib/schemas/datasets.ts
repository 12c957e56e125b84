export interface DatasetSummary {
  id: number;
  name: string;
  description: string | null;
  license?: string | null;
  attribution?: string | null;
  createdAt: string;
  images: number;
  scenes: number;
  questions: number;
  traces: number;
  steps: number;
  reviewedTraces: number;
}

import { z } from "zod";
import { attributionField, licenseField } from "@/lib/schemas/license";

/** What deleting a dataset removes (shown before the user confirms). */
export interface DatasetContents {
  name: string;
  traces: number;
  steps: number;
  questions: number;
  images: number;
  scenes: number;
  runs: number;
  reviews: number;
}

/** PATCH /api/datasets/NAME: a new name, and/or the licence and attribution shown in export cards. */
export const datasetRenameBody = z
  .object({ name: z.string().trim().min(1, "expected a dataset name").max(200).optional(), license: licenseField, attribution: attributionField })
  .strict()
  .refine((b) => b.name !== undefined || b.license !== undefined || b.attribution !== undefined, "expected name, license or attribution");
/** The name typed again: a delete happens only when it matches (the API's confirmation). */
export const datasetDeleteQuery = z.object({ confirm: z.string() }).strict();

/** One dataset card of the datasets dashboard (lib/services/traces/dashboard.ts). */
export interface DatasetDashboard {
  datasetId: number;
  /** latest finished verifier run, null when never verified */
  latestRun: number | null;
  /** latest run's quality scores in bins over their own span */
  histogram: Array<{ from: number; to: number; count: number }>;
  /** finished runs, oldest first (the newest few) */
  runs: Array<{ run: number; startedAt: string; validRatio: number | null; avgQuality: number | null; traces: number }>;
  review: { traces: number; complete: number; partial: number; decided: number };
  /** rules failing most steps in the latest run */
  topRules: Array<{ rule: string; steps: number; traces: number }>;
  /** steps some rule checked in the latest run, of all steps */
  coverage: { steps: number; checked: number } | null;
}
