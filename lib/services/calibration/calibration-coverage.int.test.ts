import { beforeAll, describe, expect, it } from "vitest";
import { db } from "@/lib/db";
import { calibrationQuery } from "@/lib/schemas/calibration";
import { getCalibration } from "@/lib/services/calibration/calibration";
import { createTestDataset, insertTestRun, type TestDataset } from "@/lib/services/calibration/calibration-test-data";
import { recordStepLabel } from "@/lib/services/review/reviews";
import { runCoverage } from "@/lib/services/verify/coverage";

// Calibration split by coverage (docs/design.md §5) on a real SQLite file. Every step is labelled,
// so the split can also be compared with the coverage verify reports for the same run.
//
//   step          kind         verdicts                         label     coverage    cell
//   T1 s0         plan         none                             reject    unchecked   skipped
//   T1 s1         tool_call    args.schema pass, cross.pairing  accept    checked     tn
//                              pass
//   T1 s2         tool_result  cross.pairing pass               reject    unchecked   fn (pass)
//   T1 s3         reasoning    reasoning.claims skip            accept    unchecked   skipped
//   T1 s4         answer       final.correct fail               reject    checked     tp
//   T2 s0         tool_call    cross.pairing fail               accept    checked     fp (a fail checks)
//   T2 s1         tool_result  cross.pairing pass               accept    unchecked   tn (pass)
//   T2 s2         reasoning    reasoning.claims pass            neutral   checked     excluded
//   T2 s3         answer       final.correct pass               accept    checked     tn

let data: TestDataset;
let run: number;
const step = (t: number, s: number) => data.traces[t].steps[s].id;

async function label(stepId: number, value: "accept" | "reject" | "neutral") {
  const { version } = await db().step.findUniqueOrThrow({ where: { id: stepId }, select: { version: true } });
  await recordStepLabel(stepId, { label: value, expectedVersion: version, stopAtFirstError: false });
}

const cells = (a: { tp: number; fp: number; fn: number; tn: number }) => [a.tp, a.fp, a.fn, a.tn];
const RULES = { "args.schema": { enabled: true, weight: 1 }, "cross.pairing": { enabled: true, weight: 1 }, "reasoning.claims": { enabled: true, weight: 2 }, "final.correct": { enabled: true, weight: 1 } };

beforeAll(async () => {
  data = await createTestDataset("calib-coverage", [
    { externalId: "T1", steps: [{ kind: "plan" }, { kind: "tool_call", tool: "detect", callId: "c1" }, { kind: "tool_result", callId: "c1" }, { kind: "reasoning" }, { kind: "answer" }] },
    { externalId: "T2", steps: [{ kind: "tool_call", tool: "count", callId: "c1" }, { kind: "tool_result", callId: "c1" }, { kind: "reasoning" }, { kind: "answer" }] },
  ]);
  ({ runId: run } = await insertTestRun({
    datasetId: data.id,
    rules: RULES,
    verdicts: [
      { stepId: step(0, 1), rule: "args.schema", outcome: "pass" },
      { stepId: step(0, 1), rule: "cross.pairing", outcome: "pass" },
      { stepId: step(0, 2), rule: "cross.pairing", outcome: "pass" },
      { stepId: step(0, 3), rule: "reasoning.claims", outcome: "skip", message: "no claim could be read" },
      { stepId: step(0, 4), rule: "final.correct", outcome: "fail" },
      { stepId: step(1, 0), rule: "cross.pairing", outcome: "fail", message: "call c1 has no result" },
      { stepId: step(1, 1), rule: "cross.pairing", outcome: "pass" },
      { stepId: step(1, 2), rule: "reasoning.claims", outcome: "pass" },
      { stepId: step(1, 3), rule: "final.correct", outcome: "pass" },
    ],
  }));
  const labels: Array<[number, number, "accept" | "reject" | "neutral"]> = [
    [0, 0, "reject"], [0, 1, "accept"], [0, 2, "reject"], [0, 3, "accept"], [0, 4, "reject"],
    [1, 0, "accept"], [1, 1, "accept"], [1, 2, "neutral"], [1, 3, "accept"],
  ];
  for (const [t, s, value] of labels) await label(step(t, s), value);
});

describe("calibration split by coverage", () => {
  it("puts steps no rule read in the unchecked bucket, with the outcome the matrix gives them", async () => {
    const r = await getCalibration(calibrationQuery.parse({ dataset: "calib-coverage", run }));
    expect(r.coverage.checked).toMatchObject({ labelled: 5, included: 4, skipped: 0 });
    expect(cells(r.coverage.checked)).toEqual([1, 1, 0, 2]);
    // T1 s2 (cross.pairing pass only) is unchecked yet counted as a pass: a false negative here
    expect(r.coverage.unchecked).toMatchObject({ labelled: 4, included: 2, skipped: 2 });
    expect(cells(r.coverage.unchecked)).toEqual([0, 0, 1, 1]);
    expect(r.coverage.unchecked.recall.value).toBe(0);
    expect(r.coverage.checked.recall.value).toBe(1);
  });

  it("adds up to the whole, cell by cell and in label counts, and under every neutral policy", async () => {
    for (const neutral of ["exclude", "accept", "reject"] as const) {
      const r = await getCalibration(calibrationQuery.parse({ dataset: "calib-coverage", run, neutral }));
      const { checked, unchecked } = r.coverage;
      expect(cells(checked).map((c, i) => c + cells(unchecked)[i])).toEqual(cells(r.steps));
      expect(checked.n + unchecked.n).toBe(r.steps.n);
      expect(checked.labelled + unchecked.labelled).toBe(r.labels.labelled);
      expect(checked.included + unchecked.included).toBe(r.labels.included);
      expect(checked.skipped + unchecked.skipped).toBe(r.labels.skipped);
    }
    const folded = await getCalibration(calibrationQuery.parse({ dataset: "calib-coverage", run, neutral: "reject" }));
    // the neutral reasoning step (checked, reasoning.claims pass) now counts as a false negative
    expect(cells(folded.coverage.checked)).toEqual([1, 1, 1, 2]);
  });

  it("uses the coverage verify reports for the same run", async () => {
    const r = await getCalibration(calibrationQuery.parse({ dataset: "calib-coverage", run }));
    const coverage = await runCoverage(run, data.id);
    expect(r.coverage.checked.labelled).toBe(coverage.checked);
    expect(r.coverage.unchecked.labelled).toBe(coverage.unchecked);
  });
});
