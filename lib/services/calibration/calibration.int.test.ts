import { beforeAll, describe, expect, it } from "vitest";
import { db } from "@/lib/db";
import { calibrationQuery, failuresQuery, fitQuery, flipsQuery, type CalibrationQueryInput } from "@/lib/schemas/calibration";
import { getCalibration, getFailures, getFitProposal, getFlips, saveFittedConfig } from "@/lib/services/calibration/calibration";
import { createTestDataset, insertTestRun, type TestDataset } from "@/lib/services/calibration/calibration-test-data";
import { recordStepLabel, recordTraceDecision } from "@/lib/services/review/reviews";

// Calibration's SQL against a real SQLite file: three traces, hand-made verdicts and labels made
// through the review service (two reviewers, a stop-at-first-error marker, a neutral label), so
// every count below can be checked by reading the fixture.
//
//   step          kind         tool    verdicts (run 1)           labels                 → cell
//   T1 s0         plan         —       none                        neutral                 neutral (skip)
//   T1 s1         tool_call    detect  args.schema pass            accept                  tn
//   T1 s2         tool_result  detect  result.reexec fail          reject (stop at error)  tp
//   T1 s3         reasoning    —       reasoning.claims fail,      accept (replaces the    fp
//                                      cross.answer pass           after-error marker)
//   T1 s4         answer       —       final.correct pass          after-error marker      not labelled
//   T2 s0         tool_call    relate  args.schema fail            reject                  tp
//   T2 s1         tool_result  relate  result.reexec pass          accept                  tn
//   T2 s2         reasoning    —       reasoning.claims skip       reject                  skipped
//   T2 s3         answer       —       final.correct fail          reject                  tp
//   T3 s0         tool_call    count   args.schema pass            accept                  tn
//   T3 s1         tool_result  count   result.reexec fail          local reject, bob accept tie
//   T3 s2         answer       —       final.correct pass          bob reject              fn
// T1 is tagged projective, T2 metric + projective, T3 untagged. Trace scores: T1 0.9 (invalid,
// accepted), T2 0.3 (invalid, rejected), T3 0.6 (valid, accepted).

const RULES = { "args.schema": { enabled: true, weight: 1 }, "result.reexec": { enabled: true, weight: 2 }, "reasoning.claims": { enabled: true, weight: 2 }, "cross.answer": { enabled: true, weight: 1 }, "final.correct": { enabled: true, weight: 1 } };

let data: TestDataset;
let run1: number;
let run2: number;
const step = (t: number, s: number) => data.traces[t].steps[s].id;

async function label(stepId: number, value: "accept" | "reject" | "neutral", options: { user?: string; stopAtFirstError?: boolean } = {}) {
  const { version } = await db().step.findUniqueOrThrow({ where: { id: stepId }, select: { version: true } });
  await recordStepLabel(stepId, { label: value, expectedVersion: version, stopAtFirstError: options.stopAtFirstError ?? false, user: options.user });
}

async function decide(traceId: number, decision: "accept" | "reject") {
  const { version } = await db().trace.findUniqueOrThrow({ where: { id: traceId }, select: { version: true } });
  await recordTraceDecision(traceId, { decision, expectedVersion: version });
}

const report = (input: Partial<CalibrationQueryInput> = {}) => getCalibration(calibrationQuery.parse({ dataset: "calib-a", run: run1, ...input }));
const cells = (a: { tp: number; fp: number; fn: number; tn: number }) => [a.tp, a.fp, a.fn, a.tn];

function run1Verdicts() {
  return [
    { stepId: step(0, 1), rule: "args.schema", outcome: "pass" as const },
    { stepId: step(0, 2), rule: "result.reexec", outcome: "fail" as const },
    { stepId: step(0, 3), rule: "reasoning.claims", outcome: "fail" as const, message: "obj_3 is not red" },
    { stepId: step(0, 3), rule: "cross.answer", outcome: "pass" as const },
    { stepId: step(0, 4), rule: "final.correct", outcome: "pass" as const },
    { stepId: step(1, 0), rule: "args.schema", outcome: "fail" as const },
    { stepId: step(1, 1), rule: "result.reexec", outcome: "pass" as const },
    { stepId: step(1, 2), rule: "reasoning.claims", outcome: "skip" as const },
    { stepId: step(1, 3), rule: "final.correct", outcome: "fail" as const },
    { stepId: step(2, 0), rule: "args.schema", outcome: "pass" as const },
    { stepId: step(2, 1), rule: "result.reexec", outcome: "fail" as const },
    { stepId: step(2, 2), rule: "final.correct", outcome: "pass" as const },
  ];
}

