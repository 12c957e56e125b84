// Scene model the tools execute against. CLEVR conventions (docs/design.md §3):
// relationships[rel][i] lists every j such that object j is `rel` of object i.

export const COLORS = ["gray", "red", "blue", "green", "brown", "purple", "cyan", "yellow"] as const;
export const SIZES = ["small", "large"] as const;
export const SHAPES = ["cube", "sphere", "cylinder"] as const;
export const MATERIALS = ["rubber", "metal"] as const;
export const RELATIONS = ["left", "right", "front", "behind"] as const;
export const ATTRIBUTES = ["color", "size", "shape", "material"] as const;

export type Attribute = (typeof ATTRIBUTES)[number];
export type Relation = (typeof RELATIONS)[number];

export const ATTRIBUTE_VALUES: Record<Attribute, readonly string[]> = {
  color: COLORS,
  size: SIZES,
  shape: SHAPES,
  material: MATERIALS,
};

export interface SceneObject {
  index: number;
  color: string;
  size: string;
  shape: string;
  material: string;
  coords3d: [number, number, number] | null;
  pixel: [number, number, number] | null; // x, y, depth
  box: Box | null; // original-image pixels
  boxSource: string | null;
}

export type Box = [number, number, number, number]; // x, y, w, h

export interface Scene {
  name: string;
  width: number;
  height: number;
  objects: SceneObject[];
  relationships: Partial<Record<Relation, number[][]>>;
}

/** Accepts obj_3, "object 3", "#3", "3" and 3; returns null for anything else. */
export function parseObjectId(ref: unknown): number | null {
  if (typeof ref === "number") return Number.isInteger(ref) && ref >= 0 ? ref : null;
  if (typeof ref !== "string") return null;
  // fast path for the canonical "obj_12" (the verifier parses millions of these)
  if (ref.length > 4 && ref.length < 12 && ref.charCodeAt(0) === 111 /* o */ && ref.charCodeAt(1) === 98 /* b */ && ref.charCodeAt(2) === 106 /* j */ && ref.charCodeAt(3) === 95 /* _ */) {
    let n = 0;
    for (let i = 4; i < ref.length; i++) {
      const c = ref.charCodeAt(i) - 48;
      if (c < 0 || c > 9) return null;
      n = n * 10 + c;
    }
    return n;
  }
  const match = /^\s*(?:obj_|object\s+|#)?(\d+)\s*$/i.exec(ref);
  return match ? Number(match[1]) : null;
}

const OBJECT_IDS = Array.from({ length: 64 }, (_, i) => `obj_${i}`);

/** "obj_3" (interned for small indices: tools return these by the million when re-executed). */
export const objectId = (index: number): string => OBJECT_IDS[index] ?? `obj_${index}`;

export function attributeOf(object: SceneObject, attribute: Attribute): string {
  return object[attribute];
}

// CLEVR renders at 480x320 with Blender's default 35 mm lens on a 32 mm sensor.
const CLEVR_FOCAL_PX_PER_WIDTH = 35 / 32;
const CLEVR_RADIUS = { small: 0.35, large: 0.7 } as const;

/**
 * Approximate 2-D box from pixel_coords (centre + depth) and size: projected radius
 * f·r/depth. Flagged `derived` wherever it is stored; real detector boxes win when present.
 */
export function deriveBox(
  pixel: [number, number, number],
  size: string,
  shape: string,
  imageWidth: number,
): Box {
  const [x, y, depth] = pixel;
  const radius3d = size === "large" ? CLEVR_RADIUS.large : CLEVR_RADIUS.small;
  // cubes reach their corners: half-diagonal of the face
  const extent = shape === "cube" ? radius3d * Math.SQRT2 : radius3d;
  const r = (CLEVR_FOCAL_PX_PER_WIDTH * imageWidth * extent) / Math.max(depth, 0.1);
  const round = (v: number) => Math.round(v * 10) / 10;
  return [round(x - r), round(y - r), round(2 * r), round(2 * r)];
}

interface RawClevrObject {
  color?: string;
  size?: string;
  shape?: string;
  material?: string;
  "3d_coords"?: number[];
  pixel_coords?: number[];
}

/**
 * One scene of an official CLEVR scenes file (`{"scenes": [...]}`) as the tools see it, with
 * derived boxes. For tests, benchmarks and the scripted teacher; imports go through lib/formats.
 */
export function sceneFromClevr(raw: { image_filename?: string; objects?: RawClevrObject[]; relationships?: Record<string, number[][]> }, width = 480, height = 320): Scene {
  return {
    name: raw.image_filename ?? "scene",
    width,
    height,
    relationships: (raw.relationships ?? {}) as Partial<Record<Relation, number[][]>>,
    objects: (raw.objects ?? []).map((o, index) => {
      const pixel = o.pixel_coords?.length === 3 ? (o.pixel_coords as [number, number, number]) : null;
      return {
        index,
        color: o.color ?? "",
        size: o.size ?? "",
        shape: o.shape ?? "",
        material: o.material ?? "",
        coords3d: o["3d_coords"]?.length === 3 ? (o["3d_coords"] as [number, number, number]) : null,
        pixel,
        box: pixel && o.size && o.shape ? deriveBox(pixel, o.size, o.shape, width) : null,
        boxSource: pixel ? "derived" : null,
      };
    }),
  };
}

/** Which box stands for an object when several exist: ground truth > detector > derived > human. */
export function boxSourceRank(source: string): number {
  return source === "ground_truth" ? 0 : source.startsWith("detector:") ? 1 : source === "derived" ? 2 : 3;
}

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
}

export function sceneObjectFromRow(o: SceneObjectRow, best: { box: Box; source: string } | undefined): SceneObject {
  return {
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
}
