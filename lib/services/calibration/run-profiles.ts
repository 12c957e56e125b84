import { dialect } from "@/lib/db";
import { readProgram, sql, writeProgram } from "@/lib/db/sql";
import { AppError } from "@/lib/errors";
import { CalibrationStore, ProfileNumbering, type BuildStart, type RunCache } from "@/lib/services/calibration/calibration-sql";
import { RULE_IDS } from "@/lib/verifier/rules";

// The calibration cache of a verifier run (its step profiles). Below both the verifier runs (which
// build it when a run finishes) and calibration (which reads it), so neither imports the other.
//
// A (re)build never holds the database for long (docs/design.md §6 "Calibration", §14): it writes a
// new generation of rows in bounded batches — each its own short transaction, the event loop free
// between them — while readers keep using the served generation; one short transaction then makes
// the new generation the served one, and the superseded rows are removed in batches afterwards.

/** Rule order for display and bit masks: the verifier's catalogue first, then any other rule seen. */
export function orderRules(found: readonly string[], catalogue: readonly string[]): string[] {
  const known = catalogue.filter((r) => found.includes(r));
  const extra = found.filter((r) => !catalogue.includes(r)).sort();
  return [...known, ...extra];
}

export const CATALOGUE: readonly string[] = RULE_IDS;

/** Verdicts folded per build transaction (STEPWISE_CALIBRATION_BATCH overrides: tests use tiny batches). */
const DEFAULT_BATCH_VERDICTS = 25_000;
/** Superseded cache rows removed per transaction. */
const DROP_BATCH = 20_000;

function batchVerdicts(): number {
  const given = Number(process.env.STEPWISE_CALIBRATION_BATCH);
  return Number.isInteger(given) && given > 0 ? given : DEFAULT_BATCH_VERDICTS;
}

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/** A profile cache ready to read: the run's rule (bit) order and the generation of its rows. */
export interface RunProfiles extends RunCache {
  rules: string[];
}

/** Builds in flight in this process, by run: concurrent requests for the same run share one. */
const building = new Map<number, Promise<RunProfiles>>();

/** The run's step profiles, (re)built when missing or stale. */
export async function runProfiles(runId: number): Promise<RunProfiles> {
  const store = new CalibrationStore(dialect());
  const cached = await readProgram(store.cached(runId));
  if (cached?.current) return { runId, generation: cached.generation, rules: cached.rules };
  let pending = building.get(runId);
  if (!pending) {
    pending = rebuild(store, runId).finally(() => building.delete(runId));
    building.set(runId, pending);
  }
  return pending;
}

/** The run's step profiles, (re)built when missing or stale; returns the rule (bit) order. */
export async function ensureRunProfiles(runId: number): Promise<string[]> {
  return (await runProfiles(runId)).rules;
}

async function rebuild(store: CalibrationStore, runId: number): Promise<RunProfiles> {
  // another process may claim or commit a generation at the same time: then look again (bounded)
  for (let attempt = 0; attempt < 5; attempt++) {
    const build = await writeProgram(() => store.beginBuild(runId, (found) => orderRules(found, CATALOGUE)));
    if (build && (await fill(store, build))) {
      await dropSuperseded(store, runId);
      // PostgreSQL plans the report's joins from table statistics: a build adds (and removes) a run's
      // worth of rows at once, more than autovacuum notices in time
      if (dialect() === "postgres") await (await sql()).run(`ANALYZE "CalibrationStep", "CalibrationProfile"`);
      return { runId, generation: build.generation, rules: build.rules };
    }
    const cached = await readProgram(store.cached(runId));
    if (cached?.current) return { runId, generation: cached.generation, rules: cached.rules };
    await yieldToEventLoop();
  }
  throw new AppError("conflict", `the calibration profiles of verifier run ${runId} are being rebuilt by another process; try again`);
}

/** Writes a build's batches and commits it; false when the build no longer counts (see commitBuild). */
async function fill(store: CalibrationStore, build: BuildStart): Promise<boolean> {
  const numbering = new ProfileNumbering();
  const size = batchVerdicts();
  let after: number | null = 0;
  while (after !== null) {
    const from: number = after;
    after = await writeProgram(() => store.buildBatch(build, numbering, from, size));
    await yieldToEventLoop();
  }
  return writeProgram(() => store.commitBuild(build, numbering));
}

/** Removes superseded generations of a run and the caches of deleted runs, in bounded batches. */
async function dropSuperseded(store: CalibrationStore, runId: number): Promise<void> {
  while ((await writeProgram(() => store.dropSupersededBatch(runId, DROP_BATCH))) > 0) await yieldToEventLoop();
  for (let orphan = await readProgram(store.orphanRun()); orphan !== null; orphan = await readProgram(store.orphanRun())) {
    const id = orphan;
    while ((await writeProgram(() => store.dropRunBatch(id, DROP_BATCH))) > 0) await yieldToEventLoop();
  }
}