beforeAll(async () => {
  data = await createTestDataset("calib-a", [
    { externalId: "T1", classes: ["projective"], steps: [{ kind: "plan" }, { kind: "tool_call", tool: "detect", callId: "c1" }, { kind: "tool_result", callId: "c1" }, { kind: "reasoning" }, { kind: "answer" }] },
    { externalId: "T2", classes: ["metric", "projective"], steps: [{ kind: "tool_call", tool: "relate", callId: "c1" }, { kind: "tool_result", callId: "c1" }, { kind: "reasoning" }, { kind: "answer" }] },
    { externalId: "T3", steps: [{ kind: "tool_call", tool: "count", callId: "c1" }, { kind: "tool_result", callId: "c1" }, { kind: "answer" }] },
  ]);
  const scores = [
    { traceId: data.traces[0].id, quality: 0.9, valid: false, parts: { rules: { "result.reexec": [0, 1, 0], "reasoning.claims": [0, 1, 0] } } },
    { traceId: data.traces[1].id, quality: 0.3, valid: false, parts: { rules: { "args.schema": [0, 1, 0], "final.correct": [0, 1, 0] } } },
    { traceId: data.traces[2].id, quality: 0.6, valid: true, parts: { rules: { "result.reexec": [0, 1, 0] } } },
  ];
  ({ runId: run1 } = await insertTestRun({ datasetId: data.id, rules: RULES, verdicts: run1Verdicts(), scores }));
  // run 2: reasoning.claims switched off — its verdicts are gone
  ({ runId: run2 } = await insertTestRun({
    datasetId: data.id,
    rules: { ...RULES, "reasoning.claims": { enabled: false, weight: 2 } },
    threshold: 0.6,
    verdicts: run1Verdicts().filter((v) => v.rule !== "reasoning.claims"),
    scores,
  }));

  await label(step(0, 0), "neutral");
  await label(step(0, 1), "accept");
  await label(step(0, 2), "reject", { stopAtFirstError: true });
  await label(step(0, 3), "accept");
  await label(step(1, 0), "reject");
  await label(step(1, 1), "accept");
  await label(step(1, 2), "reject");
  await label(step(1, 3), "reject");
  await label(step(2, 0), "accept");
  await label(step(2, 1), "reject");
  await label(step(2, 1), "accept", { user: "bob" });
  await label(step(2, 2), "reject", { user: "bob" });
  await decide(data.traces[0].id, "accept");
  await decide(data.traces[1].id, "reject");
  await decide(data.traces[2].id, "reject");
  await decide(data.traces[2].id, "accept"); // the latest decision is the current one
});

