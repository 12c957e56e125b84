import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { db } from "@/lib/db";
import { calibrationQuery, fitQuery } from "@/lib/schemas/calibration";
import { getCalibration, getFitProposal } from "@/lib/services/calibration/calibration";
import { importFiles } from "@/lib/services/import/imports";
import { runVerifier } from "@/lib/services/verify/verify";

// Imported human labels flow into calibration end to end: the real import path (PRM800K step
// ratings, VisProg trace verdicts as external Review rows), the real verifier, then calibration.
// The expected figures are recomputed here from the stored rows with Prisma, one step at a time —
// an independent path from calibration's grouped SQL.

const PRM800K = path.resolve("fixtures/prm800k/prm800k_sample_records.jsonl");
const VISPROG = path.resolve("prisma/demo/visprog/visprog_gqa100_traces_nohtml.jsonl");

type Label = "accept" | "reject" | "neutral";

/** Per labelled step: the plurality label and the verifier outcome in the run, from Prisma rows. */
async function expectedSteps(dataset: string, runId: number) {
  const reviews = await db().review.findMany({
    where: { trace: { dataset: { name: dataset } }, current: true, stepId: { not: null }, afterError: false, label: { in: ["accept", "reject", "neutral"] } },
    select: { stepId: true, label: true },
  });
  const votes = new Map<number, Record<Label, number>>();
  for (const r of reviews) {
    const v = votes.get(r.stepId!) ?? { accept: 0, reject: 0, neutral: 0 };
    v[r.label as Label]++;
    votes.set(r.stepId!, v);
  }
  const verdicts = await db().verdict.findMany({ where: { runId, stepId: { in: [...votes.keys()] } }, select: { stepId: true, outcome: true } });
  const outcome = new Map<number, "pass" | "fail" | "skip">();
  for (const v of verdicts) {
    const now = outcome.get(v.stepId) ?? "skip";
    if (v.outcome === "fail" || (v.outcome === "pass" && now === "skip")) outcome.set(v.stepId, v.outcome);
  }
  const cells = { tp: 0, fp: 0, fn: 0, tn: 0, skipped: 0, neutral: 0, labelled: votes.size };
  for (const [stepId, v] of votes) {
    const top = Math.max(v.accept, v.reject, v.neutral);
    const winners = (Object.keys(v) as Label[]).filter((k) => v[k] === top);
    if (winners.length !== 1) continue;
    if (winners[0] === "neutral") {
      cells.neutral++;
      continue;
    }
    const o = outcome.get(stepId) ?? "skip";
    if (o === "skip") cells.skipped++;
    else if (o === "fail") cells[winners[0] === "reject" ? "tp" : "fp"]++;
    else cells[winners[0] === "reject" ? "fn" : "tn"]++;
  }
  return cells;
}

describe("PRM800K step ratings", () => {
  let runId: number;

  beforeAll(async () => {
    await importFiles({ files: [PRM800K], dataset: "prm800k", source: "cli" });
    runId = (await runVerifier({ dataset: "prm800k" })).run;
  });

  it("count as external labels in the confusion matrix, with neutral (rating 0) left out and verifier skips reported", async () => {
    const report = await getCalibration(calibrationQuery.parse({ dataset: "prm800k" }));
    const expected = await expectedSteps("prm800k", runId);
    expect(expected.labelled).toBeGreaterThan(50);
    expect(report.labels.labelled).toBe(expected.labelled);
    expect(report.labels.neutral).toBe(expected.neutral);
    expect(report.labels.skipped).toBe(expected.skipped);
    expect({ tp: report.steps.tp, fp: report.steps.fp, fn: report.steps.fn, tn: report.steps.tn }).toEqual({ tp: expected.tp, fp: expected.fp, fn: expected.fn, tn: expected.tn });
    // no scene graph: reasoning claims cannot be checked, answers can
    expect(report.steps.n).toBeGreaterThan(0);
    expect(report.rules["reasoning.claims"]?.n ?? 0).toBe(0);
    expect(Object.keys(report.breakdowns.kind.reduce((k, r) => ({ ...k, [r.key]: 1 }), {}))).toEqual(["answer"]);
    expect(report.reviewers).toEqual(["external:prm800k"]);
  });

  it("filters by source: the labels are external, none were made in Stepwise", async () => {
    const human = await getCalibration(calibrationQuery.parse({ dataset: "prm800k", source: "human" }));
    const external = await getCalibration(calibrationQuery.parse({ dataset: "prm800k", source: "external" }));
    expect(human.labels.labelled).toBe(0);
    expect(external.labels.labelled).toBe((await expectedSteps("prm800k", runId)).labelled);
  });

  it("counts neutral ratings as rejects on request", async () => {
    const expected = await expectedSteps("prm800k", runId);
    const report = await getCalibration(calibrationQuery.parse({ dataset: "prm800k", neutral: "reject" }));
    expect(report.labels.excludedNeutral).toBe(0);
    expect(report.labels.included + report.labels.skipped).toBe(expected.tp + expected.fp + expected.fn + expected.tn + expected.skipped + expected.neutral);
  });
});

describe("VisProg trace verdicts", () => {
  let runId: number;

  beforeAll(async () => {
    await importFiles({ files: [VISPROG], dataset: "visprog", source: "cli" });
    runId = (await runVerifier({ dataset: "visprog" })).run;
  });

  it("are the trace decisions the quality score is scored against", async () => {
    const report = await getCalibration(calibrationQuery.parse({ dataset: "visprog", targetPrecision: 0.6 }));
    expect(report.traces).toMatchObject({ n: 100, accepted: 34, rejected: 66, ties: 0 });
    // AUC by brute force over every accepted × rejected pair, from Prisma rows
    const decisions = await db().review.findMany({ where: { trace: { dataset: { name: "visprog" } }, stepId: null, current: true }, select: { traceId: true, label: true } });
    const scores = new Map((await db().traceScore.findMany({ where: { runId }, select: { traceId: true, quality: true } })).map((s) => [s.traceId, s.quality]));
    const good = decisions.filter((d) => d.label === "accept").map((d) => scores.get(d.traceId)!);
    const bad = decisions.filter((d) => d.label === "reject").map((d) => scores.get(d.traceId)!);
    let wins = 0;
    for (const g of good) for (const b of bad) wins += g > b ? 1 : g === b ? 0.5 : 0;
    expect(report.traces.auc).toBeCloseTo(wins / (good.length * bad.length), 12);
    const kept = (t: number) => [good.filter((q) => q >= t).length, bad.filter((q) => q >= t).length];
    const at = report.traces.sweep.find((p) => p.threshold === 0.5)!;
    const [g5, b5] = kept(0.5);
    expect(at).toMatchObject({ kept: g5 + b5, recall: g5 / good.length });
    if (report.traces.recommended) expect(report.traces.recommended.precision).toBeGreaterThanOrEqual(0.6);
  });

  it("fit on trace decisions when there are no step labels", async () => {
    const fit = await getFitProposal(fitQuery.parse({ dataset: "visprog" }));
    expect(fit.target).toBe("traces");
    expect(fit.proposal.n).toBe(100);
    expect(fit.proposal.rejects).toBe(66);
    expect(fit.agreement).toBeNull();
  });
});
