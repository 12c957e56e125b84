import { isClevr } from "@/lib/scenes/index";
import { iou, objectId } from "@/lib/scenes/model";
import type { IdsOutcome, ToolOutcome } from "@/lib/tools/registry";
import { parseObjectId, type Box, type Scene } from "@/lib/tools/scene";
import type { VerifierSettings } from "@/lib/verifier/config";

// result.reexec: does a recorded tool result agree with re-executing the call on the scene?
// Id lists compare as sets (order carries no meaning), detections by id set and box overlap,
// numbers within tolerance, an {"error"} result matches a re-execution that fails too.

export interface Comparison {
  same: boolean;
  message: string;
  /** The scene cannot decide (inside the ambiguity margin, …): the rule skips with `message`. */
  skip?: boolean;
}

export function isErrorResult(value: unknown): value is { error: unknown } {
  return typeof value === "object" && value !== null && !Array.isArray(value) && "error" in value;
}

/** Object ids of a result list (["obj_1", ...] or [{id: "obj_1", ...}]), or null if it is not one. */
export function idsOfResult(value: unknown): number[] | null {
  if (!Array.isArray(value)) return null;
  const ids: number[] = [];
  for (const item of value) {
    const ref = typeof item === "object" && item !== null ? (item as { id?: unknown }).id : item;
    const id = parseObjectId(ref);
    if (id === null) return null;
    ids.push(id);
  }
  return ids;
}

/** Canonical string key of an id set: sorted, deduplicated, comma-joined. */
export function setKey(ids: readonly number[]): string {
  if (ids.length === 0) return "";
  if (ids.length === 1) return String(ids[0]);
  const sorted = [...new Set(ids)].sort((a, b) => a - b);
  let key = String(sorted[0]);
  for (let i = 1; i < sorted.length; i++) key += "," + sorted[i];
  return key;
}

export type IdKey = number | string;

/**
 * Key of an id set for equality and Set membership: a bitmask when every id is below 31 (CLEVR
 * scenes have at most 10 objects, so this is the path millions of comparisons take, without
 * sorting or allocating), the sorted string key otherwise. The same set always gets the same key.
 */
export function idKey(ids: readonly number[]): IdKey {
  let mask = 0;
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i];
    if (id > 30) return setKey(ids);
    mask |= 1 << id;
  }
  return mask;
}

/** idKey of a result list (["obj_1", …] or [{id: "obj_1"}, …]) without building the id array; null if it is not one. */
export function resultKey(value: unknown): IdKey | null {
  if (!Array.isArray(value)) return null;
  let mask = 0;
  for (let i = 0; i < value.length; i++) {
    const item = value[i];
    const ref = typeof item === "object" && item !== null ? (item as { id?: unknown }).id : item;
    const id = parseObjectId(ref);
    if (id === null) return null;
    if (id > 30) {
      const ids = idsOfResult(value);
      return ids ? setKey(ids) : null;
    }
    mask |= 1 << id;
  }
  return mask;
}

function isBox(value: unknown): value is Box {
  return Array.isArray(value) && value.length === 4 && typeof value[0] === "number" && typeof value[1] === "number" && typeof value[2] === "number" && typeof value[3] === "number";
}

function boxesAgree(found: unknown, scene: Scene, settings: VerifierSettings): string | null {
  if (!Array.isArray(found)) return null;
  for (const item of found) {
    if (typeof item !== "object" || item === null) continue;
    const box = (item as { box?: unknown }).box;
    if (!isBox(box)) continue;
    const id = parseObjectId((item as { id?: unknown }).id);
    const object = id === null ? undefined : scene.objects[id];
    if (!object) continue;
    const truth = object.box;
    // the usual case: the tool's own box, copied through
    if (truth === box || (truth && truth[0] === box[0] && truth[1] === box[1] && truth[2] === box[2] && truth[3] === box[3])) continue;
    if (truth && iou(box, truth) >= settings.tolerances.iou) continue;
    const centre = object.pixel ? [object.pixel[0], object.pixel[1]] : truth ? [truth[0] + truth[2] / 2, truth[1] + truth[3] / 2] : null;
    if (settings.tolerances.centreInBox && centre && centre[0] >= box[0] && centre[0] <= box[0] + box[2] && centre[1] >= box[1] && centre[1] <= box[1] + box[3]) continue;
    if (!truth && !centre) continue;
    return `box of obj_${id} ${JSON.stringify(box)} does not overlap the object (IoU < ${settings.tolerances.iou}, centre outside)`;
  }
  return null;
}