describe("step agreement", () => {
  it("counts the confusion matrix from current labels, leaving out markers, neutral, ties and verifier skips", async () => {
    const r = await report();
    expect(r.run?.id).toBe(run1);
    expect(r.labels).toEqual({ labelled: 11, accept: 4, reject: 5, neutral: 1, ties: 1, excludedNeutral: 1, skipped: 1, included: 8 });
    expect(cells(r.steps)).toEqual([3, 1, 1, 3]);
    expect(r.steps.precision.value).toBe(0.75);
    expect(r.steps.recall.value).toBe(0.75);
    expect(r.steps.kappa.value).toBeCloseTo(0.5, 12);
    expect(r.steps.neutralOutcomes).toEqual({ pass: 0, fail: 0, skip: 1 });
    expect(r.steps.warnings.map((w) => w.code)).toContain("small_n");
    expect(r.reviewers).toEqual(["bob", "local"]);
  });

  it("scores each rule on the steps where it ran, with coverage and false-failure rate", async () => {
    const r = await report();
    expect(r.ruleOrder).toEqual(["args.schema", "result.reexec", "reasoning.claims", "cross.answer", "final.correct"]); // catalogue order
    expect(cells(r.rules["args.schema"])).toEqual([1, 0, 0, 2]);
    expect(r.rules["args.schema"].skipped).toBe(6);
    expect(cells(r.rules["result.reexec"])).toEqual([1, 0, 0, 1]);
    expect(cells(r.rules["reasoning.claims"])).toEqual([0, 1, 0, 0]);
    expect(r.rules["reasoning.claims"].falseFailureRate.value).toBe(1 / 4);
    expect(r.rules["reasoning.claims"].coverage.value).toBe(0);
    expect(cells(r.rules["final.correct"])).toEqual([1, 0, 1, 0]);
    expect(r.rules["final.correct"].coverage.value).toBe(1 / 5);
    expect(cells(r.rules["cross.answer"])).toEqual([0, 0, 0, 1]);
  });

  it("breaks down by kind, tool (a result takes its call's tool) and relation class", async () => {
    const r = await report();
    const table = (rows: Array<{ key: string; tp: number; fp: number; fn: number; tn: number }>) => Object.fromEntries(rows.map((x) => [x.key, cells(x)]));
    expect(table(r.breakdowns.kind)).toEqual({ tool_call: [1, 0, 0, 2], tool_result: [1, 0, 0, 1], reasoning: [0, 1, 0, 0], answer: [1, 0, 1, 0] });
    expect(table(r.breakdowns.tool)).toEqual({ detect: [1, 0, 0, 1], relate: [1, 0, 0, 1], count: [0, 0, 0, 1], "(no tool)": [1, 1, 1, 0] });
    expect(table(r.breakdowns.relationClass!)).toEqual({ projective: [3, 1, 0, 2], metric: [2, 0, 0, 1], "(untagged)": [0, 0, 1, 1] });
  });

  it("filters by reviewer and source and applies the neutral policy", async () => {
    const bob = await report({ reviewer: "bob" });
    expect(cells(bob.steps)).toEqual([0, 1, 1, 0]); // T3 s1 accepted but failing (fp), T3 s2 rejected but passing (fn)
    expect(bob.labels).toMatchObject({ labelled: 2, ties: 0 });
    const external = await report({ source: "external" });
    expect(external.labels.labelled).toBe(0);
    const neutralAsReject = await report({ neutral: "reject" });
    expect(neutralAsReject.labels).toMatchObject({ excludedNeutral: 0, skipped: 2 });
  });
});

describe("trace agreement", () => {
  it("compares quality with the current trace decisions", async () => {
    const r = await report({ targetPrecision: 0.9 });
    expect(r.traces).toMatchObject({ n: 3, accepted: 2, rejected: 1, ties: 0, auc: 1 });
    expect(r.traces.recommended).toMatchObject({ threshold: 0.6, precision: 1, recall: 1, kept: 2 });
    expect(cells(r.traces.valid)).toEqual([1, 1, 0, 1]);
    expect(r.traces.sweep.find((p) => p.threshold === 0.5)).toMatchObject({ precision: 1, recall: 1, kept: 2 });
    expect(r.traces.reliability.bins[9]).toMatchObject({ n: 1, rate: { value: 1 } });
  });
});

