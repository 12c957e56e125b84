// Trace.disagreements = steps whose current human label contradicts the trace's latest verifier
// run: a rejected step the run passed, or an accepted step the run failed. One UPDATE, shared by the
// review service (after a label) and the verifier (after a run); `scope` is a WHERE clause on Trace
// with bound parameters.

/** The disagreements of the "Trace" row being updated (a correlated subquery for a SET). */
export const DISAGREEMENTS_OF_TRACE = `(
      SELECT COUNT(*) FROM "Review" r
      WHERE r."traceId" = "Trace"."id" AND r."current" = TRUE AND r."source" = 'human' AND r."stepId" IS NOT NULL
        AND "Trace"."runId" IS NOT NULL
        AND (
          (r."label" = 'reject'
            AND EXISTS (SELECT 1 FROM "Verdict" v WHERE v."runId" = "Trace"."runId" AND v."stepId" = r."stepId" AND v."outcome" = 'pass')
            AND NOT EXISTS (SELECT 1 FROM "Verdict" v WHERE v."runId" = "Trace"."runId" AND v."stepId" = r."stepId" AND v."outcome" = 'fail'))
          OR (r."label" = 'accept'
            AND EXISTS (SELECT 1 FROM "Verdict" v WHERE v."runId" = "Trace"."runId" AND v."stepId" = r."stepId" AND v."outcome" = 'fail'))
        )
    )`;

/** The label state of the "Trace" row being updated: steps with a current human label (after-error markers included) over all steps. */
export const LABEL_STATE_OF_TRACE = (() => {
  const labelled = `(SELECT COUNT(*) FROM "Step" s WHERE s."traceId" = "Trace"."id" AND EXISTS (SELECT 1 FROM "Review" r WHERE r."stepId" = s."id" AND r."current" = TRUE AND r."source" = 'human'))`;
  const total = `(SELECT COUNT(*) FROM "Step" s WHERE s."traceId" = "Trace"."id")`;
  return `CASE WHEN ${labelled} = 0 THEN 'unlabeled' WHEN ${labelled} >= ${total} THEN 'complete' ELSE 'partial' END`;
})();

/**
 * The UPDATE of Trace.disagreements over the traces `scope` selects. Only rows whose count changes
 * are written: a trace with no current human step label and a count of 0 keeps it without the
 * count being computed, and the rest only when the count differs. After a verifier run over a
 * dataset nobody has labelled, that writes no row at all, where rewriting every one cost ~1.7 s
 * per 20,000 traces on PostgreSQL (a new row version each) — serial time at the end of every run.
 */
export function disagreementsSql(scope: string): string {
  return `
    UPDATE "Trace" SET "disagreements" = ${DISAGREEMENTS_OF_TRACE}
    WHERE (${scope})
      AND ("disagreements" <> 0 OR EXISTS (
        SELECT 1 FROM "Review" r WHERE r."traceId" = "Trace"."id" AND r."current" = TRUE AND r."source" = 'human' AND r."stepId" IS NOT NULL))
      AND "disagreements" <> ${DISAGREEMENTS_OF_TRACE}`;
}

/** ",rule.a,rule.b," — the failing rules of a trace, searchable with LIKE '%,rule,%'. */
export function failingRulesText(rules: Iterable<string>): string | null {
  const unique = [...new Set(rules)].sort();
  return unique.length ? `,${unique.join(",")},` : null;
}

/** The rules of a failingRulesText back as a list ([] for null). */
export const failingRulesList = (text: string | null): string[] => (text ? text.split(",").filter(Boolean) : []);

/** What failingRulesText contains when `rule` is among them (a substring match finds it). */
export const failingRuleNeedle = (rule: string): string => `,${rule},`;