const SAME_OBJECTS: Comparison = { same: true, message: "same objects as re-execution" };
const DIFFERENT_OBJECTS: Comparison = { same: false, message: "the recorded objects differ from re-execution" };
const NOT_A_LIST: Comparison = { same: false, message: "the recorded result is not an object list" };
const RECORDED_ERROR: Comparison = { same: false, message: "recorded an error but re-execution returns a result" };

/** The recorded result against re-execution; the caller passes `resultKey(found)` (the verifier reads it once per result). */
export function compareKeyedResult(expected: ToolOutcome, found: unknown, foundKey: IdKey | null, scene: Scene, settings: VerifierSettings): Comparison {
  if (!isClevr(scene)) return comparePhotoResult(expected, found, scene, settings);
  const foundError = isErrorResult(found);
  if (!expected.ok) {
    return foundError
      ? { same: true, message: "the call fails on re-execution too" }
      : { same: false, message: `re-execution fails (${expected.error}) but a result was recorded` };
  }
  if (foundError) return RECORDED_ERROR;
  const value = expected.value;
  if (Array.isArray(value)) return compareLists(resultKey(value), found, foundKey, scene, settings);
  if (typeof value === "number") {
    return typeof found === "number" && Math.abs(found - value) <= Math.max(settings.tolerances.number, Math.abs(value) * 1e-9)
      ? { same: true, message: "same number as re-execution" }
      : { same: false, message: "the recorded number differs from re-execution" };
  }
  if (typeof value === "boolean") {
    return found === value ? { same: true, message: "same answer as re-execution" } : { same: false, message: "the recorded boolean differs from re-execution" };
  }
  if (typeof value === "object" && value !== null) {
    if (typeof found !== "object" || found === null || Array.isArray(found)) return { same: false, message: "the recorded result is not an object" };
    for (const [key, want] of Object.entries(value)) {
      const got = (found as Record<string, unknown>)[key];
      if (String(got ?? "").toLowerCase() !== String(want).toLowerCase()) return { same: false, message: `recorded ${key} differs from re-execution` };
    }
    return { same: true, message: "same attributes as re-execution" };
  }
  return found === value ? { same: true, message: "same result as re-execution" } : { same: false, message: "the recorded result differs from re-execution" };
}

/**
 * compareKeyedResult for a call re-executed down to the ids its result lists (ToolDefinition
 * executeIds, which succeeded): the same verdict, without building the result.
 */
export function compareIdsResult(ids: readonly number[], found: unknown, foundKey: IdKey | null, scene: Scene, settings: VerifierSettings, outcome?: IdsOutcome): Comparison {
  if (!isClevr(scene)) {
    const doubt = outcome?.ok ? outcome : null;
    return comparePhotoResult({ ok: true, value: ids.map(objectId), undecided: doubt?.undecided, uncertain: doubt?.uncertain }, found, scene, settings);
  }
  if (isErrorResult(found)) return RECORDED_ERROR;
  // as resultKey reads the built list back: an index that "obj_<index>" cannot carry makes it no list
  for (const id of ids) if (!Number.isSafeInteger(id) || id < 0) return compareLists(null, found, foundKey, scene, settings);
  return compareLists(idKey(ids), found, foundKey, scene, settings);
}

/** Object lists compare as id sets, then by the boxes they record (detections). */
function compareLists(want: IdKey | null, found: unknown, foundKey: IdKey | null, scene: Scene, settings: VerifierSettings): Comparison {
  if (want === null || foundKey === null) return NOT_A_LIST;
  if (want !== foundKey) return DIFFERENT_OBJECTS;
  const box = boxesAgree(found, scene, settings);
  return box ? { same: false, message: box } : SAME_OBJECTS;
}

// ---- photos (graph and boxes scenes) ----------------------------------------------------------

