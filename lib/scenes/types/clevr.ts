import type { SceneType } from "@/lib/scenes/contract";
import { EMPTY, SceneError, type Box, type ObjectList, type Scene, type SceneObject, type Truth } from "@/lib/scenes/model";

// CLEVR (docs/design.md §3): a closed vocabulary of four attributes, relations given by the scene
// file (relationships[rel][i] lists every j that is rel of i), 3-D positions for distance. The
// tools behave exactly as they did when the scene model was CLEVR's fields.

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
export function deriveBox(pixel: [number, number, number], size: string, shape: string, imageWidth: number): Box {
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

// ---- detect queries --------------------------------------------------------------------------

const SHAPE_NOUNS: Record<string, string | null> = {
  cube: "cube", cubes: "cube", block: "cube", blocks: "cube",
  sphere: "sphere", spheres: "sphere", ball: "sphere", balls: "sphere",
  cylinder: "cylinder", cylinders: "cylinder",
  thing: null, things: null, object: null, objects: null,
};
const FILLER = new Set(["the", "a", "an", "all", "every", "any"]);

interface ParsedQuery {
  words: Partial<Record<Attribute, string>>;
  entries: ReadonlyArray<readonly [Attribute, string]>;
}

const queryCache = new Map<string, ParsedQuery | SceneError>();

export function clearClevrCaches(): void {
  queryCache.clear();
}

/** "large red cylinder" → { size: large, color: red, shape: cylinder }. Memoised: queries repeat. */
export function readQuery(query: string): ParsedQuery {
  let parsed = queryCache.get(query);
  if (parsed === undefined) {
    try {
      const words = parseQueryWords(query);
      parsed = { words, entries: Object.entries(words) as Array<[Attribute, string]> };
    } catch (error) {
      if (!(error instanceof SceneError)) throw error;
      parsed = error;
    }
    if (queryCache.size > 10_000) queryCache.clear();
    queryCache.set(query, parsed);
  }
  if (parsed instanceof SceneError) throw parsed;
  return parsed;
}

function parseQueryWords(query: string): Partial<Record<Attribute, string>> {
  const wanted: Partial<Record<Attribute, string>> = {};
  for (const raw of query.toLowerCase().split(/[\s,]+/).filter(Boolean)) {
    const word = raw === "shiny" ? "metal" : raw === "matte" ? "rubber" : raw;
    if (FILLER.has(word)) continue;
    if (word in SHAPE_NOUNS) {
      const shape = SHAPE_NOUNS[word];
      if (shape) wanted.shape = shape;
      continue;
    }
    const attr = ATTRIBUTES.find((a) => ATTRIBUTE_VALUES[a].includes(word));
    if (!attr) throw new SceneError(`unknown word "${raw}" in query (attribute words and ${SHAPES.join("/")} nouns only)`);
    wanted[attr] = word;
  }
  return wanted;
}

/** detect: whether an object has every (attribute, value) of a query. */
function hasAll(object: SceneObject, wanted: ReadonlyArray<readonly [Attribute, string]>): boolean {
  for (const [a, v] of wanted) if (attributeOf(object, a) !== v) return false;
  return true;
}

function relationTable(scene: Scene, rel: string): number[][] {
  const table = scene.relationships[rel];
  if (!table) throw new SceneError(`scene has no "${rel}" relationships`);
  return table;
}

export function checkClevrValue(attr: string, value: unknown): string {
  const allowed = ATTRIBUTE_VALUES[attr as Attribute];
  if (!allowed) throw new SceneError(`"${attr}" is not a CLEVR attribute (expected one of ${ATTRIBUTES.join(", ")})`);
  if (typeof value !== "string" || !allowed.includes(value)) {
    throw new SceneError(`${JSON.stringify(value)} is not a ${attr} (expected one of ${allowed.join(", ")})`);
  }
  return value;
}

const list = (ids: readonly number[]): ObjectList => ({ ids, uncertain: EMPTY, reason: null });

export const clevrScene: SceneType = {
  kind: "clevr",
  summary: "CLEVR renders: four closed attributes, relations given by the scene file, 3-D positions",
  vocabulary: {
    attributes: ATTRIBUTE_VALUES,
    relations: RELATIONS,
    categories: SHAPES,
  },
  // CLEVR's relations are given, not measured: no margin applies
  tolerances: { margin: 0, near: 0, inside: 1, areaRatio: 1 },
  label: (object) => object.shape,
  attributesOf: (o) => ({ color: o.color, size: o.size, shape: o.shape, material: o.material }),
  checkValue: checkClevrValue,
  hasValue: (object, attribute, value) => attributeOf(object, attribute as Attribute) === value,
  detect(scene, query) {
    const wanted = readQuery(query).entries;
    const found: number[] = [];
    for (const o of scene.objects) if (hasAll(o, wanted)) found.push(o.index);
    return list(found);
  },
  relation: (scene, subject, rel, object): Truth => (relationTable(scene, rel)[object.index] ?? EMPTY).includes(subject.index),
  related: (scene, object, rel) => list(relationTable(scene, rel)[object.index] ?? EMPTY),
  same: (_scene, a, b, attribute) => attributeOf(a, attribute as Attribute) === attributeOf(b, attribute as Attribute),
  distance(_scene, a, b) {
    const p = a.coords3d;
    const q = b.coords3d;
    if (!p || !q) throw new SceneError("scene has no 3-D coordinates");
    return Math.hypot(p[0] - q[0], p[1] - q[1], p[2] - q[2]);
  },
};
