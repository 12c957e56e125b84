import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { db } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { importFiles } from "@/lib/services/import/imports";
import { seedDemo } from "@/lib/services/system/seed";

const fixtures = path.resolve("fixtures/canonical");
const images = path.resolve("prisma/demo/clevr");

async function tableCounts() {
  const prisma = db();
  return { traces: await prisma.trace.count(), steps: await prisma.step.count(), images: await prisma.image.count(), datasets: await prisma.dataset.count() };
}

describe("importFiles (canonical JSONL, real SQLite file)", () => {
  it("imports traces with their steps, image and object refs, and re-importing is a no-op", async () => {
    const file = path.join(fixtures, "clevr-781-two-traces.jsonl");
    const first = await importFiles({ files: [file], dataset: "canonical-a", imagesDir: images });
    expect(first.created).toEqual({ images: 1, scenes: 0, questions: 2, traces: 2, steps: 16, boxes: 0 });
    expect(first.duplicates).toBe(0);

    const trace = await db().trace.findFirstOrThrow({ where: { externalId: "run3-000018" }, include: { steps: { orderBy: { index: "asc" } }, image: true } });
    expect(trace.image?.width).toBe(480);
    expect(trace.image?.path).toMatch(/^images\/[0-9a-f]{2}\/[0-9a-f]{64}\.png$/);
    expect(trace.steps[2]).toMatchObject({ kind: "tool_call", tool: "relate", callId: "c2", args: { object: "obj_8", relation: "right" }, refs: "[8]" });
    expect(trace.steps[6]).toMatchObject({ kind: "reasoning", refs: "[4]" });
    expect(fs.existsSync(path.join(process.env.STEPWISE_DATA_DIR!, trace.image!.path!))).toBe(true);

    const again = await importFiles({ files: [file], dataset: "canonical-a", imagesDir: images });
    expect(again.created).toEqual({ images: 0, scenes: 0, questions: 0, traces: 0, steps: 0, boxes: 0 });
    expect(again.duplicates).toBe(2);
  });

  it("rejects a malformed line naming file, line and field, and writes nothing", async () => {
    const before = await tableCounts();
    const file = path.join(fixtures, "malformed-line-2.jsonl");
    const error = await importFiles({ files: [file], dataset: "canonical-bad", imagesDir: images }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    const appError = error as AppError;
    expect(appError.code).toBe("invalid_input");
    expect(appError.details).toEqual([{ file, line: 2, path: "$.steps[1].kind", error: expect.stringContaining("unknown step kind") }]);
    expect(appError.message).toContain(`${file}:2 $.steps[1].kind`);
    expect(await tableCounts()).toEqual(before);
    expect(await db().dataset.findUnique({ where: { name: "canonical-bad" } })).toBeNull();
  });

  it("with skipInvalid imports the valid lines and reports each skipped one", async () => {
    const file = path.join(fixtures, "malformed-line-2.jsonl");
    const summary = await importFiles({ files: [file], dataset: "canonical-skip", imagesDir: images, skipInvalid: true });
    expect(summary.created.traces).toBe(1);
    expect(summary.skipped).toEqual([{ file, line: 2, path: "$.steps[1].kind", error: expect.stringContaining("unknown step kind") }]);
  });

  it("a dry run validates and counts but writes nothing", async () => {
    const before = await tableCounts();
    const summary = await importFiles({ files: [path.join(fixtures, "clevr-781-two-traces.jsonl")], dataset: "canonical-dry", imagesDir: images, dryRun: true });
    expect(summary.created.traces).toBe(2);
    expect(summary.dryRun).toBe(true);
    expect(await tableCounts()).toEqual(before);
  });

  it("rejects a trace id that exists with different content, leaving the dataset unchanged", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "stepwise-"));
    const original = fs.readFileSync(path.join(fixtures, "clevr-781-two-traces.jsonl"), "utf8");
    await importFiles({ files: [path.join(fixtures, "clevr-781-two-traces.jsonl")], dataset: "canonical-conflict", imagesDir: images });
    const changed = path.join(dir, "changed.jsonl");
    fs.writeFileSync(changed, original.replace('"answer":"2"', '"answer":"3"'));
    const before = await tableCounts();
    await expect(importFiles({ files: [changed], dataset: "canonical-conflict", imagesDir: images })).rejects.toThrow(/run3-000017.*different content/);
    expect(await tableCounts()).toEqual(before);
  });
});

describe("seedDemo", () => {
  it("loads the CLEVR demo and the VisProg traces with their human verdicts", async () => {
    const summary = await seedDemo({ force: true });
    expect(summary.seeded).toBe(true);
    const clevr = await db().dataset.findUniqueOrThrow({ where: { name: "clevr-demo" }, include: { _count: { select: { traces: true, scenes: true, images: true } } } });
    // 34 program traces (36 questions, two transform questions left out) + 5 images × 8 template questions × 3 generation methods (scripted teacher)
    expect(clevr._count).toEqual({ traces: 154, scenes: 5, images: 5 });
    expect(await db().sceneObject.count({ where: { scene: { name: "CLEVR_train_000781.png" } } })).toBe(10);
    expect(await db().box.count({ where: { source: "derived", image: { datasetId: clevr.id } } })).toBe(42);

    const visprog = await db().dataset.findUniqueOrThrow({ where: { name: "visprog-gqa" } });
    expect(await db().trace.count({ where: { datasetId: visprog.id } })).toBe(100);
    const verdicts = await db().review.groupBy({ by: ["label"], where: { trace: { datasetId: visprog.id }, stepId: null }, _count: { _all: true } });
    expect(Object.fromEntries(verdicts.map((v) => [v.label, v._count._all]))).toEqual({ accept: 34, reject: 66 });
    expect(await db().image.count({ where: { datasetId: visprog.id, path: { not: null } } })).toBe(6);

    expect((await seedDemo()).seeded).toBe(false);
  });
});
