import { ATTRIBUTES, RELATIONS, type Attribute, type Relation, type Scene, type SceneObject } from "@/lib/tools/scene";
import type { ProgramNode, ProgramQuestion } from "@/lib/teacher/scripted/engine";
import { pick, pickIndex, type Rng } from "@/lib/teacher/scripted/rng";

// CLEVR-style question templates (after the CLEVR question engine's families: zero-hop, one-hop,
// compare-integer, single-or, exist, same-attribute, compare-attribute) instantiated on a scene,
// with the functional program and the ground-truth answer. The answer comes from `runClevrProgram`,
// a direct reading of the scene that shares no code with the tools or the teacher.

export const TEMPLATES = ["zero_hop_query", "zero_hop_count", "exist", "one_hop_count", "one_hop_query", "compare_integer", "single_or", "same_attribute", "compare_attribute", "one_hop_exist"] as const;
export type TemplateName = (typeof TEMPLATES)[number];

type Attrs = Partial<Record<Attribute, string>>;
const ORDER: Attribute[] = ["size", "color", "material", "shape"];
const REL_TEXT: Record<Relation, string> = { left: "left of", right: "right of", front: "in front of", behind: "behind" };

function phrase(attrs: Attrs, plural: boolean): string {
  const words = (["size", "color", "material"] as Attribute[]).map((a) => attrs[a]).filter(Boolean);
  const noun = attrs.shape ? (plural ? `${attrs.shape}s` : attrs.shape) : plural ? "things" : "thing";
  return [...words, noun].join(" ");
}

const fits = (o: SceneObject, attrs: Attrs) => Object.entries(attrs).every(([a, v]) => o[a as Attribute] === v);
const matchingIds = (objects: SceneObject[], attrs: Attrs) => objects.filter((o) => fits(o, attrs)).map((o) => o.index);

class ProgramBuilder {
  nodes: ProgramNode[] = [];
  add(type: string, inputs: number[], value?: string): number {
    this.nodes.push({ type, inputs, value_inputs: value === undefined ? [] : [value] });
    return this.nodes.length - 1;
  }
  filters(input: number, attrs: Attrs): number {
    let last = input;
    for (const attribute of ORDER) if (attrs[attribute]) last = this.add(`filter_${attribute}`, [last], attrs[attribute]);
    return last;
  }
  select(attrs: Attrs): number {
    return this.filters(this.add("scene", []), attrs);
  }
}

/** The smallest description (fewest attribute words) that picks out exactly this object. */
function uniqueDescription(scene: Scene, object: SceneObject, rng: Rng, exclude?: Attribute): Attrs | null {
  const usable = ATTRIBUTES.filter((a) => a !== exclude);
  const subsets: Attribute[][] = [];
  for (let mask = 1; mask < 1 << usable.length; mask++) subsets.push(usable.filter((_, i) => mask & (1 << i)));
  subsets.sort((a, b) => a.length - b.length || rng() - 0.5);
  for (const subset of subsets) {
    const attrs: Attrs = Object.fromEntries(subset.map((a) => [a, object[a]]));
    if (matchingIds(scene.objects, attrs).length === 1) return attrs;
  }
  return null;
}

/** A description taken from a real object (1–2 attributes), so counts are rarely all zero. */
function someDescription(scene: Scene, rng: Rng): Attrs {
  const object = pick(rng, scene.objects);
  const k = 1 + pickIndex(rng, 2);
  const attributes = [...ATTRIBUTES].sort(() => rng() - 0.5).slice(0, k);
  return Object.fromEntries(attributes.map((a) => [a, object[a]]));
}

export interface GeneratedQuestion extends ProgramQuestion {
  template: TemplateName;
}

