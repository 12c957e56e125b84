import { db } from "@/lib/db";
import type { NormalizedScene } from "@/lib/formats/types";
import { isSceneKind } from "@/lib/scenes/index";
import { boxSourceRank, deriveBox, sceneObjectFromRow, type Box, type Relation, type Scene } from "@/lib/tools/scene";

// Scenes as the tools see them: objects with attributes, and the best available 2-D box per
// object (ground truth > detector > derived).

export function toolSceneFromNormalized(scene: NormalizedScene, width = 480, height = 320): Scene {
  return {
    name: scene.name,
    width,
    height,
    relationships: (scene.relationships ?? {}) as Partial<Record<Relation, number[][]>>,
    objects: scene.objects.map((o) => ({
      index: o.index,
      color: o.color ?? "",
      size: o.size ?? "",
      shape: o.shape ?? "",
      material: o.material ?? "",
      coords3d: o.coords3d ?? null,
      pixel: o.pixel ?? null,
      box: o.pixel && o.size && o.shape ? deriveBox(o.pixel, o.size, o.shape, width) : null,
      boxSource: o.pixel ? "derived" : null,
    })),
  };
}

/** Scene ids per query: SQLite's bound-parameter limit is 999 in some builds (a job over 1000 CLEVR scenes hit it). */
const SCENE_CHUNK = 500;

export async function loadToolScenes(sceneIds: number[]): Promise<Map<number, Scene>> {
  if (sceneIds.length > SCENE_CHUNK) {
    const result = new Map<number, Scene>();
    for (let i = 0; i < sceneIds.length; i += SCENE_CHUNK) for (const [id, scene] of await loadToolScenes(sceneIds.slice(i, i + SCENE_CHUNK))) result.set(id, scene);
    return result;
  }
  const scenes = await db().scene.findMany({
    where: { id: { in: sceneIds } },
    select: {
      id: true,
      name: true,
      kind: true,
      relationships: true,
      image: { select: { width: true, height: true, boxes: { where: { objectIndex: { not: null } }, select: { source: true, objectIndex: true, x: true, y: true, w: true, h: true } } } },
      objects: { orderBy: { index: "asc" } },
    },
  });
  const result = new Map<number, Scene>();
  for (const scene of scenes) {
    const best = new Map<number, { source: string; box: Box }>();
    for (const b of scene.image?.boxes ?? []) {
      const current = best.get(b.objectIndex!);
      if (!current || boxSourceRank(b.source) < boxSourceRank(current.source)) best.set(b.objectIndex!, { source: b.source, box: [b.x, b.y, b.w, b.h] });
    }
    result.set(scene.id, {
      ...(isSceneKind(scene.kind) && scene.kind !== "clevr" ? { kind: scene.kind } : {}),
      name: scene.name,
      width: scene.image?.width ?? 480,
      height: scene.image?.height ?? 320,
      relationships: (scene.relationships ?? {}) as Partial<Record<Relation, number[][]>>,
      objects: scene.objects.map((o) => sceneObjectFromRow(o, best.get(o.index))),
    });
  }
  return result;
}
