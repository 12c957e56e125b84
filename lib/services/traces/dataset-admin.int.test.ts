import { beforeAll, describe, expect, it } from "vitest";
import { db } from "@/lib/db";
import { runVerifier } from "@/lib/services/verify/verify";
import { seedDemo } from "@/lib/services/system/seed";
import { datasetContents, deleteDataset, renameDataset } from "@/lib/services/traces/dataset-admin";

beforeAll(async () => {
  await seedDemo({ force: true });
  await runVerifier({ dataset: "clevr-demo", prepareCalibration: true });
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
    expect(contents).toMatchObject({ traces: 156, runs: 2 }); // the seed's run and ours
    expect(contents.steps).toBeGreaterThan(contents.traces);
    const otherTraces = await db().trace.count({ where: { dataset: { name: "visprog-gqa" } } });
    const id = (await db().dataset.findUniqueOrThrow({ where: { name: "clevr-renamed" } })).id;
    const runIds = (await db().verifierRun.findMany({ where: { datasetId: id }, select: { id: true } })).map((r) => r.id);

    await expect(deleteDataset("clevr-renamed", "clevr")).rejects.toMatchObject({ code: "invalid_input" });
    expect(await db().trace.count({ where: { datasetId: id } })).toBe(156);

    const progress: number[] = [];
    const result = await deleteDataset("clevr-renamed", "clevr-renamed", (done) => progress.push(done));
    expect(result).toMatchObject({ deleted: true, traces: 156 });
    expect(progress.at(-1)).toBe(156);
    expect(await db().dataset.findUnique({ where: { id } })).toBeNull();
    expect(await db().trace.count({ where: { datasetId: id } })).toBe(0);
    expect(await db().step.count({ where: { trace: { datasetId: id } } })).toBe(0);
    expect(await db().verdict.count({ where: { runId: { in: runIds } } })).toBe(0);
    expect(await db().calibrationStep.count({ where: { runId: { in: runIds } } })).toBe(0);
    expect(await db().calibrationRun.count({ where: { runId: { in: runIds } } })).toBe(0);
    expect(await db().trace.count({ where: { dataset: { name: "visprog-gqa" } } })).toBe(otherTraces);
    await expect(datasetContents("clevr-renamed")).rejects.toMatchObject({ code: "not_found" });
  });
});
