import { sceneTypeOf } from "@/lib/scenes/index";
import { isUndecided, objectId, type Scene, type SceneObject, type Truth } from "@/lib/scenes/model";
import type { Claim, Desc } from "@/lib/verifier/claims";

// reasoning.claims on photo scenes (graph, boxes): each claim is checked through the scene's type
// (lib/scenes) instead of CLEVR's fields, so relations come from the graph or from geometry with
// the ambiguity margin. A claim the scene cannot decide skips the step with the reason; it never
// fails confidently (docs/design.md §3).

export interface PhotoClaimsVerdict {
  outcome: "pass" | "fail" | "skip";
  message: string;
  evidence: { claim: string; expected: unknown; found: unknown } | null;
}

/** Truth of "all of these" (false wins, then undecided). */
function all(truths: Iterable<Truth>): Truth {
  let doubt: Truth = true;
  for (const t of truths) {
    if (t === false) return false;
    if (isUndecided(t)) doubt = t;
  }
  return doubt;
}

function any(a: Truth, b: Truth): Truth {
  if (a === true || b === true) return true;
  if (a === false) return b;
  return a;
}

const not = (t: Truth): Truth => (isUndecided(t) ? { undecided: t.undecided, lean: !t.lean } : !t);

function fits(desc: Desc, object: SceneObject, scene: Scene): Truth {
  const type = sceneTypeOf(scene);
  const truths: Truth[] = [];
  for (const [attribute, value] of Object.entries(desc.attrs)) {
    if (value === undefined) continue;
    // CLEVR's shape nouns name a photo object's category
    truths.push(type.hasValue(object, attribute === "shape" ? "category" : attribute, value));
  }
  if (desc.rel) {
    // "left of the cyan cylinder": the anchor description must name one object for certain
    const anchor = desc.rel.anchor ? matching(desc.rel.anchor, scene) : null;
    if (anchor && (anchor.sure.length !== 1 || anchor.uncertain.length > 0)) {
      const n = anchor.sure.length + anchor.uncertain.length;
      return { undecided: n === 0 ? "the object it is placed against is not in the scene" : `the object it is placed against could be any of ${n} objects`, lean: false };
    }
    const other = scene.objects[anchor ? anchor.sure[0] : desc.rel.object];
    truths.push(other ? type.relation(scene, object, desc.rel.relation, other) : false);
  }
  if (desc.same) {
    const reference = scene.objects[desc.same.object];
    truths.push(reference && reference.index !== object.index ? type.same(scene, object, reference, desc.same.attribute) : false);
  }
  if (desc.except?.includes(object.index)) return false;
  const own = all(truths);
  return desc.or ? all([own, any(fits(desc.or[0], object, scene), fits(desc.or[1], object, scene))]) : own;
}

const names = (ids: readonly number[]) => (ids.length ? ids.map(objectId).join(", ") : "none");

interface Check {
  truth: Truth;
  expected: unknown;
  found: unknown;
}

function matching(desc: Desc, scene: Scene): { sure: number[]; uncertain: number[]; reason: string | null } {
  const sure: number[] = [];
  const uncertain: number[] = [];
  let reason: string | null = null;
  for (const o of scene.objects) {
    const t = fits(desc, o, scene);
    if (t === true) sure.push(o.index);
    else if (isUndecided(t)) {
      uncertain.push(o.index);
      reason ??= t.undecided;
    }
  }
  return { sure, uncertain, reason };
}

