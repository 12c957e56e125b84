import type { CoverageByKind, CoverageDto } from "@/lib/schemas/verifier";
import { sql } from "@/lib/db/sql";
import { RULE_IDS, RULES } from "@/lib/verifier/rules";
import { uncheckedReason } from "@/lib/verifier/verify";

// Coverage (docs/design.md §5): per step kind, the steps some rule checked and those no rule could,
// with the reasons. In a run it is tallied from the verifier's answer; for a stored run it is read
// back from its verdicts with the same definition: a step is checked when a rule failed on it or a
// rule other than cross.pairing passed; an unchecked step's reason is its first skip message (of a
// rule other than cross.pairing), or that no rule checks its kind.

export interface CoverageTally {
  kinds: CoverageByKind;
  reasons: Record<string, number>;
}

export function tallyCoverage(steps: ReadonlyArray<{ kind: string }>, coverage: ReadonlyArray<string | null>): CoverageTally {
  const tally: CoverageTally = { kinds: {}, reasons: {} };
  steps.forEach((step, i) => {
    const row = (tally.kinds[step.kind] ??= { checked: 0, unchecked: 0 });
    const reason = coverage[i];
    if (reason === null) row.checked++;
    else {
      row.unchecked++;
      tally.reasons[reason] = (tally.reasons[reason] ?? 0) + 1;
    }
  });
  return tally;
}

export function mergeCoverage(tallies: CoverageTally[]): CoverageTally {
  const merged: CoverageTally = { kinds: {}, reasons: {} };
  for (const tally of tallies) {
    for (const [kind, row] of Object.entries(tally.kinds)) {
      const into = (merged.kinds[kind] ??= { checked: 0, unchecked: 0 });
      into.checked += row.checked;
      into.unchecked += row.unchecked;
    }
    for (const [reason, n] of Object.entries(tally.reasons)) merged.reasons[reason] = (merged.reasons[reason] ?? 0) + n;
  }
  return merged;
}

/** Rules whose verdicts decide coverage (RuleDefinition.covers; not cross.pairing). */
export const CONTENT_RULES = RULE_IDS.filter((id) => RULES[id].covers !== false).map((id) => `'${id}'`).join(", ");

/** The coverage of a stored run over its dataset's steps. */
export async function runCoverage(runId: number, datasetId: number): Promise<CoverageDto> {
  const q = await sql();
  const rows = await q.all<{ kind: string; traceId: number; checked: number; reason: string | null }>(
    `SELECT s."kind" AS "kind", s."traceId" AS "traceId",
       EXISTS (SELECT 1 FROM "Verdict" v WHERE v."runId" = ? AND v."stepId" = s."id" AND (v."outcome" = 'fail' OR (v."outcome" = 'pass' AND v."rule" IN (${CONTENT_RULES})))) AS "checked",
       (SELECT v."message" FROM "Verdict" v WHERE v."runId" = ? AND v."stepId" = s."id" AND v."outcome" = 'skip' AND v."rule" IN (${CONTENT_RULES}) ORDER BY v."id" LIMIT 1) AS "reason"
     FROM "Step" s JOIN "Trace" t ON t."id" = s."traceId" WHERE t."datasetId" = ?`,
    [runId, runId, datasetId],
  );
  const kinds: CoverageByKind = {};
  const reasons = new Map<string, { kind: string; reason: string; steps: number }>();
  const traces = new Set<number>();
  let checked = 0;
  let unchecked = 0;
  for (const row of rows) {
    const into = (kinds[row.kind] ??= { checked: 0, unchecked: 0 });
    if (row.checked) {
      into.checked++;
      checked++;
      continue;
    }
    into.unchecked++;
    unchecked++;
    traces.add(row.traceId);
    const reason = row.reason ?? uncheckedReason(row.kind);
    const key = `${row.kind}\u0000${reason}`;
    const entry = reasons.get(key) ?? { kind: row.kind, reason, steps: 0 };
    entry.steps++;
    reasons.set(key, entry);
  }
  return { kinds, reasons: [...reasons.values()].sort((a, b) => b.steps - a.steps), checked, unchecked, tracesWithUnchecked: traces.size };
}
