import { db } from "@/lib/db";
import { sql } from "@/lib/db/sql";
import { AppError } from "@/lib/errors";
import { agreementSummary, pairable, perReviewer, rawAgreement, type Unit } from "@/lib/review/reviewer-agreement";
import type { AgreementReport } from "@/lib/schemas/adjudication";

// The agreement dashboard's numbers (docs/design.md §13): every current human label of a dataset,
// grouped per step (and per trace decision), through lib/review/reviewer-agreement.ts.

const VALUE: Record<string, number> = { reject: -1, neutral: 0, accept: 1 };

export async function agreementReport(datasetName: string): Promise<AgreementReport> {
  const dataset = await db().dataset.findUnique({ where: { name: datasetName }, select: { id: true } });
  if (!dataset) throw new AppError("not_found", `dataset "${datasetName}" not found`, [{ path: "query.dataset", error: "no such dataset" }]);
  const reviews = await db().review.findMany({
    where: { trace: { datasetId: dataset.id }, current: true, source: "human", afterError: false, label: { in: Object.keys(VALUE) } },
    select: { stepId: true, traceId: true, label: true, user: { select: { name: true } } },
    orderBy: { id: "asc" },
  });
  const stepUnits = new Map<number, Unit & { traceId: number }>();
  const traceUnits = new Map<number, Unit>();
  for (const r of reviews) {
    if (r.stepId !== null) {
      const unit = stepUnits.get(r.stepId) ?? { id: r.stepId, traceId: r.traceId, ratings: [] };
      unit.ratings.push({ rater: r.user.name, value: VALUE[r.label] });
      stepUnits.set(r.stepId, unit);
    } else if (r.label !== "neutral") {
      const unit = traceUnits.get(r.traceId) ?? { id: r.traceId, ratings: [] };
      unit.ratings.push({ rater: r.user.name, value: VALUE[r.label] });
      traceUnits.set(r.traceId, unit);
    }
  }
  const steps = [...stepUnits.values()];
  const shared = pairable(steps) as Array<Unit & { traceId: number }>;

  // the verifier's outcome per shared step in the dataset's latest finished run (calibration's
  // default run): fail if any rule failed, else pass
  const outcomes = new Map<number, "pass" | "fail">();
  if (shared.length) {
    const verdicts = await (await sql()).all<{ stepId: number; fails: number; passes: number }>(
      `SELECT v."stepId" AS stepId, SUM(CASE WHEN v."outcome" = 'fail' THEN 1 ELSE 0 END) AS fails, SUM(CASE WHEN v."outcome" = 'pass' THEN 1 ELSE 0 END) AS passes
       FROM "Verdict" v
       WHERE v."runId" = (SELECT "id" FROM "VerifierRun" WHERE "datasetId" = ? AND "status" = 'done' ORDER BY "id" DESC LIMIT 1) AND v."stepId" IS NOT NULL
       GROUP BY v."stepId"`,
      [dataset.id],
    );
    for (const v of verdicts) if (Number(v.fails) > 0) outcomes.set(Number(v.stepId), "fail");
    else if (Number(v.passes) > 0) outcomes.set(Number(v.stepId), "pass");
  }

  const byTrace = new Map<number, Unit[]>();
  for (const unit of shared) byTrace.set(unit.traceId, [...(byTrace.get(unit.traceId) ?? []), unit]);
  const questions = new Map((await db().trace.findMany({ where: { id: { in: [...byTrace.keys()] } }, select: { id: true, question: true } })).map((t) => [t.id, t.question]));
  const perTrace = [...byTrace.entries()]
    .map(([traceId, units]) => {
      const agreed = units.filter((u) => new Set(u.ratings.map((r) => r.value)).size === 1).length;
      return { traceId, question: questions.get(traceId) ?? "", steps: units.length, agreed, raw: rawAgreement(units), reviewers: [...new Set(units.flatMap((u) => u.ratings.map((r) => r.rater)))].sort() };
    })
    .sort((a, b) => a.agreed / a.steps - b.agreed / b.steps || a.traceId - b.traceId);

  return {
    dataset: datasetName,
    steps: agreementSummary(steps, [-1, 0, 1]),
    traces: agreementSummary([...traceUnits.values()], [-1, 1]),
    reviewers: perReviewer(steps, outcomes),
    perTrace,
  };
}