function check(claim: Claim, scene: Scene, countValue: (back: number) => number | null): Check | null {
  const type = sceneTypeOf(scene);
  switch (claim.kind) {
    case "members": {
      const truths = claim.ids.map((id) => (scene.objects[id] ? fits(claim.desc, scene.objects[id], scene) : false));
      const truth = all(truths.map((t) => (claim.negated ? not(t) : t)));
      return { truth, expected: `${claim.negated ? "none" : "each"} of ${names(claim.ids)} fits`, found: truth === false ? "not so in the scene" : "so in the scene" };
    }
    case "enumeration": {
      const m = matching(claim.desc, scene);
      const stated = new Set(claim.ids);
      const wrong = m.sure.some((id) => !stated.has(id)) || claim.ids.some((id) => !m.sure.includes(id) && !m.uncertain.includes(id));
      const truth: Truth = wrong ? false : m.reason ? { undecided: m.reason, lean: true } : true;
      return { truth, expected: names(m.sure), found: names(claim.ids) };
    }
    case "count": {
      if (claim.desc) {
        const m = matching(claim.desc, scene);
        const low = m.sure.length;
        const high = low + m.uncertain.length;
        const truth: Truth = claim.n < low || claim.n > high ? false : low === high ? true : { undecided: `${claim.n} is between ${low} and ${high}: ${m.reason}`, lean: claim.n === low };
        return { truth, expected: low === high ? low : `${low}–${high}`, found: claim.n };
      }
      if (claim.ids) {
        const distinct = new Set(claim.ids).size;
        return { truth: distinct === claim.n, expected: distinct, found: claim.n };
      }
      const value = countValue(0);
      return value === null ? null : { truth: value === claim.n, expected: value, found: claim.n };
    }
    case "attribute": {
      const object = scene.objects[claim.id];
      if (!object) return { truth: false, expected: `an object ${objectId(claim.id)}`, found: "none" };
      return { truth: type.hasValue(object, claim.attribute === "shape" ? "category" : claim.attribute, claim.value), expected: type.attributesOf(object)[claim.attribute] ?? "not recorded", found: claim.value };
    }
    case "same": {
      const objects = claim.ids.map((id) => scene.objects[id]);
      if (objects.some((o) => !o)) return { truth: false, expected: "existing objects", found: names(claim.ids) };
      const reference = claim.reference === null ? objects[0] : scene.objects[claim.reference];
      if (!reference) return { truth: false, expected: "an existing reference object", found: objectId(claim.reference!) };
      const pairs = objects.filter((o) => o.index !== reference.index).map((o) => type.same(scene, o, reference, claim.attribute));
      const truth = all(pairs);
      return { truth: claim.same ? truth : not(truth), expected: claim.same ? "the same" : "different", found: claim.attribute };
    }
    case "compare": {
      const holds = claim.op === "gt" ? claim.a > claim.b : claim.op === "lt" ? claim.a < claim.b : claim.a === claim.b;
      if (holds === claim.negated) return { truth: false, expected: `${!claim.negated ? "not " : ""}${claim.op}`, found: `${claim.a} ${claim.op} ${claim.b}` };
      const t1 = countValue(1);
      const t2 = countValue(0);
      if (t1 === null || t2 === null) return { truth: true, expected: null, found: null };
      const ok = (claim.a === t1 && claim.b === t2) || (claim.a === t2 && claim.b === t1);
      return { truth: ok, expected: `the counts ${t1} and ${t2}`, found: `${claim.a} and ${claim.b}` };
    }
    case "definite": {
      // "the large cube is red": the subject must name exactly one object for certain
      const subject = matching(claim.subject, scene);
      if (subject.uncertain.length > 0 || subject.sure.length !== 1) return null;
      const t = fits(claim.desc, scene.objects[subject.sure[0]], scene);
      return { truth: claim.negated ? not(t) : t, expected: `${objectId(subject.sure[0])} ${claim.negated ? "does not fit" : "fits"}`, found: t === false ? "not so in the scene" : "so in the scene" };
    }
    case "distance":
      return null;
  }
}

/**
 * The reasoning.claims verdict of a step on a photo scene. `countValue(k)` re-executes the k-th
 * most recent count call (0 = the last) for claims that cite counts; null when there is none.
 */
export function photoClaimsVerdict(claims: readonly Claim[], scene: Scene, countValue: (back: number) => number | null): PhotoClaimsVerdict {
  let checked = 0;
  let doubt: { claim: Claim; reason: string } | null = null;
  for (const claim of claims) {
    const c = check(claim, scene, countValue);
    if (!c) continue;
    if (c.truth === false) return { outcome: "fail", message: `false: "${claim.text}"`, evidence: { claim: claim.text, expected: c.expected, found: c.found } };
    if (isUndecided(c.truth)) doubt ??= { claim, reason: c.truth.undecided };
    else checked++;
  }
  if (doubt) return { outcome: "skip", message: `ambiguous: "${doubt.claim.text}": ${doubt.reason}`, evidence: null };
  if (checked === 0) return { outcome: "skip", message: "no claim could be checked", evidence: null };
  return { outcome: "pass", message: checked === 1 ? "the claim is true of the scene" : "every claim is true of the scene", evidence: null };
}
