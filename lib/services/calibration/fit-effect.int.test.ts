import { beforeAll, describe, expect, it } from "vitest";
import { db } from "@/lib/db";
import { getCalibration, getFailures } from "@/lib/services/calibration/calibration";
import { fitEffect } from "@/lib/services/calibration/fit-effect";
import { seedDemo } from "@/lib/services/system/seed";
import { runVerifier } from "@/lib/services/verify/verify";
import { runSettings } from "@/lib/services/verify/verifier-configs";

let run = 0;

beforeAll(async () => {
  await seedDemo({ force: true });
  run = (await runVerifier({ dataset: "clevr-demo" })).run;
});

describe("fit effect: what a fitted config changes on its run", () => {
  it("the current config changes nothing, and its figures are the run's own", async () => {
    const settings = await runSettings(run);
    const effect = await fitEffect({ dataset: "clevr-demo", run, rules: settings.rules, threshold: settings.threshold });
    const scores = await db().traceScore.findMany({ where: { runId: run } });
    expect(effect.traces).toBe(scores.length);
    expect(effect.before.valid).toBe(scores.filter((s) => s.valid).length);
    expect(effect.after).toEqual(effect.before);
    expect(effect.becomeValid.count + effect.becomeInvalid.count + effect.enterKept.count + effect.leaveKept.count).toBe(0);
  });

  it("switching off the rule that fails most makes traces valid; raising the threshold drops kept traces but no validity", async () => {
    const settings = await runSettings(run);
    const top = await db().verdict.groupBy({ by: ["rule"], where: { runId: run, outcome: "fail", rule: { not: "final.correct" } }, _count: { traceId: true }, orderBy: { _count: { traceId: "desc" } }, take: 1 });
    const rule = top[0].rule;
    const off = await fitEffect({ dataset: "clevr-demo", run, rules: { [rule]: { enabled: false, weight: 1 } }, threshold: settings.threshold });
    expect(off.after.validRatio).toBeGreaterThanOrEqual(off.before.validRatio);
    expect(off.becomeInvalid.count).toBe(0);
    expect(off.after.valid - off.before.valid).toBe(off.becomeValid.count);

    const strict = await fitEffect({ dataset: "clevr-demo", run, rules: {}, threshold: 1 });
    expect(strict.after.valid).toBe(strict.before.valid);
    expect(strict.after.kept).toBeLessThanOrEqual(strict.before.kept);
    expect(strict.before.kept - strict.after.kept).toBe(strict.leaveKept.count - strict.enterKept.count);
  });

  it("refuses an unknown run or rule", async () => {
    await expect(fitEffect({ dataset: "clevr-demo", run: 99999, rules: {}, threshold: 0.5 })).rejects.toMatchObject({ code: "not_found" });
    await expect(fitEffect({ dataset: "clevr-demo", run, rules: { "no.such": { enabled: true, weight: 1 } }, threshold: 0.5 })).rejects.toMatchObject({ code: "invalid_input" });
    await expect(fitEffect({ dataset: "nope", run, rules: {}, threshold: 0.5 })).rejects.toMatchObject({ code: "not_found" });
  });
});

describe("relation tags in the calibration reports", () => {
  it("count the dataset's tagged traces whether or not any is labelled", async () => {
    const dataset = await db().dataset.findUniqueOrThrow({ where: { name: "clevr-demo" } });
    const expected = await db().trace.count({ where: { datasetId: dataset.id, questionRef: { relations: { some: {} } } } });
    expect(expected).toBeGreaterThan(0);
    expect((await getCalibration({ dataset: "clevr-demo", neutral: "exclude", source: "all", minN: 30, minCell: 5, targetPrecision: 0.9 } as Parameters<typeof getCalibration>[0])).taggedTraces).toBe(expected);
    expect((await getFailures({ dataset: "clevr-demo", source: "all", limit: 10, offset: 0 } as Parameters<typeof getFailures>[0])).taggedTraces).toBe(expected);
  });
});