/**
 * The objects a recorded photo result names: a detection with a box is matched to the scene
 * object its box overlaps best (IoU ≥ tolerance), whatever id the teacher gave it; an item without
 * a box by its id. `unmatched` lists boxes that overlap no object of the scene.
 */
function photoResultIds(found: unknown[], scene: Scene, settings: VerifierSettings): { ids: Set<number>; unmatched: string[] } | null {
  const ids = new Set<number>();
  const unmatched: string[] = [];
  for (const item of found) {
    const box = typeof item === "object" && item !== null ? (item as { box?: unknown }).box : undefined;
    if (isBox(box)) {
      let best = -1;
      let bestIou = 0;
      for (const o of scene.objects) {
        if (!o.box) continue;
        const overlap = iou(box, o.box);
        if (overlap > bestIou) {
          bestIou = overlap;
          best = o.index;
        }
      }
      if (best >= 0 && bestIou >= settings.tolerances.iou) ids.add(best);
      else unmatched.push(JSON.stringify(box));
      continue;
    }
    const id = parseObjectId(typeof item === "object" && item !== null ? (item as { id?: unknown }).id : item);
    if (id === null) return null;
    ids.add(id);
  }
  return { ids, unmatched };
}

const names = (ids: Iterable<number>): string => [...ids].map(objectId).join(", ") || "none";

/**
 * result.reexec on a photo: lists by the objects they name (boxes matched by IoU), a result the
 * scene cannot decide (inside the ambiguity margin) skips with the reason unless it differs from
 * re-execution beyond the undecided objects; attributes only where the scene records them.
 */
function comparePhotoResult(expected: ToolOutcome, found: unknown, scene: Scene, settings: VerifierSettings): Comparison {
  const foundError = isErrorResult(found);
  if (!expected.ok) {
    return foundError ? { same: true, message: "the call fails on re-execution too" } : { same: false, message: `re-execution fails (${expected.error}) but a result was recorded` };
  }
  if (foundError) return RECORDED_ERROR;
  const value = expected.value;
  const doubt = expected.undecided;
  if (Array.isArray(value)) {
    if (!Array.isArray(found)) return NOT_A_LIST;
    const recorded = photoResultIds(found, scene, settings);
    if (!recorded) return NOT_A_LIST;
    if (recorded.unmatched.length) return { same: false, message: `recorded box ${recorded.unmatched[0]} matches no object of the scene (IoU < ${settings.tolerances.iou})` };
    const sure = new Set(idsOfResult(value) ?? []);
    const uncertain = new Set(expected.uncertain ?? []);
    const missing = [...sure].filter((id) => !recorded.ids.has(id));
    const extra = [...recorded.ids].filter((id) => !sure.has(id) && !uncertain.has(id));
    if (missing.length || extra.length) {
      const parts = [missing.length ? `misses ${names(missing)}` : "", extra.length ? `adds ${names(extra)}` : ""].filter(Boolean).join(" and ");
      return { same: false, message: `the recorded objects differ from re-execution: ${parts}${doubt ? " (beyond the undecided objects)" : ""}` };
    }
    if (doubt) return { same: false, skip: true, message: `ambiguous: ${doubt}` };
    return SAME_OBJECTS;
  }
  if (doubt) return { same: false, skip: true, message: `ambiguous: ${doubt}` };
  if (typeof value === "object" && value !== null) {
    if (typeof found !== "object" || found === null || Array.isArray(found)) return { same: false, message: "the recorded result is not an object" };
    // a photo's scene records some attributes only: the recorded ones it knows must agree
    let checked = 0;
    for (const [key, got] of Object.entries(found as Record<string, unknown>)) {
      const want = (value as Record<string, unknown>)[key];
      if (want === undefined || want === "") continue;
      checked++;
      const wanted = String(want).toLowerCase().split(/\s*,\s*/);
      if (!wanted.includes(String(got ?? "").toLowerCase())) return { same: false, message: `recorded ${key} "${String(got)}" differs from the scene (${String(want)})` };
    }
    return checked ? { same: true, message: "same attributes as the scene" } : { same: false, skip: true, message: "the scene records none of the attributes the result names" };
  }
  return compareKeyedResult(expected, found, null, { ...scene, kind: "clevr" }, settings);
}
