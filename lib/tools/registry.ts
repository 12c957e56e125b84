import { z } from "zod";
import { isClevr, sceneTypeOf } from "@/lib/scenes/index";
import { EMPTY, SceneError, isUndecided, type ObjectList, type Truth } from "@/lib/scenes/model";
import { clearClevrCaches, readQuery } from "@/lib/scenes/types/clevr";
import {
  ATTRIBUTES,
  ATTRIBUTE_VALUES,
  RELATIONS,
  objectId,
  parseObjectId,
  type Attribute,
  type Scene,
  type SceneObject,
} from "@/lib/tools/scene";

// The spatial tool vocabulary v1 (docs/design.md §3). Each tool: zod schemas for args and result (their
// JSON Schema is what export emits as the `tools` column) and an executor over a scene. Executors
// go through the scene's type (lib/scenes: CLEVR, scene graphs, boxes), so the tools run on every
// type. New tools register here; the verifier only talks to this interface.

/**
 * `undecided`: the scene cannot decide the answer (inside the ambiguity margin, depth unknown on a
 * photo, a word outside the vocabulary) — `value` is then only the geometry's lean and
 * `uncertain` (list tools) the objects that may or may not belong; the verifier skips with it.
 */
export type ToolOutcome = { ok: true; value: unknown; undecided?: string; uncertain?: readonly number[] } | { ok: false; error: string };
/** executeIds' answer: the object indices a list result would hold, in its order. */
export type IdsOutcome = { ok: true; ids: readonly number[]; undecided?: string; uncertain?: readonly number[] } | { ok: false; error: string };

export interface ToolDefinition {
  name: string;
  description: string;
  args: z.ZodType;
  result: z.ZodType;
  /** Object references inside args (for args.refs and step↔box linking). */
  referencedObjects: (args: Record<string, unknown>) => unknown[];
  /**
   * Which args name objects: "object" = one id, "objects" = an id list (compared as a set).
   * cross.propagation checks that each was produced by an earlier step.
   */
  objectArgs?: Record<string, "object" | "objects">;
  /** Variables (earlier call ids) the args read — VisProg's `box=BOX0`, `expr="{ANSWER0} > 0"`. */
  variableRefs?: (args: Record<string, unknown>) => string[];
  /** Its result is the trace's conclusion (VisProg's RESULT), checked by cross.answer. */
  concludes?: boolean;
  /**
   * Absent for tools whose results cannot be recomputed here (VisProg's neural modules).
   * `validated`: the caller already checked args against the schema for this scene (argIssues with
   * the scene; skips a second parse). Args that it refuses give `invalidArgsOutcome(argIssues(tool,
   * args, scene))`: the verifier, which has the issues already, uses that outcome instead of executing.
   */
  execute?: (scene: Scene, args: Record<string, unknown>, options?: { validated?: boolean }) => ToolOutcome;
  /**
   * Tools whose result lists objects (detect, filter, relate): the indices of the objects
   * `execute` would list, in its order, without building the result; the same refusals. The
   * verifier compares id sets with it and builds the full result only as evidence of a mismatch.
   */
  executeIds?: (scene: Scene, args: Record<string, unknown>, options?: { validated?: boolean }) => IdsOutcome;
  /** Which family of traces uses it: "spatial" (docs/design.md §3) or e.g. "visprog". */
  family: string;
  /**
   * A hand-written check that is true only when `args` would accept (never the other way round;
   * registry.test.ts holds the two to that). The verifier asks it first: zod then runs only for
   * the error messages of invalid args.
   */
  fastValid?: (args: Record<string, unknown>) => boolean;
  /** The args schema on a scene of another type than CLEVR (open vocabularies), when it differs. */
  argsFor?: (scene: Scene) => z.ZodType;
}

