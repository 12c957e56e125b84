import { db } from "@/lib/db";
import type { ImportVerificationDto } from "@/lib/schemas/imports";
import { runVerifier } from "@/lib/services/verify/verify";

// Verify on import (on by default in the CLI, the API and the import page; --no-verify / verify=false
// skips it): after the import committed new traces, a verifier run over the dataset with the newest
// verifier config, so quality and validity are there when the user opens the traces. A run is per
// dataset (docs/design.md §5), so it also re-reads the traces imported before. The import stands
// whatever happens here: a failed run is reported, never rolled into the import's outcome.

export async function verifyImported(dataset: string, onProgress?: (done: number, total: number) => void): Promise<ImportVerificationDto> {
  try {
    const newest = await db().verifierConfig.findFirst({ orderBy: { version: "desc" }, select: { version: true } });
    const run = await runVerifier({ dataset, config: newest?.version, onProgress });
    return { run: run.run, config: run.config, traces: run.traces, validRatio: run.metrics.overall.validRatio, avgQuality: run.metrics.overall.avgQuality };
  } catch (error) {
    return { error: `the verifier did not run after the import: ${(error as Error).message} (the import itself is complete; verify dataset "${dataset}" later)` };
  }
}
