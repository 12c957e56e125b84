import type Database from "better-sqlite3";
import { prepare } from "@/lib/db";
import type { NormalizedStepLabel } from "@/lib/formats/types";

// The import's check pass for step-labels lines (lib/formats/step-labels.ts): the trace must be in
// the dataset (already, or among the traces of the same import) and the step index in range. Reads
// only; one indexed lookup per distinct trace id (Trace @@unique([datasetId, externalId])).

export interface TraceInImport {
  steps: number;
}

export class StepLabelCheck {
  private readonly datasetId: number | null;
  private readonly selectTrace: Database.Statement | null;
  private readonly known = new Map<string, { steps: number } | null>();

  constructor(handle: Database.Database, private readonly dataset: string) {
    const row = prepare(handle, `SELECT "id" FROM "Dataset" WHERE "name" = ?`).get(dataset) as { id: number } | undefined;
    this.datasetId = row?.id ?? null;
    this.selectTrace = this.datasetId === null ? null : prepare(handle, `SELECT "stepCount" AS steps FROM "Trace" WHERE "datasetId" = ? AND "externalId" = ?`);
  }

  /** Why the label cannot be imported, as [path, error], or null. */
  problem(label: NormalizedStepLabel, inImport: (externalId: string) => TraceInImport | undefined): [string, string] | null {
    if (label.dataset !== null && label.dataset.trim() !== this.dataset) {
      return ["$.dataset", `the line is for dataset "${label.dataset}", not "${this.dataset}" (import it into that dataset, or drop the key)`];
    }
    const trace = inImport(label.trace) ?? this.stored(label.trace);
    if (!trace) {
      return ["$.trace", this.datasetId === null ? `unknown trace "${label.trace}": dataset "${this.dataset}" does not exist yet (import its traces first, or in the same import)` : `unknown trace "${label.trace}" in dataset "${this.dataset}"`];
    }
    if (label.step >= trace.steps) {
      return ["$.step", `step ${label.step} is out of range: trace "${label.trace}" has ${trace.steps} step${trace.steps === 1 ? "" : "s"} (0-based indices 0–${Math.max(0, trace.steps - 1)})`];
    }
    return null;
  }

  private stored(externalId: string): { steps: number } | null {
    if (!this.selectTrace) return null;
    if (this.known.has(externalId)) return this.known.get(externalId) ?? null;
    const row = this.selectTrace.get(this.datasetId, externalId) as { steps: number } | undefined;
    const value = row ? { steps: row.steps } : null;
    // bounded: a file of a million distinct unknown ids must not keep a million entries
    if (this.known.size < 200_000) this.known.set(externalId, value);
    return value;
  }
}
