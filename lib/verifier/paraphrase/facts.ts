import { ATTRIBUTES, ATTRIBUTE_VALUES, RELATIONS, type Attribute, type Relation, type Scene, type SceneObject } from "@/lib/tools/scene";
import { pick, pickIndex, type Rng } from "@/lib/teacher/scripted/rng";

// The paraphrase corpus's facts (docs/claims-grammar.md, "Measuring the reader"): a claim about a
// real CLEVR scene, true or deliberately false, in the claims reader's own structure (its label),
// plus what a family needs to phrase it. Families (families-dev.ts, families-heldout.ts) only turn
// a fact into words; the truth is decided here from the scene.

export type Attrs = Partial<Record<Attribute, string>>;

export interface LabelDesc {
  attrs: Attrs;
  rel?: { relation: Relation; object: number };
}

export type LabelClaim =
  | { kind: "attribute"; id: number; attribute: Attribute; value: string }
  | { kind: "members"; ids: number[]; desc: LabelDesc; negated: boolean }
  | { kind: "count"; n: number; desc: LabelDesc }
  | { kind: "same"; ids: number[]; attribute: Attribute; same: boolean }
  | { kind: "enumeration"; ids: number[]; desc: LabelDesc };

export interface Fact {
  claim: LabelClaim;
  /** The claim holds in the scene. */
  truth: boolean;
  /** For relation facts: a description that picks out the anchor object alone (to say "the cyan cylinder"). */
  anchorDesc?: Attrs | null;
}

export type FactKind = "attribute" | "members" | "negated" | "relation" | "count" | "same" | "enumeration";
export const FACT_KINDS: FactKind[] = ["attribute", "members", "negated", "relation", "count", "same", "enumeration"];

const fits = (o: SceneObject, attrs: Attrs) => Object.entries(attrs).every(([a, v]) => o[a as Attribute] === v);

export function uniqueAttrs(scene: Scene, object: SceneObject, rng: Rng): Attrs | null {
  const subsets: Attribute[][] = [];
  for (let mask = 1; mask < 16; mask++) subsets.push(ATTRIBUTES.filter((_, i) => mask & (1 << i)));
  subsets.sort((a, b) => a.length - b.length || rng() - 0.5);
  for (const subset of subsets) {
    const attrs: Attrs = Object.fromEntries(subset.map((a) => [a, object[a]]));
    if (!attrs.shape && subset.length < 2) continue;
    if (scene.objects.filter((o) => fits(o, attrs)).length === 1) return attrs;
  }
  return null;
}

const otherValue = (rng: Rng, attribute: Attribute, value: string) => pick(rng, ATTRIBUTE_VALUES[attribute].filter((v) => v !== value));

function related(scene: Scene, relation: Relation, anchor: number): number[] {
  return scene.relationships[relation]?.[anchor] ?? [];
}

/** A fact of the given kind about the scene; `truth` false makes it false. null when the scene cannot give one. */
export function makeFact(kind: FactKind, scene: Scene, truth: boolean, rng: Rng): Fact | null {
  const objects = scene.objects;
  const o = pick(rng, objects);
  switch (kind) {
    case "attribute": {
      const attribute = pick(rng, ATTRIBUTES);
      return { claim: { kind: "attribute", id: o.index, attribute, value: truth ? o[attribute] : otherValue(rng, attribute, o[attribute]) }, truth };
    }
    case "members": {
      const k = 1 + pickIndex(rng, 3);
      const attributes = [...ATTRIBUTES].sort(() => rng() - 0.5).slice(0, k);
      const attrs: Attrs = Object.fromEntries(attributes.map((a) => [a, o[a]]));
      if (!truth) {
        const wrong = pick(rng, attributes);
        attrs[wrong] = otherValue(rng, wrong, o[wrong]);
      }
      return { claim: { kind: "members", ids: [o.index], desc: { attrs }, negated: false }, truth };
    }
    case "negated": {
      const attribute = pick(rng, ["color", "shape", "material", "size"] as Attribute[]);
      const value = truth ? otherValue(rng, attribute, o[attribute]) : o[attribute];
      return { claim: { kind: "members", ids: [o.index], desc: { attrs: { [attribute]: value } }, negated: true }, truth };
    }
    case "relation": {
      const relation = pick(rng, RELATIONS);
      const anchor = pick(rng, objects.filter((p) => p.index !== o.index));
      if (!anchor) return null;
      const holds = related(scene, relation, anchor.index).includes(o.index);
      // a false fact says the relation that does not hold
      const stated: Relation = holds === truth ? relation : ({ left: "right", right: "left", front: "behind", behind: "front" } as const)[relation];
      return { claim: { kind: "members", ids: [o.index], desc: { attrs: {}, rel: { relation: stated, object: anchor.index } }, negated: false }, truth, anchorDesc: uniqueAttrs(scene, anchor, rng) };
    }
    case "count": {
      const k = 1 + pickIndex(rng, 2);
      const attributes = [...ATTRIBUTES].sort(() => rng() - 0.5).slice(0, k);
      const attrs: Attrs = Object.fromEntries(attributes.map((a) => [a, o[a]]));
      const withRel = rng() < 0.4;
      const desc: LabelDesc = { attrs };
      let anchorDesc: Attrs | null = null;
      let pool = objects;
      if (withRel) {
        const anchor = pick(rng, objects);
        const relation = pick(rng, RELATIONS);
        desc.rel = { relation, object: anchor.index };
        anchorDesc = uniqueAttrs(scene, anchor, rng);
        pool = related(scene, relation, anchor.index).map((id) => objects[id]);
      }
      const n = pool.filter((p) => fits(p, attrs)).length;
      const stated = truth ? n : n === 0 ? 1 + pickIndex(rng, 2) : rng() < 0.5 ? n + 1 : n - 1;
      return { claim: { kind: "count", n: stated, desc }, truth, anchorDesc };
    }
    case "same": {
      const p = pick(rng, objects.filter((q) => q.index !== o.index));
      if (!p) return null;
      const attribute = pick(rng, ATTRIBUTES);
      const same = o[attribute] === p[attribute];
      return { claim: { kind: "same", ids: [o.index, p.index], attribute, same: truth ? same : !same }, truth };
    }
    case "enumeration": {
      const attrs = uniqueAttrs(scene, o, rng);
      if (!attrs) return null;
      const id = truth ? o.index : pick(rng, objects.filter((q) => q.index !== o.index))?.index;
      if (id === undefined) return null;
      return { claim: { kind: "enumeration", ids: [id], desc: { attrs } }, truth };
    }
  }
}
