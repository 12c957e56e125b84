import type { SceneType } from "@/lib/scenes/contract";
import type { Scene, SceneKind } from "@/lib/scenes/model";
import { boxesScene } from "@/lib/scenes/types/boxes";
import { clevrScene } from "@/lib/scenes/types/clevr";
import { graphScene } from "@/lib/scenes/types/graph";

// Every scene type, one file each under lib/scenes/types/ (docs/design.md §17 "a scene type").
export const SCENE_TYPES: readonly SceneType[] = [clevrScene, graphScene, boxesScene];

const byKind = new Map<string, SceneType>(SCENE_TYPES.map((t) => [t.kind, t]));

export const SCENE_KINDS = SCENE_TYPES.map((t) => t.kind) as [SceneKind, ...SceneKind[]];

export function isSceneKind(kind: unknown): kind is SceneKind {
  return typeof kind === "string" && byKind.has(kind);
}

/** The type of a scene (a scene without a kind is CLEVR). */
export function sceneTypeOf(scene: Scene): SceneType {
  const kind = scene.kind;
  return kind === undefined || kind === "clevr" ? clevrScene : (byKind.get(kind) ?? clevrScene);
}

export function sceneType(kind: string): SceneType | undefined {
  return byKind.get(kind);
}

/** Whether tools on this scene use the published (CLEVR) vocabulary. */
export const isClevr = (scene: Scene): boolean => scene.kind === undefined || scene.kind === "clevr";
