// The scene model every scene type shares (docs/design.md §3): a list of objects (index, category,
// attributes, a box in original-image pixels, optional depth or 3-D position, source) plus relations
// that are given (CLEVR `relationships`, a scene graph's edges) or derived from geometry by the
// scene's type (lib/scenes/types/*). Relations keep CLEVR's convention for given tables:
// relationships[rel][i] lists every j such that object j is `rel` of object i.

export type Box = [number, number, number, number]; // x, y, w, h

/** The scene types (lib/scenes/types); a scene without a kind is CLEVR. */
export type SceneKind = "clevr" | "graph" | "boxes";

export interface SceneObject {
  index: number;
  /** CLEVR's four attributes; empty strings on other scene types. */
  color: string;
  size: string;
  shape: string;
  material: string;
  coords3d: [number, number, number] | null;
  pixel: [number, number, number] | null; // x, y, depth
  box: Box | null; // original-image pixels
  boxSource: string | null;
  /** A photo object's category ("chair"); CLEVR objects leave it out (their category is the shape). */
  category?: string;
  /** Attributes beyond CLEVR's four, by family: { color: ["white"], state: ["closed"] }. */
  attributes?: Readonly<Record<string, readonly string[]>>;
  /** The source's own id of the object (a GQA object id, a COCO annotation id). */
  sourceId?: string;
}

export interface Scene {
  /** absent: clevr */
  kind?: SceneKind;
  name: string;
  width: number;
  height: number;
  objects: SceneObject[];
  /** Given relations, CLEVR convention: relationships[rel][i] = every j that is `rel` of i. */
  relationships: Partial<Record<string, number[][]>>;
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

/** Which box stands for an object when several exist: ground truth > detector > derived > human. */
export function boxSourceRank(source: string): number {
  return source === "ground_truth" ? 0 : source.startsWith("detector:") ? 1 : source === "derived" ? 2 : 3;
}

/**
 * A scene type's refusal (bad value, unknown object). Not an Error subclass on purpose: no stack
 * trace is captured, and the verifier re-executes calls that fail by the thousand.
 */
export class SceneError {
  constructor(readonly message: string) {}
}

/**
 * A relation or comparison the scene cannot decide: inside the ambiguity margin, depth unknown on
 * a photo, a word outside the vocabulary. `lean` is what the geometry would say without the margin.
 */
export interface Undecided {
  undecided: string;
  lean: boolean;
}

export type Truth = boolean | Undecided;

export const isUndecided = (truth: Truth): truth is Undecided => typeof truth === "object";

/**
 * Objects a list tool returns: `ids` surely belong, `uncertain` may or may not (inside the margin,
 * an attribute the scene does not record); `reason` says why when `uncertain` is not empty.
 */
export interface ObjectList {
  ids: readonly number[];
  uncertain: readonly number[];
  reason: string | null;
}

export const EMPTY: readonly number[] = [];

/** Centre of a box. */
export const centre = (box: Box): [number, number] => [box[0] + box[2] / 2, box[1] + box[3] / 2];

export function iou(a: Box, b: Box): number {
  const x1 = Math.max(a[0], b[0]);
  const y1 = Math.max(a[1], b[1]);
  const x2 = Math.min(a[0] + a[2], b[0] + b[2]);
  const y2 = Math.min(a[1] + a[3], b[1] + b[3]);
  const inter = Math.max(0, x2 - x1) * Math.max(0, y2 - y1);
  const union = a[2] * a[3] + b[2] * b[3] - inter;
  return union > 0 ? inter / union : 0;
}
