import type { Sql } from "@/lib/db/sql";
import type { NormalizedStepLabel } from "@/lib/formats/types";

// The import's check pass for step-labels lines (lib/formats/step-labels.ts): the trace must be in
// the dataset (already, or among the traces of the same import) and the step index in range. Reads
// only (on the seam, lib/db/sql.ts: both dialects); one indexed lookup per distinct trace id
// (Trace @@unique([datasetId, externalId])).

export interface TraceInImport {
  steps: number;
}

export class StepLabelCheck {
  private readonly known = new Map<string, { steps: number } | null>();

  private constructor(
    private readonly q: Sql,
    private readonly dataset: string,
    private readonly datasetId: number | null,
  ) {}

  static async open(q: Sql, dataset: string): Promise<StepLabelCheck> {
    const row = await q.get<{ id: number }>(`SELECT "id" FROM "Dataset" WHERE "name" = ?`, [dataset]);
    return new StepLabelCheck(q, dataset, row?.id ?? null);
  }

  /** Why the label cannot be imported, as [path, error], or null. */
  async problem(label: NormalizedStepLabel, inImport: (externalId: string) => TraceInImport | undefined): Promise<[string, string] | null> {
    if (label.dataset !== null && label.dataset.trim() !== this.dataset) {
      return ["$.dataset", `the line is for dataset "${label.dataset}", not "${this.dataset}" (import it into that dataset, or drop the key)`];
    }
    const trace = inImport(label.trace) ?? (await this.stored(label.trace));
    if (!trace) {
      return ["$.trace", this.datasetId === null ? `unknown trace "${label.trace}": dataset "${this.dataset}" does not exist yet (import its traces first, or in the same import)` : `unknown trace "${label.trace}" in dataset "${this.dataset}"`];
    }
    if (label.step >= trace.steps) {
      return ["$.step", `step ${label.step} is out of range: trace "${label.trace}" has ${trace.steps} step${trace.steps === 1 ? "" : "s"} (0-based indices 0–${Math.max(0, trace.steps - 1)})`];
    }
    return null;
  }

  private async stored(externalId: string): Promise<{ steps: number } | null> {
    if (this.datasetId === null) return null;
    if (this.known.has(externalId)) return this.known.get(externalId) ?? null;
    const row = await this.q.get<{ steps: number }>(`SELECT "stepCount" AS steps FROM "Trace" WHERE "datasetId" = ? AND "externalId" = ?`, [this.datasetId, externalId]);
    const value = row ? { steps: row.steps } : null;
    // bounded: a file of a million distinct unknown ids must not keep a million entries
    if (this.known.size < 200_000) this.known.set(externalId, value);
    return value;
  }
}
