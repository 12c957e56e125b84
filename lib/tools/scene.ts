// The scene model the tools execute against (docs/design.md §3). The model and the scene types
// live in lib/scenes; this module keeps the names the rest of the code imports, and reads stored
// scene-object rows.
import type { Box, SceneObject } from "@/lib/scenes/model";

export { boxSourceRank, objectId, parseObjectId, type Box, type Scene, type SceneKind, type SceneObject } from "@/lib/scenes/model";
export {
  ATTRIBUTES,
  ATTRIBUTE_VALUES,
  COLORS,
  MATERIALS,
  RELATIONS,
  SHAPES,
  SIZES,
  attributeOf,
  deriveBox,
  sceneFromClevr,
  type Attribute,
  type Relation,
} from "@/lib/scenes/types/clevr";

/** A SceneObject row (columns as stored) as the tools see it, with its best box if any. */
export interface SceneObjectRow {
  index: number;
  color: string | null;
  size: string | null;
  shape: string | null;
  material: string | null;
  x3d: number | null;
  y3d: number | null;
  z3d: number | null;
  px: number | null;
  py: number | null;
  depth: number | null;
  /** Photo objects keep their category and attributes here (lib/scenes/rows.ts). */
  extra?: unknown;
}

/** What a photo object keeps in SceneObject.extra. */
export interface PhotoObjectExtra {
  category?: string;
  attributes?: Record<string, string[]>;
  sourceId?: string;
}

function photoExtra(extra: unknown): PhotoObjectExtra | null {
  const value = typeof extra === "string" ? safeJson(extra) : extra;
  if (typeof value !== "object" || value === null || Array.isArray(value)) return null;
  const e = value as Record<string, unknown>;
  if (typeof e.category !== "string" && typeof e.attributes !== "object") return null;
  return e as PhotoObjectExtra;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

export function sceneObjectFromRow(o: SceneObjectRow, best: { box: Box; source: string } | undefined): SceneObject {
  const object: SceneObject = {
    index: o.index,
    color: o.color ?? "",
    size: o.size ?? "",
    shape: o.shape ?? "",
    material: o.material ?? "",
    coords3d: o.x3d === null ? null : [o.x3d, o.y3d ?? 0, o.z3d ?? 0],
    pixel: o.px === null ? null : [o.px, o.py ?? 0, o.depth ?? 0],
    box: best?.box ?? null,
    boxSource: best?.source ?? null,
  };
  const extra = o.extra === undefined || o.extra === null ? null : photoExtra(o.extra);
  if (extra) {
    if (typeof extra.category === "string") object.category = extra.category;
    if (extra.attributes && typeof extra.attributes === "object") object.attributes = extra.attributes;
    if (typeof extra.sourceId === "string") object.sourceId = extra.sourceId;
  }
  return object;
}
