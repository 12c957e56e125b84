import { auditStamp } from "@/lib/auth/context";
import { db } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { isSceneKind } from "@/lib/scenes/index";
import { groupAttributes } from "@/lib/scenes/vocabulary";
import type { LabelBoxBody, LabelledBoxDto } from "@/lib/schemas/boxes";
import { resolveUser } from "@/lib/services/review/users";
import { reverifyTrace } from "@/lib/services/verify/verify";

// Building or correcting a photo's scene on the canvas (docs/design.md §3): a human box labelled
// with a category and attributes becomes an object of the image's scene — a `graph` scene keeps its
// given relations, a photo without a scene gets a `boxes` one, whose traces then point at it — and
// every verified trace on that scene is verified again. CLEVR scenes have a closed vocabulary and
// derived geometry: they are not edited this way.

const BOX = { id: true, imageId: true, source: true, label: true, objectIndex: true, x: true, y: true, w: true, h: true, score: true, version: true } as const;

export async function labelHumanBox(boxId: number, body: LabelBoxBody): Promise<LabelledBoxDto> {
  const user = await resolveUser(body.user);
  const box = await db().box.findUnique({ where: { id: boxId }, include: { image: { select: { id: true, datasetId: true, name: true } } } });
  if (!box) throw new AppError("not_found", `box ${boxId} not found`);
  if (box.source !== "human") throw new AppError("invalid_input", `box ${boxId} is ${box.source} evidence; only human boxes are labelled into a scene`);
  if (box.version !== body.expectedVersion) throw new AppError("conflict", `box ${boxId} changed since you loaded it (version ${box.version}, you had ${body.expectedVersion}). Reload to see the latest.`);
  const extra = { category: body.category, attributes: groupAttributes(body.attributes), source: "human" };

  const { sceneId, objectIndex, updated } = await db().$transaction(async (tx) => {
    let scene = await tx.scene.findFirst({ where: { imageId: box.imageId, datasetId: box.image.datasetId }, orderBy: { id: "asc" }, select: { id: true, kind: true } });
    if (scene && (!isSceneKind(scene.kind) || scene.kind === "clevr")) {
      throw new AppError("invalid_input", `the scene of ${box.image.name} is a ${scene.kind} scene, whose objects come from its scene file; label boxes on photos (graph or boxes scenes)`, [
        { path: "category", error: `a ${scene.kind} scene cannot take labelled boxes` },
      ]);
    }
    if (!scene) {
      const byName = await tx.scene.findUnique({ where: { datasetId_name: { datasetId: box.image.datasetId, name: box.image.name } }, select: { id: true } });
      if (byName) throw new AppError("conflict", `a scene named ${box.image.name} already exists for another image`);
      scene = await tx.scene.create({ data: { datasetId: box.image.datasetId, imageId: box.imageId, name: box.image.name, kind: "boxes", relationships: {}, info: { source: "canvas" } }, select: { id: true, kind: true } });
    }
    // traces on the image that had no scene now have this one
    await tx.trace.updateMany({ where: { imageId: box.imageId, datasetId: box.image.datasetId, sceneId: null }, data: { sceneId: scene.id } });
    const existing = box.objectIndex === null ? null : await tx.sceneObject.findUnique({ where: { sceneId_index: { sceneId: scene.id, index: box.objectIndex } } });
    let index: number;
    if (existing) {
      index = existing.index;
      await tx.sceneObject.update({ where: { id: existing.id }, data: { extra } });
    } else {
      const last = await tx.sceneObject.aggregate({ where: { sceneId: scene.id }, _max: { index: true } });
      index = (last._max.index ?? -1) + 1;
      await tx.sceneObject.create({ data: { sceneId: scene.id, index, extra } });
    }
    const labelled = await tx.box.update({ where: { id: boxId }, data: { objectIndex: index, label: body.category, version: { increment: 1 } }, select: BOX });
    await tx.auditLog.create({ data: { userId: user.id, action: "box.label", entity: "box", entityId: String(boxId), data: { sceneId: scene.id, objectIndex: index, category: body.category, attributes: body.attributes }, ...auditStamp() } });
    return { sceneId: scene.id, objectIndex: index, updated: labelled };
  });
  return { box: updated, sceneId, objectIndex, reverified: await reverifyScene(sceneId) };
}

/** Verifies again every trace on a scene that a run has verified; their validity after it. */
export async function reverifyScene(sceneId: number): Promise<Array<{ traceId: number; valid: boolean | null }>> {
  const traces = await db().trace.findMany({ where: { sceneId, runId: { not: null } }, select: { id: true }, orderBy: { id: "asc" } });
  for (const t of traces) await reverifyTrace(t.id);
  const after = await db().trace.findMany({ where: { id: { in: traces.map((t) => t.id) } }, select: { id: true, valid: true }, orderBy: { id: "asc" } });
  return after.map((t) => ({ traceId: t.id, valid: t.valid }));
}

/** After a labelled human box moved, was resized or deleted: the traces on its scene again. */
export async function reverifyBoxScene(imageId: number, objectIndex: number | null): Promise<void> {
  if (objectIndex === null) return;
  const scenes = await db().scene.findMany({ where: { imageId, kind: { in: ["graph", "boxes"] } }, select: { id: true } });
  for (const s of scenes) await reverifyScene(s.id);
}
