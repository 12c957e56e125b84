import { beforeAll, describe, expect, it } from "vitest";
import { db } from "@/lib/db";
import { run as exec, writeProgram } from "@/lib/db/sql";
import { calibrationQuery, failuresQuery, fitQuery, type CalibrationQueryInput } from "@/lib/schemas/calibration";
import { getCalibration, getFailures, getFitProposal } from "@/lib/services/calibration/calibration";
import { createTestDataset, insertTestRun, type TestDataset } from "@/lib/services/calibration/calibration-test-data";
import { recordStepLabel, recordTraceDecision } from "@/lib/services/review/reviews";

// The folded label groups (CalibrationGroups): the report reads them while nothing they stand for
// changed, and every way a label changes — the review service, a raw UPDATE or DELETE of Review
// (bulk undo, import rollback), a trace decision — shows in the very next report, which must
// equal a report folded from scratch. Runs on both dialects (the label clock is a trigger on each).

const RULES = { "args.schema": { enabled: true, weight: 1 }, "result.reexec": { enabled: true, weight: 1 }, "final.correct": { enabled: true, weight: 1 } };

let data: TestDataset;
let other: TestDataset;
let runId: number;
const step = (t: number, s: number) => data.traces[t].steps[s].id;

async function label(stepId: number, value: "accept" | "reject" | "neutral", user?: string) {
  const { version } = await db().step.findUniqueOrThrow({ where: { id: stepId }, select: { version: true } });
  await recordStepLabel(stepId, { label: value, expectedVersion: version, stopAtFirstError: false, user });
}

async function decide(traceId: number, decision: "accept" | "reject") {
  const { version } = await db().trace.findUniqueOrThrow({ where: { id: traceId }, select: { version: true } });
  await recordTraceDecision(traceId, { decision, expectedVersion: version });
}

const report = (input: Partial<CalibrationQueryInput> = {}) => getCalibration(calibrationQuery.parse({ dataset: "groups-a", run: runId, ...input }));
const stored = () => db().calibrationGroups.findMany({ where: { runId }, orderBy: { filter: "asc" } });

/** The same report folded from the labels (the stored groups removed first). */
async function folded(input: Partial<CalibrationQueryInput> = {}) {
  await db().calibrationGroups.deleteMany({ where: { runId } });
  return report(input);
}

const shape = [{ kind: "tool_call" as const, tool: "detect", callId: "c0" }, { kind: "tool_result" as const, callId: "c0" }, { kind: "answer" as const }];

beforeAll(async () => {
  data = await createTestDataset("groups-a", [
    { externalId: "g1", steps: shape, classes: ["metric"] },
    { externalId: "g2", steps: shape },
  ]);
  other = await createTestDataset("groups-b", [{ externalId: "o1", steps: shape }]);
  const verdicts = data.traces.flatMap((t, i) => [
    { stepId: t.steps[0].id, rule: "args.schema", outcome: i === 0 ? ("fail" as const) : ("pass" as const) },
    { stepId: t.steps[1].id, rule: "result.reexec", outcome: "pass" as const },
    { stepId: t.steps[2].id, rule: "final.correct", outcome: i === 0 ? ("pass" as const) : ("fail" as const) },
  ]);
  runId = (await insertTestRun({ datasetId: data.id, rules: RULES, verdicts, scores: [
    { traceId: data.traces[0].id, quality: 0.4, valid: false, parts: { completeness: 1, final: 1, rules: { "args.schema": [0, 1, 0], "result.reexec": [1, 0, 0], "final.correct": [1, 0, 0] } } },
    { traceId: data.traces[1].id, quality: 0.9, valid: true, parts: { completeness: 1, final: 0, rules: { "args.schema": [1, 0, 0], "result.reexec": [1, 0, 0], "final.correct": [0, 1, 0] } } },
  ] })).runId;
  await insertTestRun({ datasetId: other.id, rules: RULES, verdicts: [{ stepId: other.traces[0].steps[0].id, rule: "args.schema", outcome: "pass" }] });
  await label(step(0, 0), "reject");
  await label(step(0, 1), "accept");
  await label(step(1, 2), "accept");
  await decide(data.traces[0].id, "reject");
});