describe("failure explorer", () => {
  it("groups failures by rule, kind, tool and relation class with the human labels on them", async () => {
    const f = await getFailures(failuresQuery.parse({ dataset: "calib-a", run: run1 }));
    expect(f).toMatchObject({ totalFailures: 5, totalFailingSteps: 5 });
    const byRule = Object.fromEntries(f.breakdowns.rule.map((r) => [r.key, [r.failures, r.humans.reject, r.humans.accept, r.humans.ties]]));
    expect(byRule).toEqual({ "result.reexec": [2, 1, 0, 1], "args.schema": [1, 1, 0, 0], "final.correct": [1, 1, 0, 0], "reasoning.claims": [1, 0, 1, 0] });
    expect(f.breakdowns.rule.find((r) => r.key === "reasoning.claims")!.confirmed.value).toBe(0);
    expect(Object.fromEntries(f.breakdowns.relationClass!.map((r) => [r.key, r.steps]))).toEqual({ projective: 4, metric: 2, "(untagged)": 1 });
    expect(Object.fromEntries(f.breakdowns.kind.map((r) => [r.key, r.steps]))).toEqual({ tool_result: 2, tool_call: 1, reasoning: 1, answer: 1 });
    expect(f.outcomes.find((o) => o.rule === "reasoning.claims")).toMatchObject({ pass: 0, fail: 1, skip: 1 });
  });

  it("lists example steps for a drill-down, with the human label", async () => {
    const byRule = await getFailures(failuresQuery.parse({ dataset: "calib-a", run: run1, rule: "result.reexec" }));
    expect(byRule.examples.map((e) => [e.externalId, e.stepIndex, e.tool, e.human])).toEqual([
      ["T1", 2, "detect", "reject"],
      ["T3", 1, "count", "tie"],
    ]);
    const byTool = await getFailures(failuresQuery.parse({ dataset: "calib-a", run: run1, tool: "relate" }));
    expect(byTool.examples.map((e) => [e.externalId, e.stepIndex, e.rule])).toEqual([["T2", 0, "args.schema"]]);
    const byClass = await getFailures(failuresQuery.parse({ dataset: "calib-a", run: run1, relationClass: "(untagged)" }));
    expect(byClass.examples.map((e) => e.externalId)).toEqual(["T3"]);
    const claims = await getFailures(failuresQuery.parse({ dataset: "calib-a", run: run1, rule: "reasoning.claims" }));
    expect(claims.examples[0]).toMatchObject({ message: "obj_3 is not red", kind: "reasoning", human: "accept" });
  });

  it("shows the failure trend across runs", async () => {
    const f = await getFailures(failuresQuery.parse({ dataset: "calib-a", run: run2 }));
    const trend = f.trend.filter((p) => p.run === run1 || p.run === run2).map((p) => [p.run, p.failures["reasoning.claims"], p.failures["result.reexec"]]);
    expect(trend).toEqual([[run1, 1, 2], [run2, 0, 2]]);
  });
});

describe("fit", () => {
  it("proposes switching off the rule humans overrule and predicts the agreement it gives", async () => {
    const fit = await getFitProposal(fitQuery.parse({ dataset: "calib-a", run: run1 }));
    expect(fit.target).toBe("steps");
    expect(fit.proposal).toMatchObject({ n: 8, rejects: 4 });
    const coefficient = (rule: string) => fit.proposal.coefficients.find((c) => c.rule === rule)!;
    expect(coefficient("reasoning.claims").beta!).toBeLessThan(0);
    expect(coefficient("reasoning.claims").proposed).toEqual({ enabled: false, weight: 2 });
    expect(coefficient("args.schema").proposed.enabled).toBe(true);
    expect(coefficient("args.schema").proposed.weight).toBe(Math.round(coefficient("args.schema").beta! * 100) / 100);
    expect(coefficient("cross.answer")).toMatchObject({ beta: null, failures: 0, proposed: { enabled: true, weight: 1 } });
    expect(cells(fit.agreement!.current)).toEqual([3, 1, 1, 3]);
    expect(cells(fit.agreement!.proposed)).toEqual([3, 0, 1, 4]);
    expect(fit.parent.version).toBeGreaterThan(0);
  });

  it("fits trace decisions on failing rules per trace when asked", async () => {
    const fit = await getFitProposal(fitQuery.parse({ dataset: "calib-a", run: run1, target: "traces" }));
    expect(fit.proposal).toMatchObject({ n: 3, rejects: 1 });
    expect(fit.proposal.coefficients.find((c) => c.rule === "args.schema")).toMatchObject({ failures: 1, failuresRejected: 1 });
  });
});

