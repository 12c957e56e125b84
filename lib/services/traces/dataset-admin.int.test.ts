import { beforeAll, describe, expect, it } from "vitest";
import { db } from "@/lib/db";
import { calibrationQuery } from "@/lib/schemas/calibration";
import { getCalibration } from "@/lib/services/calibration/calibration";
import { recordStepLabel } from "@/lib/services/review/reviews";
import { runVerifier } from "@/lib/services/verify/verify";
import { seedDemo } from "@/lib/services/system/seed";
import { datasetContents, deleteDataset, renameDataset } from "@/lib/services/traces/dataset-admin";

beforeAll(async () => {
  await seedDemo({ force: true });
  await runVerifier({ dataset: "clevr-demo", prepareCalibration: true });
  // a label (ticks the dataset's label clock) and a report (stores its label groups): both go with the dataset
  const step = await db().step.findFirstOrThrow({ where: { trace: { dataset: { name: "clevr-demo" } } }, orderBy: { id: "asc" } });
  await recordStepLabel(step.id, { label: "reject", expectedVersion: step.version, stopAtFirstError: false });
  await getCalibration(calibrationQuery.parse({ dataset: "clevr-demo" }));
});

describe("dataset rename and delete", () => {
  it("renames, refusing a taken name and an unknown dataset", async () => {
    await expect(renameDataset("clevr-demo", "visprog-gqa")).rejects.toMatchObject({ code: "conflict" });
    await expect(renameDataset("nope", "x")).rejects.toMatchObject({ code: "not_found" });
    expect(await renameDataset("clevr-demo", "clevr-renamed")).toEqual({ name: "clevr-renamed", previous: "clevr-demo" });
    expect(await db().dataset.findUnique({ where: { name: "clevr-demo" } })).toBeNull();
  });

  it("counts what a delete removes, refuses without the name typed again, then removes all of it and nothing else", async () => {
    const contents = await datasetContents("clevr-renamed");
    expect(contents).toMatchObject({ traces: 154, runs: 2 }); // the seed's run and ours
    expect(contents.steps).toBeGreaterThan(contents.traces);
    const otherTraces = await db().trace.count({ where: { dataset: { name: "visprog-gqa" } } });
    const id = (await db().dataset.findUniqueOrThrow({ where: { name: "clevr-renamed" } })).id;
    const runIds = (await db().verifierRun.findMany({ where: { datasetId: id }, select: { id: true } })).map((r) => r.id);

    expect(await db().calibrationGroups.count({ where: { runId: { in: runIds } } })).toBe(1);
    expect(await db().labelClock.count({ where: { datasetId: id } })).toBe(1);
    // a label change since the stored fold: in the dataset's change log until the dataset goes
    const review = await db().review.findFirstOrThrow({ where: { trace: { datasetId: id } }, select: { id: true, label: true } });
    await db().review.update({ where: { id: review.id }, data: { label: review.label === "accept" ? "reject" : "accept" } });
    expect(await db().labelChange.count({ where: { datasetId: id } })).toBeGreaterThan(0);
    await expect(deleteDataset("clevr-renamed", "clevr")).rejects.toMatchObject({ code: "invalid_input" });
    expect(await db().trace.count({ where: { datasetId: id } })).toBe(154);

    const progress: number[] = [];
    const result = await deleteDataset("clevr-renamed", "clevr-renamed", (done) => progress.push(done));
    expect(result).toMatchObject({ deleted: true, traces: 154 });
    expect(progress.at(-1)).toBe(154);
    expect(await db().dataset.findUnique({ where: { id } })).toBeNull();
    expect(await db().trace.count({ where: { datasetId: id } })).toBe(0);
    expect(await db().step.count({ where: { trace: { datasetId: id } } })).toBe(0);
    expect(await db().verdict.count({ where: { runId: { in: runIds } } })).toBe(0);
    expect(await db().calibrationStep.count({ where: { runId: { in: runIds } } })).toBe(0);
    expect(await db().calibrationRun.count({ where: { runId: { in: runIds } } })).toBe(0);
    expect(await db().calibrationGroups.count({ where: { runId: { in: runIds } } })).toBe(0);
    expect(await db().labelClock.count({ where: { datasetId: id } })).toBe(0);
    expect(await db().labelChange.count({ where: { datasetId: id } })).toBe(0);
    expect(await db().trace.count({ where: { dataset: { name: "visprog-gqa" } } })).toBe(otherTraces);
    await expect(datasetContents("clevr-renamed")).rejects.toMatchObject({ code: "not_found" });
  });
});

describe("dataset licences", () => {
  it("an import declares a licence (normalised) on itself and the dataset; PATCH-style updates and the CLI set it; bad ids are refused naming the flag", async () => {
    const { importFiles } = await import("@/lib/services/import/imports");
    const { setDatasetLicense, updateDataset } = await import("@/lib/services/traces/dataset-admin");
    const { spawnSync } = await import("node:child_process");
    const path = await import("node:path");
    const summary = await importFiles({ files: [path.resolve("fixtures/canonical/clevr-781-two-traces.jsonl")], dataset: "licensed", imagesDir: path.resolve("prisma/demo/clevr"), license: "cc-by-4.0", attribution: "CLEVR v1.0" });
    expect(await db().import.findUniqueOrThrow({ where: { id: summary.importId! }, select: { license: true, attribution: true } })).toEqual({ license: "cc-by-4.0", attribution: "CLEVR v1.0" });
    expect(await db().dataset.findUniqueOrThrow({ where: { name: "licensed" }, select: { license: true } })).toEqual({ license: "cc-by-4.0" });
    expect(await updateDataset("licensed", { license: "mit" })).toMatchObject({ name: "licensed", license: "mit", attribution: "CLEVR v1.0" });
    expect(await setDatasetLicense("licensed", { attribution: null })).toEqual({ name: "licensed", license: "mit", attribution: null });
    await expect(setDatasetLicense("nope", { license: "mit" })).rejects.toMatchObject({ code: "not_found" });
    const cli = (...args: string[]) => spawnSync(process.execPath, [path.resolve("node_modules/tsx/dist/cli.mjs"), path.resolve("lib/cli/main.ts"), ...args], { encoding: "utf8", env: { ...process.env } });
    const set = cli("datasets", "license", "licensed", "CC BY 4.0", "--attribution", "Johnson et al.", "--json");
    expect(set.status, set.stderr).toBe(0);
    expect(JSON.parse(set.stdout)).toMatchObject({ action: "license", license: "cc-by-4.0", attribution: "Johnson et al." });
    const bad = cli("import", path.resolve("fixtures/canonical/clevr-781-two-traces.jsonl"), "--dataset", "licensed2", "--license", "<script>");
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain("--license");
    expect(await db().dataset.findUnique({ where: { name: "licensed2" } })).toBeNull();
  });
});