describe("folded label groups", () => {
  it("are stored by the first report and read by the next", async () => {
    const first = await report();
    expect(first.labels.included).toBe(3);
    const rows = await stored();
    expect(rows.map((r) => r.filter)).toEqual(["all"]);
    expect(await report()).toEqual(first);
    // the warm report reads the stored rows: emptied under the same stamp, the report is empty
    await db().calibrationGroups.update({ where: { runId_filter: { runId, filter: "all" } }, data: { steps: "[]", traces: "[]" } });
    const emptied = await report();
    expect(emptied.labels.included).toBe(0);
    expect(emptied.traces.n).toBe(0);
    expect(await folded()).toEqual(first);
  });

  it("show a label written through the review service in the next report", async () => {
    const before = await report();
    await label(step(1, 2), "reject");
    const after = await report();
    expect(after).not.toEqual(before);
    expect(after.steps.tp).toBe(before.steps.tp + 1);
    expect(after.steps.fp).toBe(before.steps.fp - 1);
    expect(await folded()).toEqual(after);
  });

  it("show raw UPDATE and DELETE of Review rows (bulk undo, import rollback)", async () => {
    const before = await report();
    await writeProgram(() => exec(`UPDATE "Review" SET "current" = FALSE WHERE "stepId" = ? AND "current" = TRUE`, step(0, 0)));
    const retired = await report();
    expect(retired.labels.included).toBe(before.labels.included - 1);
    expect(await folded()).toEqual(retired);
    await report();
    await writeProgram(() => exec(`DELETE FROM "Review" WHERE "stepId" = ?`, step(0, 1)));
    const deleted = await report();
    expect(deleted.labels.included).toBe(retired.labels.included - 1);
    expect(await folded()).toEqual(deleted);
  });

  it("show a trace decision in the next report", async () => {
    const before = await report();
    await decide(data.traces[1].id, "accept");
    const after = await report();
    expect(after.traces.n).toBe(before.traces.n + 1);
    expect(await folded()).toEqual(after);
  });

  it("stay stored when another dataset is labelled", async () => {
    await report();
    const stamp = (await stored())[0].stamp;
    await label(other.traces[0].steps[0].id, "reject");
    await report();
    expect((await stored())[0].stamp).toBe(stamp);
  });

  it("are kept per label filter, a reviewer by account: a renamed reviewer shows under the new name", async () => {
    await label(step(0, 2), "reject", "carol");
    const carol = await report({ reviewer: "carol" });
    expect(carol.labels.included).toBe(1);
    const user = await db().user.findUniqueOrThrow({ where: { name: "carol" } });
    expect((await stored()).map((r) => r.filter)).toContain(`all:${user.id}`);
    expect((await report()).reviewers).toContain("carol");
    await db().user.update({ where: { id: user.id }, data: { name: "caroline" } });
    const renamed = await report();
    expect(renamed.reviewers).toContain("caroline");
    expect(renamed.reviewers).not.toContain("carol");
    expect((await report({ reviewer: "caroline" })).labels).toEqual(carol.labels);
    expect((await report({ reviewer: "carol" })).labels.included).toBe(0);
  });

  it("serve the fit and the failure explorer the same rows; the fit's trace parts are stored with them", async () => {
    const fitOf = () => getFitProposal(fitQuery.parse({ dataset: "groups-a", run: runId, target: "traces" }));
    await report();
    expect((await stored()).find((r) => r.filter === "all")?.parts).toBeNull();
    const byTraces = await fitOf();
    const parts = (await stored()).find((r) => r.filter === "all")?.parts;
    expect(JSON.parse(parts!)).toHaveLength(2); // the two decided traces' parts
    // read back: emptied under the same stamp, the trace fit has no patterns
    await db().calibrationGroups.update({ where: { runId_filter: { runId, filter: "all" } }, data: { parts: "[]" } });
    expect((await fitOf()).proposal).not.toEqual(byTraces.proposal);
    // a label change brings the stored parts forward with the groups (the change log): the same
    // parts a fold from scratch stores when the fit asks
    await db().calibrationGroups.deleteMany({ where: { runId } });
    await fitOf();
    await decide(data.traces[1].id, "reject");
    await report();
    const forward = (await stored()).find((r) => r.filter === "all")?.parts;
    expect(JSON.parse(forward!)).toHaveLength(2);
    const broughtForward = await fitOf();
    await db().calibrationGroups.deleteMany({ where: { runId } });
    await report();
    expect((await stored()).find((r) => r.filter === "all")?.parts).toBeNull();
    const fresh = await fitOf();
    expect((await stored()).find((r) => r.filter === "all")?.parts).toBe(forward);
    expect(broughtForward).toEqual(fresh);

    const fit = await getFitProposal(fitQuery.parse({ dataset: "groups-a", run: runId }));
    const failures = await getFailures(failuresQuery.parse({ dataset: "groups-a", run: runId }));
    await db().calibrationGroups.deleteMany({ where: { runId } });
    expect(await getFitProposal(fitQuery.parse({ dataset: "groups-a", run: runId }))).toEqual(fit);
    await db().calibrationGroups.deleteMany({ where: { runId } });
    expect(await getFailures(failuresQuery.parse({ dataset: "groups-a", run: runId }))).toEqual(failures);
  });
});