function instantiate(template: TemplateName, scene: Scene, rng: Rng): { question: string; program: ProgramNode[] } | null {
  const b = new ProgramBuilder();
  switch (template) {
    case "zero_hop_query": {
      const object = pick(rng, scene.objects);
      const query = pick(rng, ATTRIBUTES);
      const attrs = uniqueDescription(scene, object, rng, query);
      if (!attrs) return null;
      b.add(`query_${query}`, [b.add("unique", [b.select(attrs)])]);
      return { question: `What is the ${query} of the ${phrase(attrs, false)}?`, program: b.nodes };
    }
    case "zero_hop_count": {
      const attrs = someDescription(scene, rng);
      b.add("count", [b.select(attrs)]);
      return { question: `How many ${phrase(attrs, true)} are there?`, program: b.nodes };
    }
    case "exist": {
      const attrs = rng() < 0.5 ? someDescription(scene, rng) : { ...someDescription(scene, rng), color: pick(rng, ["gray", "red", "blue", "green", "brown", "purple", "cyan", "yellow"]) };
      b.add("exist", [b.select(attrs)]);
      return { question: `Are there any ${phrase(attrs, true)}?`, program: b.nodes };
    }
    case "one_hop_count":
    case "one_hop_exist": {
      const anchor = pick(rng, scene.objects);
      const anchorAttrs = uniqueDescription(scene, anchor, rng);
      if (!anchorAttrs) return null;
      const relation = pick(rng, RELATIONS);
      const target = rng() < 0.3 ? {} : someDescription(scene, rng);
      const related = b.add("relate", [b.add("unique", [b.select(anchorAttrs)])], relation);
      const set = b.filters(related, target);
      if (template === "one_hop_count") {
        b.add("count", [set]);
        return { question: `How many ${phrase(target, true)} are ${REL_TEXT[relation]} the ${phrase(anchorAttrs, false)}?`, program: b.nodes };
      }
      b.add("exist", [set]);
      return { question: `Is there a ${phrase(target, false)} ${REL_TEXT[relation]} the ${phrase(anchorAttrs, false)}?`, program: b.nodes };
    }
    case "one_hop_query": {
      const anchor = pick(rng, scene.objects);
      const anchorAttrs = uniqueDescription(scene, anchor, rng);
      if (!anchorAttrs) return null;
      const relation = pick(rng, RELATIONS);
      const related = scene.relationships[relation]?.[anchor.index] ?? [];
      if (related.length === 0) return null;
      const object = scene.objects[pick(rng, related)];
      const query = pick(rng, ATTRIBUTES);
      // the smallest description that is unique among the related objects
      const among = related.map((id) => scene.objects[id]);
      let target: Attrs | null = null;
      for (const subset of [[], ...ATTRIBUTES.filter((a) => a !== query).map((a) => [a])] as Attribute[][]) {
        const attrs: Attrs = Object.fromEntries(subset.map((a) => [a, object[a]]));
        if (matchingIds(among, attrs).length === 1) {
          target = attrs;
          break;
        }
      }
      if (!target) return null;
      const unique = b.add("unique", [b.filters(b.add("relate", [b.add("unique", [b.select(anchorAttrs)])], relation), target)]);
      b.add(`query_${query}`, [unique]);
      return { question: `What ${query} is the ${phrase(target, false)} ${REL_TEXT[relation]} the ${phrase(anchorAttrs, false)}?`, program: b.nodes };
    }
    case "compare_integer": {
      const a = someDescription(scene, rng);
      const c = someDescription(scene, rng);
      if (phrase(a, true) === phrase(c, true)) return null;
      const op = pick(rng, ["greater_than", "less_than", "equal_integer"] as const);
      const countA = b.add("count", [b.select(a)]);
      const countB = b.add("count", [b.select(c)]);
      b.add(op, [countA, countB]);
      const question = op === "greater_than" ? `Are there more ${phrase(a, true)} than ${phrase(c, true)}?`
        : op === "less_than" ? `Are there fewer ${phrase(a, true)} than ${phrase(c, true)}?`
        : `Are there the same number of ${phrase(a, true)} and ${phrase(c, true)}?`;
      return { question, program: b.nodes };
    }
    case "single_or": {
      const a = someDescription(scene, rng);
      const c = someDescription(scene, rng);
      if (phrase(a, true) === phrase(c, true)) return null;
      b.add("count", [b.add("union", [b.select(a), b.select(c)])]);
      return { question: `How many things are either ${phrase(a, true)} or ${phrase(c, true)}?`, program: b.nodes };
    }
    case "same_attribute": {
      const object = pick(rng, scene.objects);
      const attribute = pick(rng, ATTRIBUTES);
      const attrs = uniqueDescription(scene, object, rng, attribute);
      if (!attrs) return null;
      b.add("count", [b.add(`same_${attribute}`, [b.add("unique", [b.select(attrs)])])]);
      return { question: `How many other things have the same ${attribute} as the ${phrase(attrs, false)}?`, program: b.nodes };
    }
    case "compare_attribute": {
      const [first, second] = [pick(rng, scene.objects), pick(rng, scene.objects)];
      if (first.index === second.index) return null;
      const attribute = pick(rng, ATTRIBUTES);
      const a = uniqueDescription(scene, first, rng, attribute);
      const c = uniqueDescription(scene, second, rng, attribute);
      if (!a || !c) return null;
      const qa = b.add(`query_${attribute}`, [b.add("unique", [b.select(a)])]);
      const qc = b.add(`query_${attribute}`, [b.add("unique", [b.select(c)])]);
      b.add(`equal_${attribute}`, [qa, qc]);
      return { question: `Does the ${phrase(a, false)} have the same ${attribute} as the ${phrase(c, false)}?`, program: b.nodes };
    }
  }
}

