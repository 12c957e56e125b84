import type { z } from "zod";
import type { ObjectList, Scene, SceneKind, SceneObject, Truth } from "@/lib/scenes/model";

// The scene-type contract (docs/design.md §3, §17 "a scene type"). A scene type is one file under
// lib/scenes/types/ registered in lib/scenes/index.ts: its vocabulary (categories with synonyms,
// attribute families), its relation semantics (given tables or geometry with an ambiguity
// margin), its tolerances, and how the spatial tools (lib/tools/registry.ts) execute on it. The
// tools and the verifier only talk to this interface; CLEVR is one implementation.

export interface SceneTolerances {
  /** left / right / above / below: centres closer than this fraction of the image size are ambiguous. */
  margin: number;
  /** near / far: centre distance over the image diagonal below this is near (± margin). */
  near: number;
  /** inside / contains: the share of the smaller box inside the larger one that makes it inside. */
  inside: number;
  /** larger / smaller, compare by area: areas within this ratio (1.15 = 15 %) are ambiguous. */
  areaRatio: number;
}

export interface SceneVocabulary {
  /** Attribute families and their values; null: an open vocabulary (any word the scene records). */
  attributes: Readonly<Record<string, readonly string[] | null>>;
  /** Relations the type can decide (given or derived); a graph may add the names its edges carry. */
  relations: readonly string[];
  /** Category nouns the type knows, canonical name first (synonyms live in lib/scenes/vocabulary.ts). */
  categories: readonly string[];
}

export interface SceneType {
  kind: SceneKind;
  summary: string;
  vocabulary: SceneVocabulary;
  tolerances: SceneTolerances;
  /**
   * Arg schemas that replace a tool's published one on this type (open vocabularies: any relation
   * or attribute word); absent: the tool's own schema (CLEVR's closed vocabulary).
   */
  argSchemas?: Readonly<Record<string, z.ZodType>>;
  /** The label detect reports for an object. */
  label(object: SceneObject): string;
  /** get_attributes: every attribute the scene records for an object, one value each. */
  attributesOf(object: SceneObject): Record<string, string>;
  /** filter's vocabulary check: throws SceneError when `value` is no `attribute` of this type. */
  checkValue(attribute: string, value: string): string;
  /** filter: whether the object has the value (undecided when the scene does not record the family). */
  hasValue(object: SceneObject, attribute: string, value: string): Truth;
  /** detect: the objects a query ("large red cylinder", "white towels", "furniture") names. */
  detect(scene: Scene, query: string): ObjectList;
  /** check_relation: subject is `relation` of object. Throws SceneError for a relation the type does not know. */
  relation(scene: Scene, subject: SceneObject, relation: string, object: SceneObject): Truth;
  /** relate: every object that is `relation` of the given one. */
  related(scene: Scene, object: SceneObject, relation: string): ObjectList;
  /** compare: whether two objects share the attribute's value ("area" on photos compares box areas). */
  same(scene: Scene, a: SceneObject, b: SceneObject, attribute: string): Truth;
  /** distance in the type's units (CLEVR: 3-D scene units; photos: pixels between box centres). */
  distance(scene: Scene, a: SceneObject, b: SceneObject): number;
}
