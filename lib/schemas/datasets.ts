export interface DatasetSummary {
  id: number;
  name: string;
  description: string | null;
  createdAt: string;
  images: number;
  scenes: number;
  questions: number;
  traces: number;
  steps: number;
  reviewedTraces: number;
}

import { z } from "zod";

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

export const datasetRenameBody = z.object({ name: z.string().trim().min(1, "expected a dataset name").max(200) }).strict();
/** The name typed again: a delete happens only when it matches (the API's confirmation). */
export const datasetDeleteQuery = z.object({ confirm: z.string() }).strict();