const objectRef = z.union([z.string().regex(/^(obj_|#)?\d+$/), z.number().int().nonnegative()]);
const attribute = z.enum(ATTRIBUTES);
const ALL_VALUES = [...new Set(ATTRIBUTES.flatMap((a) => ATTRIBUTE_VALUES[a]))] as [string, ...string[]];
const relation = z.enum(RELATIONS);
const box = z.tuple([z.number(), z.number(), z.number(), z.number()]);
const idList = z.array(z.string());

function resolveObject(scene: Scene, ref: unknown): SceneObject {
  const index = parseObjectId(ref);
  if (index === null) throw new SceneError(`not an object id: ${JSON.stringify(ref)}`);
  const object = scene.objects[index];
  if (!object) throw new SceneError(`unknown object ${objectId(index)} (scene has ${scene.objects.length} objects)`);
  return object;
}

/** filter: the objects of the list whose attribute has the value (unknown objects refused first). */
function filtered(scene: Scene, objects: unknown[], attr: string, value: string): ObjectList {
  for (const ref of objects) resolveObject(scene, ref);
  const type = sceneTypeOf(scene);
  const v = type.checkValue(attr, value);
  const kept: number[] = [];
  let uncertain: number[] | null = null;
  let reason: string | null = null;
  for (const ref of objects) {
    const o = scene.objects[parseObjectId(ref)!];
    const truth = type.hasValue(o, attr, v);
    if (truth === true) kept.push(o.index);
    else if (truth !== false) {
      (uncertain ??= []).push(o.index);
      reason ??= truth.undecided;
    }
  }
  return { ids: kept, uncertain: uncertain ?? EMPTY, reason };
}

/** Empties the registry's memos (parsed detect queries, argument issues): benchmarks start cold with it. */
export function clearToolCaches(): void {
  clearClevrCaches();
  issueCache.clear();
}

/** "large red cylinder" → { size: large, color: red, shape: cylinder } (CLEVR's detect vocabulary). */
export function parseQuery(query: string): Partial<Record<Attribute, string>> {
  return readQuery(query).words;
}

/** A list tool's answer as an outcome. */
function listOutcome(list: ObjectList, value: unknown): ToolOutcome {
  return list.reason === null ? { ok: true, value } : { ok: true, value, undecided: list.reason, uncertain: list.uncertain };
}

function idsOutcome(list: ObjectList): IdsOutcome {
  return list.reason === null ? { ok: true, ids: list.ids } : { ok: true, ids: list.ids, undecided: list.reason, uncertain: list.uncertain };
}

function truthOutcome(truth: Truth): ToolOutcome {
  return isUndecided(truth) ? { ok: true, value: truth.lean, undecided: truth.undecided } : { ok: true, value: truth };
}

const issueMessage = (issue: z.core.$ZodIssue): string => `${issue.path.join(".") || "args"}: ${issue.message}`;

/**
 * Why `args` do not fit the tool's schema, one message per issue ("objects.0: Invalid input"), or
 * null when they fit. The hand-written check answers first; zod runs for invalid args only.
 * With a scene of another type than CLEVR, the schema is that type's (open vocabularies).
 */
export function argIssues(tool: ToolDefinition, args: Record<string, unknown>, scene?: Scene | null): readonly string[] | null {
  if (scene && tool.argsFor && !isClevr(scene)) {
    const schema = tool.argsFor(scene);
    if (schema !== tool.args) {
      const parsed = schema.safeParse(args);
      return parsed.success ? null : parsed.error.issues.map(issueMessage);
    }
  }
  if (tool.fastValid?.(args)) return null;
  const key = refusalKey(tool, args);
  const known = key === null ? undefined : issueCache.get(key);
  if (known !== undefined) return known;
  const parsed = tool.args.safeParse(args);
  const issues = parsed.success ? null : parsed.error.issues.map(issueMessage);
  if (key !== null && issues !== null) {
    if (issueCache.size >= 10_000) issueCache.clear();
    issueCache.set(key, issues);
  }
  return issues;
}

// Refused args recur with different object lists (the same out-of-vocabulary value, say), and zod
// takes microseconds to word its issues. They are remembered by tool and args with each valid
// object reference blanked out: a valid reference is never what an issue is about.
const issueCache = new Map<string, readonly string[]>();

function refusalKey(tool: ToolDefinition, args: Record<string, unknown>): string | null {
  let key = tool.name;
  for (const name in args) {
    const value = args[name];
    const kind = tool.objectArgs?.[name];
    const text = kind === "object" && isRef(value) ? "ref" : kind === "objects" && isRefList(value) ? "refs" : plainValue(value);
    if (text === null) return null;
    key += `\u0000${name}\u0000${text}`;
  }
  return key;
}

/** A rendering that tells apart every primitive value (and arrays of them); null for anything else. */
function plainValue(value: unknown): string | null {
  switch (typeof value) {
    case "undefined":
      return "u";
    case "boolean":
      return value ? "t" : "f";
    case "number":
      return `n${value}`;
    case "string":
      return `s${JSON.stringify(value)}`;
    case "object": {
      if (value === null) return "z";
      if (!Array.isArray(value)) return null;
      let text = "[";
      for (const item of value) {
        const part = plainValue(item);
        if (part === null) return null;
        text += `${part},`;
      }
      return `${text}]`;
    }
    default:
      return null;
  }
}

/** What `execute` returns for args with these issues (it refuses them before running). */
export const invalidArgsOutcome = (issues: readonly string[]): { ok: false; error: string } => ({ ok: false, error: issues.join("; ") });

/** Args a tool refused (a class, so no parsed args value can be mistaken for it). */
class Refusal {
  constructor(readonly outcome: { ok: false; error: string }) {}
}

/** A tool's answer: a plain value, or a full outcome when the scene cannot decide it (Doubt). */
class Doubt {
  constructor(readonly outcome: ToolOutcome | IdsOutcome) {}
}

function tool<A extends z.ZodType>(definition: {
  name: string;
  description: string;
  args: A;
  result: z.ZodType;
  referencedObjects?: (args: z.infer<A>) => unknown[];
  objectArgs?: Record<string, "object" | "objects">;
  fastValid?: (args: Record<string, unknown>) => boolean;
  /** The value, or a Doubt carrying an undecided outcome. */
  run: (scene: Scene, args: z.infer<A>) => unknown;
  /** For object-list results: the indices `run` would list (ToolDefinition.executeIds), or a Doubt. */
  ids?: (scene: Scene, args: z.infer<A>) => readonly number[] | Doubt;
}): ToolDefinition {
  const argsFor = (scene: Scene): z.ZodType => (isClevr(scene) ? definition.args : (sceneTypeOf(scene).argSchemas?.[definition.name] ?? definition.args));
  // args as the tool reads them (zod's output unless the caller validated them), or the refusal
  const readArgs = (scene: Scene, args: Record<string, unknown>, options?: { validated?: boolean }): z.infer<A> | Refusal => {
    if (options?.validated) return args as z.infer<A>;
    const parsed = argsFor(scene).safeParse(args);
    return parsed.success ? (parsed.data as z.infer<A>) : new Refusal(invalidArgsOutcome(parsed.error.issues.map(issueMessage)));
  };
  const { ids } = definition;
  return {
    fastValid: definition.fastValid,
    name: definition.name,
    description: definition.description,
    args: definition.args,
    argsFor: (scene) => argsFor(scene),
    result: definition.result,
    objectArgs: definition.objectArgs ?? {},
    referencedObjects: (args) => (definition.referencedObjects ? definition.referencedObjects(args as z.infer<A>) : []),
    family: "spatial",
    execute(scene, args, options) {
      const data = readArgs(scene, args, options);
      if (data instanceof Refusal) return data.outcome;
      try {
        const value = definition.run(scene, data);
        return value instanceof Doubt ? (value.outcome as ToolOutcome) : { ok: true, value };
      } catch (error) {
        if (error instanceof SceneError) return { ok: false, error: error.message };
        throw error;
      }
    },
    executeIds: ids
      ? (scene, args, options) => {
          const data = readArgs(scene, args, options);
          if (data instanceof Refusal) return data.outcome;
          try {
            const found = ids(scene, data);
            return found instanceof Doubt ? (found.outcome as IdsOutcome) : { ok: true, ids: found };
          } catch (error) {
            if (error instanceof SceneError) return { ok: false, error: error.message };
            throw error;
          }
        }
      : undefined,
  };
}

/** A list answer: its ids, or a Doubt when some objects are undecided. */
function listIds(list: ObjectList): readonly number[] | Doubt {
  return list.reason === null ? list.ids : new Doubt(idsOutcome(list));
}

/** A list answer as `run` returns it, the ids turned into values by `toValue`. */
function listValue<T>(list: ObjectList, toValue: (index: number) => T): T[] | Doubt {
  const value = list.ids.map(toValue);
  return list.reason === null ? value : new Doubt(listOutcome(list, value));
}

function truthValue(truth: Truth): boolean | Doubt {
  return isUndecided(truth) ? new Doubt(truthOutcome(truth)) : truth;
}

// ---- fast argument checks (see ToolDefinition.fastValid) ----

function isRef(value: unknown): boolean {
  if (typeof value === "number") return Number.isSafeInteger(value) && value >= 0;
  if (typeof value !== "string" || value.length === 0) return false;
  let start = 0;
  if (value.charCodeAt(0) === 111 && value.charCodeAt(1) === 98 && value.charCodeAt(2) === 106 && value.charCodeAt(3) === 95) start = 4; // "obj_"
  else if (value.charCodeAt(0) === 35) start = 1; // "#"
  if (start === value.length) return false;
  for (let i = start; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

function isRefList(value: unknown): boolean {
  if (!Array.isArray(value)) return false;
  for (const item of value) if (!isRef(item)) return false;
  return true;
}

const ATTRIBUTE_SET = new Set<string>(ATTRIBUTES);
const RELATION_SET = new Set<string>(RELATIONS);

/** A check that args have exactly these keys (strict objects), the required ones present. */
function exactKeys(required: readonly string[], optional: readonly string[] = []): (args: Record<string, unknown>) => boolean {
  return (args) => {
    let count = 0;
    for (const key in args) {
      if (!required.includes(key) && !optional.includes(key)) return false;
      count++;
    }
    for (const key of required) if (!(key in args)) return false;
    return count >= required.length;
  };
}

const DETECT_KEYS = exactKeys([], ["query"]);
const OBJECT_KEYS = exactKeys(["object"]);
const FILTER_KEYS = exactKeys(["objects", "attribute", "value"]);
const RELATE_KEYS = exactKeys(["object", "relation"]);
const CHECK_RELATION_KEYS = exactKeys(["subject", "relation", "object"]);
const OBJECTS_KEYS = exactKeys(["objects"]);
const COMPARE_KEYS = exactKeys(["a", "b", "attribute"]);
const PAIR_KEYS = exactKeys(["a", "b"]);

export const TOOLS: ToolDefinition[] = [
  tool({
    name: "detect",
    fastValid: (a) => DETECT_KEYS(a) && (a.query === undefined || typeof a.query === "string"),
    description: "Find objects matching attribute words and/or a shape noun (\"large red cylinder\", \"things\"); empty query returns every object.",
    args: z.object({ query: z.string().optional() }).strict(),
    result: z.array(z.object({ id: z.string(), label: z.string(), box: box.nullable(), score: z.number().optional() })),
    run(scene, { query }) {
      const type = sceneTypeOf(scene);
      return listValue(type.detect(scene, query ?? ""), (index) => {
        const o = scene.objects[index];
        return { id: objectId(index), label: type.label(o), box: o.box };
      });
    },
    ids(scene, { query }) {
      return listIds(sceneTypeOf(scene).detect(scene, query ?? ""));
    },
  }),
  tool({
    name: "get_attributes",
    fastValid: (a) => OBJECT_KEYS(a) && isRef(a.object),
    description: "Color, size, shape and material of one object.",
    args: z.object({ object: objectRef }).strict(),
    result: z.object({ color: z.string(), size: z.string(), shape: z.string(), material: z.string() }),
    referencedObjects: (a) => [a.object],
    objectArgs: { object: "object" },
    run(scene, { object }) {
      return sceneTypeOf(scene).attributesOf(resolveObject(scene, object));
    },
  }),
  tool({
    name: "filter",
    fastValid: (a) => FILTER_KEYS(a) && isRefList(a.objects) && typeof a.attribute === "string" && ATTRIBUTE_SET.has(a.attribute) && typeof a.value === "string" && ATTRIBUTE_VALUES[a.attribute as Attribute].includes(a.value),
    description: "The objects of a list whose attribute has the given value.",
    // The value must belong to the attribute's vocabulary ("rubber" is a material, not a color).
    // The refinement is not expressible in the JSON Schema, which lists every attribute value.
    args: z
      .object({ objects: z.array(objectRef), attribute, value: z.enum(ALL_VALUES) })
      .strict()
      .superRefine((a, ctx) => {
        if (!ATTRIBUTE_VALUES[a.attribute].includes(a.value)) {
          ctx.addIssue({ code: "custom", path: ["value"], message: `"${a.value}" is not a ${a.attribute} (expected one of ${ATTRIBUTE_VALUES[a.attribute].join(", ")})` });
        }
      }),
    result: idList,
    referencedObjects: (a) => a.objects,
    objectArgs: { objects: "objects" },
    run(scene, { objects, attribute: attr, value }) {
      return listValue(filtered(scene, objects, attr, value), objectId);
    },
    ids(scene, { objects, attribute: attr, value }) {
      return listIds(filtered(scene, objects, attr, value));
    },
  }),
  tool({
    name: "relate",
    fastValid: (a) => RELATE_KEYS(a) && isRef(a.object) && typeof a.relation === "string" && RELATION_SET.has(a.relation),
    description: "Every object that is `relation` of the given object (e.g. left of it).",
    args: z.object({ object: objectRef, relation }).strict(),
    result: idList,
    referencedObjects: (a) => [a.object],
    objectArgs: { object: "object" },
    run(scene, { object, relation: rel }) {
      return listValue(sceneTypeOf(scene).related(scene, resolveObject(scene, object), rel), objectId);
    },
    ids(scene, { object, relation: rel }) {
      return listIds(sceneTypeOf(scene).related(scene, resolveObject(scene, object), rel));
    },
  }),
  tool({
    name: "check_relation",
    fastValid: (a) => CHECK_RELATION_KEYS(a) && isRef(a.subject) && isRef(a.object) && typeof a.relation === "string" && RELATION_SET.has(a.relation),
    description: "Whether subject is `relation` of object (subject is left of object, ...).",
    args: z.object({ subject: objectRef, relation, object: objectRef }).strict(),
    result: z.boolean(),
    referencedObjects: (a) => [a.subject, a.object],
    objectArgs: { subject: "object", object: "object" },
    run(scene, { subject, relation: rel, object }) {
      const s = resolveObject(scene, subject);
      const o = resolveObject(scene, object);
      return truthValue(sceneTypeOf(scene).relation(scene, s, rel, o));
    },
  }),
  tool({
    name: "count",
    fastValid: (a) => OBJECTS_KEYS(a) && isRefList(a.objects),
    description: "Number of objects in a list.",
    args: z.object({ objects: z.array(objectRef) }).strict(),
    result: z.number().int().nonnegative(),
    referencedObjects: (a) => a.objects,
    objectArgs: { objects: "objects" },
    run(scene, { objects }) {
      // distinct objects: a bitmask for indices below 31 (every CLEVR scene), a Set beyond
      let seen = 0;
      let large: Set<number> | null = null;
      let count = 0;
      for (const ref of objects) {
        const { index } = resolveObject(scene, ref);
        if (index >= 0 && index <= 30 && Number.isInteger(index)) {
          if ((seen & (1 << index)) === 0) count++;
          seen |= 1 << index;
        } else if (!(large ??= new Set()).has(index)) {
          large.add(index);
          count++;
        }
      }
      return count;
    },
  }),
  tool({
    name: "compare",
    fastValid: (a) => COMPARE_KEYS(a) && isRef(a.a) && isRef(a.b) && typeof a.attribute === "string" && ATTRIBUTE_SET.has(a.attribute),
    description: "Whether two objects have the same value of an attribute.",
    args: z.object({ a: objectRef, b: objectRef, attribute }).strict(),
    result: z.boolean(),
    referencedObjects: (a) => [a.a, a.b],
    objectArgs: { a: "object", b: "object" },
    run(scene, { a, b, attribute: attr }) {
      return truthValue(sceneTypeOf(scene).same(scene, resolveObject(scene, a), resolveObject(scene, b), attr));
    },
  }),
  tool({
    name: "distance",
    fastValid: (a) => PAIR_KEYS(a) && isRef(a.a) && isRef(a.b),
    description: "Euclidean distance between two objects in scene units (3-D).",
    args: z.object({ a: objectRef, b: objectRef }).strict(),
    result: z.number().nonnegative(),
    referencedObjects: (a) => [a.a, a.b],
    objectArgs: { a: "object", b: "object" },
    run(scene, { a, b }) {
      return sceneTypeOf(scene).distance(scene, resolveObject(scene, a), resolveObject(scene, b));
    },
  }),
];

// VisProg (Gupta & Kembhavi 2023) modules as they appear in GQA program traces. Their results come
// from neural models, so there is no executor: result.reexec skips them; args are still checked.
const visprogArg = z.string();
const VISPROG_MODULES: Record<string, string[]> = {
  LOC: ["image", "object"],
  CROP: ["image", "box"],
  CROP_LEFTOF: ["image", "box"],
  CROP_RIGHTOF: ["image", "box"],
  CROP_ABOVE: ["image", "box"],
  CROP_BELOW: ["image", "box"],
  CROP_FRONTOF: ["image", "box"],
  CROP_INFRONT: ["image", "box"],
  CROP_BEHIND: ["image", "box"],
  VQA: ["image", "question"],
  COUNT: ["box"],
  EVAL: ["expr"],
  RESULT: ["var"],
};
const VARIABLE = /^[A-Z][A-Z0-9_]*$/;
const BRACED = /\{([A-Za-z_]\w*)\}/g;

/** IMAGE, BOX0 and {ANSWER0} inside EVAL expressions; quoted strings are values, not variables. */
function visprogVariables(args: Record<string, unknown>): string[] {
  const found: string[] = [];
  for (const [key, value] of Object.entries(args)) {
    if (typeof value !== "string") continue;
    if (key === "expr") for (const match of value.matchAll(BRACED)) found.push(match[1]);
    else if (key !== "object" && key !== "question" && VARIABLE.test(value)) found.push(value);
  }
  return found;
}

for (const [name, params] of Object.entries(VISPROG_MODULES)) {
  TOOLS.push({
    name,
    description: `VisProg module ${name}(${params.join(", ")})`,
    args: z.object(Object.fromEntries(params.map((p) => [p, visprogArg]))).strict(),
    result: z.unknown(),
    referencedObjects: () => [],
    variableRefs: (args) => visprogVariables(args),
    concludes: name === "RESULT",
    family: "visprog",
  });
}

const byName = new Map(TOOLS.map((t) => [t.name, t]));

export function getTool(name: string): ToolDefinition | undefined {
  return byName.get(name);
}

export const toolNames = (): string[] => [...byName.keys()];

export function registerTool(definition: ToolDefinition): void {
  if (byName.has(definition.name)) throw new Error(`tool ${definition.name} is already registered`);
  TOOLS.push(definition);
  byName.set(definition.name, definition);
}

/** JSON Schemas in the OpenAI / TRL `tools` layout. */
export function toolJsonSchemas(family = "spatial"): Array<{ type: "function"; function: { name: string; description: string; parameters: unknown } }> {
  return TOOLS.filter((t) => t.family === family).map((t) => ({
    type: "function",
    function: { name: t.name, description: t.description, parameters: z.toJSONSchema(t.args) },
  }));
}