describe("saving a fit", () => {
  it("creates a new config version whose parent is the run's config", async () => {
    const fit = await getFitProposal(fitQuery.parse({ dataset: "calib-a", run: run1 }));
    const saved = await saveFittedConfig({ dataset: "calib-a", run: run1, rules: fit.proposal.rules, threshold: 0.55, name: "fitted" });
    expect(saved).toMatchObject({ parentVersion: fit.parent.version, name: "fitted", threshold: 0.55 });
    expect(saved.rules["reasoning.claims"].enabled).toBe(false);
    const row = await db().verifierConfig.findUniqueOrThrow({ where: { version: saved.version }, include: { parent: true } });
    expect(row.parent?.version).toBe(fit.parent.version);
  });

  it("refuses unknown rules", async () => {
    await expect(saveFittedConfig({ dataset: "calib-a", run: run1, rules: { "no.such": { enabled: true, weight: 1 } }, threshold: 0.5 })).rejects.toThrow(/unknown rule\(s\) no.such/);
  });
});

describe("flips", () => {
  it("lists labelled steps whose outcome changed between two runs, with agreement before and after", async () => {
    const flips = await getFlips(flipsQuery.parse({ dataset: "calib-a", before: run1, after: run2 }));
    expect(flips).toMatchObject({ total: 1, fixed: 1, broken: 0, unscored: 0 });
    expect(flips.items).toEqual([
      expect.objectContaining({ externalId: "T1", stepIndex: 3, human: "accept", before: { outcome: "fail", failing: ["reasoning.claims"] }, after: { outcome: "pass", failing: [] }, effect: "fixed" }),
    ]);
    expect(cells(flips.agreement.before)).toEqual([3, 1, 1, 3]);
    expect(cells(flips.agreement.after)).toEqual([3, 0, 1, 4]);
    expect(flips.configChanges).toEqual([{ rule: "reasoning.claims", before: { enabled: true, weight: 2 }, after: { enabled: false, weight: 2 } }]);
    expect(flips.thresholds).toEqual({ before: 0.8, after: 0.6 });
    expect(flips.transitions).toEqual([{ from: "fail", to: "pass", n: 1 }]);
  });

  it("needs two different runs", async () => {
    await expect(getFlips(flipsQuery.parse({ dataset: "calib-a", before: run1, after: run1 }))).rejects.toThrow(/same run/);
  });
});

describe("the per-run cache", () => {
  it("is rebuilt when the run's verdicts change", async () => {
    const { runId } = await insertTestRun({ datasetId: data.id, rules: RULES, verdicts: run1Verdicts() });
    const first = await report({ run: runId });
    expect(first.labels.skipped).toBe(1);
    await db().verdict.create({ data: { runId, stepId: step(1, 2), traceId: data.traces[1].id, rule: "cross.answer", outcome: "fail" } });
    const second = await report({ run: runId });
    expect(second.labels.skipped).toBe(0);
    expect(cells(second.steps)).toEqual([4, 1, 1, 3]);
  });

  it("is rebuilt when relation tags change", async () => {
    const before = await report();
    expect(before.breakdowns.relationClass!.map((r) => r.key)).not.toContain("size");
    const t3 = await db().trace.findUniqueOrThrow({ where: { id: data.traces[2].id }, select: { questionId: true } });
    await db().questionRelation.create({ data: { questionId: t3.questionId!, relation: "bigger", relationClass: "size" } });
    const after = await report();
    expect(after.breakdowns.relationClass!.find((r) => r.key === "size")).toMatchObject({ tp: 0, fp: 0, fn: 1, tn: 1 });
  });
});

describe("errors", () => {
  it("names the missing dataset or run", async () => {
    await expect(getCalibration(calibrationQuery.parse({ dataset: "nope" }))).rejects.toThrow('dataset "nope" not found');
    await expect(report({ run: 999_999 })).rejects.toThrow(/verifier run 999999 not found/);
  });

  it("answers with empty figures before any verifier run", async () => {
    await createTestDataset("calib-empty", [{ externalId: "E1", steps: [{ kind: "answer" }] }]);
    const r = await getCalibration(calibrationQuery.parse({ dataset: "calib-empty" }));
    expect(r).toMatchObject({ run: null, steps: { n: 0 }, traces: { n: 0, auc: null } });
  });
});
