import { z } from "zod";
import type { SceneTolerances, SceneType } from "@/lib/scenes/contract";
import { centreDistance, geometricRelation, sameArea } from "@/lib/scenes/geometry";
import { isUndecided, objectId, SceneError, type ObjectList, type Scene, type SceneKind, type SceneObject, type Truth } from "@/lib/scenes/model";
import {
  ATTRIBUTE_FAMILIES,
  GEOMETRIC_RELATIONS,
  MAX_CATEGORY_WORDS,
  PHOTO_CATEGORIES,
  canonicalCategory,
  canonicalRelation,
  canonicalValue,
  coveredCategories,
  familyOf,
  isGeometric,
  knownCategory,
} from "@/lib/scenes/vocabulary";

// What the photo scene types (`graph`, `boxes`) share: an open vocabulary (categories with
// synonyms and broader nouns, attribute families), relations from geometry with an ambiguity
// margin, and — for scene graphs — relations given by the graph's edges.

export const PHOTO_TOLERANCES: SceneTolerances = { margin: 0.05, near: 0.2, inside: 0.9, areaRatio: 1.15 };

const objectRef = z.union([z.string().regex(/^(obj_|#)?\d+$/), z.number().int().nonnegative()]);
const word = z.string().trim().min(1);

/** Args on photo scenes: the published shapes with open relation and attribute vocabularies. */
const PHOTO_ARG_SCHEMAS: Record<string, z.ZodType> = {
  filter: z.object({ objects: z.array(objectRef), attribute: word, value: word }).strict(),
  relate: z.object({ object: objectRef, relation: word }).strict(),
  check_relation: z.object({ subject: objectRef, relation: word, object: objectRef }).strict(),
  compare: z.object({ a: objectRef, b: objectRef, attribute: word }).strict(),
};

const FILLER = new Set(["the", "a", "an", "all", "every", "any", "some", "of"]);

// canonical categories, per object, and parsed queries, per scene: the verifier asks again and again
const categories = new WeakMap<SceneObject, string>();
const queries = new WeakMap<Scene, Map<string, ParsedPhotoQuery>>();

function categoryOf(object: SceneObject): string {
  let c = categories.get(object);
  if (c === undefined) {
    c = object.category ? canonicalCategory(object.category) : "";
    categories.set(object, c);
  }
  return c;
}

function parsedQuery(scene: Scene, query: string): ParsedPhotoQuery {
  let byQuery = queries.get(scene);
  if (!byQuery) queries.set(scene, (byQuery = new Map()));
  let parsed = byQuery.get(query);
  if (!parsed) {
    parsed = parsePhotoQuery(scene, query);
    if (byQuery.size > 1000) byQuery.clear();
    byQuery.set(query, parsed);
  }
  return parsed;
}

/** Every value an object records, whatever the family. */
function hasAnyValue(object: SceneObject, value: string): boolean {
  const attrs = object.attributes;
  if (!attrs) return false;
  for (const family in attrs) if (attrs[family].includes(value)) return true;
  return false;
}

function undecided(reason: string, lean = false): Truth {
  return { undecided: reason, lean };
}

/** Objects of a scene by a truth per object. */
function collect(objects: readonly SceneObject[], truth: (o: SceneObject) => Truth): ObjectList {
  const ids: number[] = [];
  const uncertain: number[] = [];
  let reason: string | null = null;
  let more = 0;
  for (const o of objects) {
    const t = truth(o);
    if (t === true) ids.push(o.index);
    else if (t !== false) {
      uncertain.push(o.index);
      if (reason === null) reason = t.undecided;
      else more++;
    }
  }
  return { ids, uncertain, reason: reason === null ? null : more ? `${reason} (and ${more} more undecided)` : reason };
}

interface ParsedPhotoQuery {
  categories: readonly string[] | null;
  values: Array<{ family: string; value: string }>;
  unknown: string[];
  /** Why the query cannot be decided (words outside the vocabulary), or null. */
  missing: string | null;
}

function parsePhotoQuery(scene: Scene, query: string): ParsedPhotoQuery {
  const words = query.toLowerCase().replace(/[^a-z0-9\s'-]/g, " ").split(/\s+/).filter((w) => w && !FILLER.has(w));
  const inScene = new Set(scene.objects.map(categoryOf));
  const values: ParsedPhotoQuery["values"] = [];
  const unknown: string[] = [];
  let categories: readonly string[] | null = null;
  for (let i = 0; i < words.length; ) {
    let matched = 0;
    for (let n = Math.min(MAX_CATEGORY_WORDS, words.length - i); n >= 1 && !matched; n--) {
      const phrase = words.slice(i, i + n).join(" ");
      const canonical = canonicalCategory(phrase);
      if (knownCategory(phrase) || inScene.has(canonical)) {
        // the last noun is the head; an earlier one ("kitchen" in "kitchen table") is a word the scene cannot check
        if (categories) unknown.push(phrase);
        const covered = coveredCategories(phrase);
        categories = covered.length === 0 || ["thing", "object", "item"].includes(canonical) ? null : covered;
        matched = n;
      }
    }
    if (matched) {
      i += matched;
      continue;
    }
    const value = canonicalValue(words[i]);
    const family = familyOf(value);
    if (family !== "other" || scene.objects.some((o) => hasAnyValue(o, value))) values.push({ family, value });
    else unknown.push(words[i]);
    i++;
  }
  return { categories, values, unknown, missing: unknown.length ? `the scene's vocabulary has no ${unknown.map((w) => `"${w}"`).join(", ")}` : null };
}

/** A photo scene type: `given` says whether relations may come from the scene's own edges. */
export function photoSceneType(kind: SceneKind, summary: string, given: boolean): SceneType {
  const tolerances = PHOTO_TOLERANCES;

  const valueTruth = (object: SceneObject, family: string, value: string): Truth => {
    if (family === "category" || family === "name" || family === "label") {
      return coveredCategories(value).includes(categoryOf(object));
    }
    const recorded = object.attributes && Object.hasOwn(object.attributes, family) ? object.attributes[family] : undefined;
    if (recorded?.includes(value) || (family === "other" && hasAnyValue(object, value))) return true;
    if (hasAnyValue(object, value)) return true;
    // a closed family the object records another value of: it is not this one
    if (recorded && recorded.length && Object.hasOwn(ATTRIBUTE_FAMILIES, family)) return false;
    return undecided(`the scene records no ${family === "other" ? `"${value}"` : family} for ${objectId(object.index)}`);
  };

  const relation = (scene: Scene, subject: SceneObject, rel: string, object: SceneObject): Truth => {
    const r = canonicalRelation(rel);
    if (subject.index === object.index) return false;
    if (given) {
      if (Object.hasOwn(scene.relationships, r) && scene.relationships[r]?.[object.index]?.includes(subject.index)) return true;
      const inverse = Object.hasOwn(INVERSE, r) ? INVERSE[r] : undefined;
      if (inverse && scene.relationships[inverse]?.[subject.index]?.includes(object.index)) return true;
    }
    if (isGeometric(r)) return geometricRelation(scene, subject, r, object, tolerances);
    return undecided(given ? `the scene graph does not state whether ${objectId(subject.index)} is "${rel}" ${objectId(object.index)}` : `"${rel}" cannot be derived from boxes`);
  };

  return {
    kind,
    summary,
    vocabulary: {
      attributes: { ...ATTRIBUTE_FAMILIES, other: null },
      relations: GEOMETRIC_RELATIONS,
      categories: PHOTO_CATEGORIES,
    },
    tolerances,
    argSchemas: PHOTO_ARG_SCHEMAS,
    label: (object) => object.category ?? "object",
    attributesOf(object) {
      const out: Record<string, string> = { category: object.category ?? "" };
      for (const [family, values] of Object.entries(object.attributes ?? {})) if (values.length) out[family] = values.join(", ");
      return out;
    },
    checkValue(_attribute, value) {
      const v = canonicalValue(value);
      if (!v) throw new SceneError("an empty attribute value");
      return v;
    },
    hasValue: (object, attribute, value) => valueTruth(object, attribute.toLowerCase(), canonicalValue(value)),
    detect(scene, query) {
      const parsed = parsedQuery(scene, query);
      const missing = parsed.missing;
      return collect(scene.objects, (o) => {
        if (parsed.categories && !parsed.categories.includes(categoryOf(o))) return false;
        let truth: Truth = true;
        for (const { family, value } of parsed.values) {
          const t = valueTruth(o, family, value);
          if (t === false) return false;
          if (isUndecided(t)) truth = t;
        }
        return missing ? undecided(missing) : truth;
      });
    },
    relation,
    related: (scene, object, rel) => collect(scene.objects, (o) => (o.index === object.index ? false : relation(scene, o, rel, object))),
    same(_scene, a, b, attribute) {
      const attr = attribute.toLowerCase();
      if (attr === "category" || attr === "name" || attr === "label" || attr === "shape") {
        if (attr === "shape" && !a.category) return undecided(`${objectId(a.index)} has no category`);
        return categoryOf(a) === categoryOf(b);
      }
      const av = a.attributes && Object.hasOwn(a.attributes, attr) ? a.attributes[attr] : undefined;
      const bv = b.attributes && Object.hasOwn(b.attributes, attr) ? b.attributes[attr] : undefined;
      if (av?.length && bv?.length) return av.some((v) => bv.includes(v));
      if (attr === "area" || attr === "size") return sameArea(a, b, tolerances);
      return undecided(`the scene records no ${attr} for ${objectId((!av?.length ? a : b).index)}`);
    },
    distance(_scene, a, b) {
      const d = centreDistance(a, b);
      if (d === null) throw new SceneError(`${objectId((!a.box ? a : b).index)} has no box`);
      return d;
    },
  };
}

const INVERSE: Readonly<Record<string, string>> = {
  left: "right", right: "left", above: "below", below: "above", front: "behind", behind: "front",
  inside: "contains", contains: "inside", larger: "smaller", smaller: "larger", near: "near", far: "far", overlapping: "overlapping",
};
