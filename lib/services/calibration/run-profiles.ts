import { dialect } from "@/lib/db";
import { readProgram, writeProgram } from "@/lib/db/sql";
import { CalibrationStore } from "@/lib/services/calibration/calibration-sql";
import { RULE_IDS } from "@/lib/verifier/rules";

// The calibration cache of a verifier run (its step profiles). Below both the verifier runs (which
// build it when a run finishes) and calibration (which reads it), so neither imports the other.

/** Rule order for display and bit masks: the verifier's catalogue first, then any other rule seen. */
export function orderRules(found: readonly string[], catalogue: readonly string[]): string[] {
  const known = catalogue.filter((r) => found.includes(r));
  const extra = found.filter((r) => !catalogue.includes(r)).sort();
  return [...known, ...extra];
}

export const CATALOGUE: readonly string[] = RULE_IDS;

/** The run's step profiles, (re)built when missing or stale; returns the rule (bit) order. */
export async function ensureRunProfiles(runId: number): Promise<string[]> {
  const store = new CalibrationStore(dialect());
  const rules = await readProgram(store.cachedRules(runId));
  if (rules) return rules;
  return writeProgram(function* () {
    const again = yield* store.cachedRules(runId); // another request may have built it meanwhile
    if (again) return again;
    const order = orderRules(yield* store.runRules(runId), CATALOGUE);
    yield* store.buildRunCache(runId, order);
    return order;
  });
}

