import { db } from "@/lib/db";
import { sql } from "@/lib/db/sql";
import { AppError } from "@/lib/errors";
import { configEffect, type StoredScore } from "@/lib/calibration/effect";
import type { FitEffectBody, FitEffectDto } from "@/lib/schemas/calibration";
import { runSettings } from "@/lib/services/verify/verifier-configs";
import type { VerifierSettings } from "@/lib/verifier/config";
import { RULE_IDS, type RuleId } from "@/lib/verifier/rules";

// What saving a fitted config would change on the run it was fitted on (docs/calibration.md): valid
// ratio and kept traces before → after and the traces that flip, from the run's stored score parts
// (lib/calibration/effect.ts) — shown beside Fit's Save button before anything is written.

export type { FitEffectDto };

export async function fitEffect(body: FitEffectBody): Promise<FitEffectDto> {
  const dataset = await db().dataset.findUnique({ where: { name: body.dataset }, select: { id: true, name: true } });
  if (!dataset) throw new AppError("not_found", `dataset "${body.dataset}" not found`);
  const run = await db().verifierRun.findFirst({ where: { id: body.run, datasetId: dataset.id, status: "done" }, select: { id: true } });
  if (!run) throw new AppError("not_found", `dataset "${dataset.name}" has no finished verifier run ${body.run}`, [{ path: "run", error: "unknown run" }]);
  const unknown = Object.keys(body.rules).filter((rule) => !(RULE_IDS as readonly string[]).includes(rule));
  if (unknown.length) throw new AppError("invalid_input", `unknown rule(s) ${unknown.join(", ")}`, unknown.map((rule) => ({ path: `rules.${rule}`, error: "unknown rule" })));
  const current = await runSettings(run.id);
  const proposed: VerifierSettings = { ...current, threshold: body.threshold, rules: { ...current.rules, ...(body.rules as Partial<Record<RuleId, { enabled: boolean; weight: number }>>) } };
  const rows = await (await sql()).all<{ traceId: number; quality: number; valid: number; parts: string | null }>(`SELECT "traceId", "quality", "valid", "parts" FROM "TraceScore" WHERE "runId" = ? ORDER BY "traceId"`, [run.id]);
  const scores: StoredScore[] = rows.map((r) => ({ traceId: r.traceId, quality: r.quality, valid: r.valid === 1, parts: r.parts ? (JSON.parse(r.parts) as StoredScore["parts"]) : null }));
  return { dataset: dataset.name, run: run.id, ...configEffect(scores, current, proposed) };
}