/** Questions over one scene, cycling through the templates; deterministic for a given rng. */
export function generateQuestions(scene: Scene, count: number, rng: Rng, templates: readonly TemplateName[] = TEMPLATES): GeneratedQuestion[] {
  const questions: GeneratedQuestion[] = [];
  const seen = new Set<string>();
  const offset = pickIndex(rng, templates.length);
  for (let attempt = 0; questions.length < count && attempt < count * 20; attempt++) {
    const template = templates[(offset + questions.length + attempt) % templates.length];
    const made = instantiate(template, scene, rng);
    if (!made || seen.has(made.question)) continue;
    const answer = runClevrProgram(made.program, scene);
    if (answer === null) continue;
    seen.add(made.question);
    questions.push({ id: `${scene.name.replace(/\.png$/, "")}-q${String(questions.length).padStart(2, "0")}`, image: scene.name, question: made.question, answer, program: made.program, template });
  }
  return questions;
}

type Value = number[] | number | boolean | string;

/** CLEVR program semantics read straight off the scene (the ground truth); null when unanswerable. */
export function runClevrProgram(program: ProgramNode[], scene: Scene): string | null {
  const values: Value[] = [];
  const objects = scene.objects;
  for (const node of program) {
    const fn = node.type ?? node.function ?? "";
    const input = (node.inputs ?? []).map((k) => values[k]);
    const value = node.value_inputs?.[0];
    let out: Value;
    if (fn === "scene") out = objects.map((o) => o.index);
    else if (fn.startsWith("filter_")) out = (input[0] as number[]).filter((id) => objects[id][fn.slice(7) as Attribute] === value);
    else if (fn === "unique") {
      const ids = input[0] as number[];
      if (ids.length !== 1) return null;
      out = ids[0];
    } else if (fn === "relate") out = [...(scene.relationships[value as Relation]?.[input[0] as number] ?? [])];
    else if (fn === "count") out = (input[0] as number[]).length;
    else if (fn === "exist") out = (input[0] as number[]).length > 0;
    else if (fn.startsWith("query_")) out = objects[input[0] as number][fn.slice(6) as Attribute];
    else if (fn.startsWith("same_")) {
      const id = input[0] as number;
      const attribute = fn.slice(5) as Attribute;
      out = objects.filter((o) => o.index !== id && o[attribute] === objects[id][attribute]).map((o) => o.index);
    } else if (fn.startsWith("equal_") && fn !== "equal_integer") out = input[0] === input[1];
    else if (fn === "equal_integer") out = input[0] === input[1];
    else if (fn === "less_than") out = (input[0] as number) < (input[1] as number);
    else if (fn === "greater_than") out = (input[0] as number) > (input[1] as number);
    else if (fn === "union") out = [...new Set([...(input[0] as number[]), ...(input[1] as number[])])];
    else return null;
    values.push(out);
  }
  const last = values.at(-1);
  if (typeof last === "boolean") return last ? "yes" : "no";
  if (typeof last === "number" || typeof last === "string") return String(last);
  return null;
}
