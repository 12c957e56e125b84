import { spawnSync } from "node:child_process";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { db } from "@/lib/db";
import { importFiles } from "@/lib/services/import/imports";
import { runVerifier } from "@/lib/services/verify/verify";

// `stepwise calibrate` in a child process (tsx) against this test file's own SQLite database.
function stepwise(...args: string[]) {
  const result = spawnSync(process.execPath, [path.resolve("node_modules/tsx/dist/cli.mjs"), path.resolve("lib/cli/main.ts"), ...args], { encoding: "utf8", env: { ...process.env } });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

beforeAll(async () => {
  await importFiles({ files: [path.resolve("fixtures/prm800k/prm800k_sample_records.jsonl")], dataset: "prm", source: "cli" });
  await runVerifier({ dataset: "prm" });
});

describe("stepwise calibrate", () => {
  it("--json prints the report in the documented contract", () => {
    const { code, stdout } = stepwise("calibrate", "--dataset", "prm", "--json");
    expect(code).toBe(0);
    const report = JSON.parse(stdout);
    const interval = { value: expect.any(Number), lo: expect.any(Number), hi: expect.any(Number) };
    expect(report.steps).toMatchObject({ n: expect.any(Number), tp: expect.any(Number), fp: expect.any(Number), fn: expect.any(Number), tn: expect.any(Number), precision: interval, recall: interval, kappa: expect.objectContaining({ value: expect.anything() }) });
    expect(report.steps).toHaveProperty("f1");
    expect(report.steps.n).toBe(report.steps.tp + report.steps.fp + report.steps.fn + report.steps.tn);
    expect(Object.keys(report.rules)).toEqual(report.ruleOrder);
    expect(report.rules["final.correct"]).toMatchObject({ n: expect.any(Number), precision: expect.any(Object), kappa: expect.any(Object) });
    const cells = (a: { tp: number; fp: number; fn: number; tn: number }) => [a.tp, a.fp, a.fn, a.tn];
    expect(cells(report.coverage.checked).map((c: number, i: number) => c + cells(report.coverage.unchecked)[i])).toEqual(cells(report.steps));
    expect(report.coverage.checked.labelled + report.coverage.unchecked.labelled).toBe(report.labels.labelled);
    expect(report.traces).toMatchObject({ n: expect.any(Number), sweep: expect.any(Array) });
    expect(report.traces).toHaveProperty("auc");
    expect(report.traces).toHaveProperty("recommended");
    expect(report.traces.sweep[0]).toEqual(expect.objectContaining({ threshold: 0, kept: expect.any(Number) }));
    expect(report.traces.sweep[0]).toHaveProperty("precision");
    expect(report.traces.sweep[0]).toHaveProperty("recall");
  });

  it("prints a readable table without --json", () => {
    const { code, stdout } = stepwise("calibrate", "--dataset", "prm");
    expect(code).toBe(0);
    expect(stdout).toContain("positive = the step is bad");
    expect(stdout).toMatch(/final\.correct\s+\d+/);
    expect(stdout).toMatch(/^\s+checked\s+\d+/m);
    expect(stdout).toMatch(/^\s+unchecked\s+\d+/m);
    expect(stdout).toMatch(/Coverage: \d+ labelled steps checked, \d+ unchecked/);
  });

  it("rejects a bad option value with exit 2, naming the flag", () => {
    const { code, stdout } = stepwise("calibrate", "--dataset", "prm", "--neutral", "maybe", "--json");
    expect(code).toBe(2);
    expect(JSON.parse(stdout).error.message).toMatch(/--neutral/);
    expect(stepwise("calibrate", "sideways", "--dataset", "prm").code).toBe(2);
    expect(stepwise("calibrate", "--dataset", "nope", "--json").code).toBe(2);
  });

  it("fit --save --reverify makes a new version and a run; flips compares the two runs", () => {
    const fit = stepwise("calibrate", "fit", "--dataset", "prm", "--save", "--reverify", "--json");
    expect(fit.code).toBe(0);
    const body = JSON.parse(fit.stdout);
    expect(body.saved).toMatchObject({ version: expect.any(Number), parentVersion: body.parent.version });
    expect(body.reverified).toMatchObject({ config: body.saved.version, dataset: "prm" });
    const flips = stepwise("calibrate", "flips", "--dataset", "prm", "--json");
    expect(flips.code).toBe(0);
    const report = JSON.parse(flips.stdout);
    expect(report.after).toMatchObject({ id: body.reverified.run, config: body.saved.version });
    expect(report.total).toBe(report.items.length);
  });

  it("failures lists failing steps per rule, by relation class when the questions are tagged", async () => {
    const { code, stdout } = stepwise("calibrate", "failures", "--dataset", "prm", "--json");
    expect(code).toBe(0);
    const report = JSON.parse(stdout);
    const tagged = await db().questionRelation.count({ where: { question: { dataset: { name: "prm" } } } });
    if (tagged === 0) expect(report.breakdowns.relationClass).toBeNull();
    else expect(report.breakdowns.relationClass.length).toBeGreaterThan(0);
    expect(report.totalFailures).toBe(report.breakdowns.rule.reduce((s: number, r: { failures: number }) => s + r.failures, 0));
  });
});
