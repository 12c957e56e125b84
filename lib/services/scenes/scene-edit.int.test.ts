import { beforeAll, describe, expect, it } from "vitest";
import { db } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { createHumanBox } from "@/lib/services/review/boxes";
import { labelHumanBox } from "@/lib/services/scenes/scene-edit";
import { seedDemo } from "@/lib/services/system/seed";

// Correcting a photo's scene from the canvas, on the seeded demo (a real SQLite file): the
// hand-written trace on n274318.jpg detects a book the scene graph does not list; a human box
// labelled "book" joins the scene and the trace is verified again.

async function verdict(traceId: number, index: number, rule: string) {
  const trace = await db().trace.findUniqueOrThrow({ where: { id: traceId } });
  const row = await db().verdict.findFirst({ where: { traceId, runId: trace.runId!, rule, step: { index } } });
  return row ? { outcome: row.outcome, message: row.message } : null;
}

describe("labelling a box into a photo's scene", () => {
  let traceId: number;
  let imageId: number;

  beforeAll(async () => {
    await seedDemo({ force: true });
    const trace = await db().trace.findFirstOrThrow({ where: { externalId: "photo-living-room-001" } });
    traceId = trace.id;
    imageId = trace.imageId!;
  });

  it("the seeded photo trace fails on the missing book, the wrong count and the wrong relation, and skips the ambiguous one", async () => {
    expect(await verdict(traceId, 2, "result.reexec")).toMatchObject({ outcome: "fail", message: expect.stringContaining("matches no object of the scene") });
    expect(await verdict(traceId, 7, "result.reexec")).toMatchObject({ outcome: "fail" });
    expect(await verdict(traceId, 10, "reasoning.claims")).toMatchObject({ outcome: "fail" });
    expect(await verdict(traceId, 12, "result.reexec")).toMatchObject({ outcome: "skip", message: expect.stringContaining("within the margin") });
  });

  it("a drawn box labelled book joins the scene, and the detect step passes on re-verification", async () => {
    const scene = await db().scene.findFirstOrThrow({ where: { imageId, dataset: { name: "photos-demo" } }, include: { objects: true } });
    const box = await createHumanBox(imageId, { x: 398, y: 278, w: 70, h: 24 });
    const labelled = await labelHumanBox(box.id, { expectedVersion: box.version, category: "book", attributes: ["white"] });
    expect(labelled).toMatchObject({ sceneId: scene.id, objectIndex: scene.objects.length, box: { label: "book", objectIndex: scene.objects.length, version: 2 } });
    expect(labelled.reverified.map((r) => r.traceId)).toContain(traceId);
    expect(await verdict(traceId, 2, "result.reexec")).toMatchObject({ outcome: "pass" });
    const object = await db().sceneObject.findFirstOrThrow({ where: { sceneId: scene.id, index: labelled.objectIndex } });
    expect(object.extra).toMatchObject({ category: "book", attributes: { color: ["white"] } });
    // relabelling the same box changes the object, not the scene's size
    const again = await labelHumanBox(box.id, { expectedVersion: 2, category: "magazine", attributes: [] });
    expect(again.objectIndex).toBe(labelled.objectIndex);
    expect(await verdict(traceId, 2, "result.reexec")).toMatchObject({ outcome: "fail" });
  });

  it("refuses evidence boxes, stale versions and CLEVR scenes", async () => {
    const truth = await db().box.findFirstOrThrow({ where: { imageId, source: "ground_truth" } });
    await expect(labelHumanBox(truth.id, { expectedVersion: truth.version, category: "x", attributes: [] })).rejects.toMatchObject({ code: "invalid_input" });
    const box = await createHumanBox(imageId, { x: 10, y: 10, w: 20, h: 20 });
    await expect(labelHumanBox(box.id, { expectedVersion: 9, category: "cup", attributes: [] })).rejects.toMatchObject({ code: "conflict" });
    const clevr = await db().trace.findFirstOrThrow({ where: { dataset: { name: "clevr-demo" } } });
    const clevrBox = await createHumanBox(clevr.imageId!, { x: 10, y: 10, w: 20, h: 20 });
    const error = await labelHumanBox(clevrBox.id, { expectedVersion: 1, category: "cube", attributes: [] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).message).toContain("clevr scene");
  });
});
