import { isClevr } from "@/lib/scenes/index";
import type { Attribute, Scene, SceneObject } from "@/lib/tools/scene";
import type { Claim, Desc } from "@/lib/verifier/claims";
import { idKey, type IdKey } from "@/lib/verifier/compare";
import type { VerifierSettings } from "@/lib/verifier/config";
import { photoClaimsVerdict } from "@/lib/verifier/photo-claims";
import { NO_SCENE, type CallRecord, type RuleDefinition, type StepPass } from "@/lib/verifier/rule";

// reasoning.claims: each claim the claims grammar (claims.ts) reads from a reasoning step is
// checked against the scene graph, and counts against the count calls it cites.

/**
 * Which scene objects fit a description. The description is read once: Desc objects come in many
 * shapes (attribute subsets, optional relation, same-as, exclusion, either/or), so reading them
 * afresh for every object of the scene was most of the cost of checking a claim.
 */
class Matcher {
  private readonly color: string | undefined;
  private readonly size: string | undefined;
  private readonly shape: string | undefined;
  private readonly material: string | undefined;
  /** The objects related to the description's reference object; null: no relation constraint. */
  private readonly related: readonly number[] | null;
  /** A relation is named but the scene has no such row: nothing fits. */
  private readonly nothing: boolean;
  /** A description names its anchor object ("the red cube") but several objects fit it: the claim cannot be checked. */
  ambiguous: boolean;
  private readonly sameAttribute: Attribute | null;
  private readonly reference: SceneObject | null;
  private readonly except: readonly number[] | null;
  private readonly either: [Matcher, Matcher] | null;

  constructor(desc: Desc, scene: Scene) {
    const { color, size, shape, material } = desc.attrs;
    this.color = color;
    this.size = size;
    this.shape = shape;
    this.material = material;
    let nothing = false;
    this.related = null;
    this.ambiguous = false;
    if (desc.rel) {
      let object = desc.rel.object;
      if (desc.rel.anchor) {
        // "left of the cyan cylinder": the description must name one object of the scene
        const anchors = matching(desc.rel.anchor, scene);
        if (anchors.length > 1) this.ambiguous = true;
        object = anchors.length === 1 ? anchors[0] : -1;
      }
      const row = object >= 0 ? scene.relationships[desc.rel.relation]?.[object] : undefined;
      if (row) this.related = row;
      else nothing = true;
    }
    this.sameAttribute = null;
    this.reference = null;
    if (desc.same) {
      const reference = scene.objects[desc.same.object];
      if (reference) {
        this.sameAttribute = desc.same.attribute;
        this.reference = reference;
      } else nothing = true;
    }
    this.nothing = nothing;
    this.except = desc.except ?? null;
    this.either = desc.or ? [new Matcher(desc.or[0], scene), new Matcher(desc.or[1], scene)] : null;
    if (this.either && (this.either[0].ambiguous || this.either[1].ambiguous)) this.ambiguous = true;
  }

  fits(object: SceneObject): boolean {
    if (this.nothing) return false;
    if (this.color !== undefined && object.color !== this.color) return false;
    if (this.size !== undefined && object.size !== this.size) return false;
    if (this.shape !== undefined && object.shape !== this.shape) return false;
    if (this.material !== undefined && object.material !== this.material) return false;
    if (this.related !== null && !this.related.includes(object.index)) return false;
    if (this.reference !== null && (object.index === this.reference.index || object[this.sameAttribute!] !== this.reference[this.sameAttribute!])) return false;
    if (this.except !== null && this.except.includes(object.index)) return false;
    if (this.either !== null && !this.either[0].fits(object) && !this.either[1].fits(object)) return false;
    return true;
  }
}

function matching(desc: Desc, scene: Scene): number[] {
  const matcher = new Matcher(desc, scene);
  const ids: number[] = [];
  for (const object of scene.objects) if (matcher.fits(object)) ids.push(object.index);
  return ids;
}

/** idKey and size of the objects fitting a description, without building the list. */
function matchingKey(desc: Desc, scene: Scene): { key: IdKey; count: number } {
  if (scene.objects.length > 31) {
    const ids = matching(desc, scene);
    return { key: idKey(ids), count: ids.length };
  }
  const matcher = new Matcher(desc, scene);
  let mask = 0;
  let count = 0;
  for (const object of scene.objects) {
    if (matcher.fits(object)) {
      mask |= 1 << object.index;
      count++;
    }
  }
  return { key: mask, count };
}

const names = (ids: readonly number[]) => (ids.length ? ids.map((id) => `obj_${id}`).join(", ") : "none");

interface ClaimCheck {
  ok: boolean;
  expected: unknown;
  found: unknown;
}

const TRUE: ClaimCheck = { ok: true, expected: null, found: null };
const FALSE: ClaimCheck = { ok: false, expected: null, found: null };

/**
 * A claim's truth (null: cannot be checked here). With `explain`, also what was expected and
 * found — built only for the failures the UI shows, not for the millions of passing claims.
 */
function checkClaim(claim: Claim, scene: Scene, countCalls: readonly CallRecord[], p: StepPass, settings: VerifierSettings, explain: boolean): ClaimCheck | null {
  switch (claim.kind) {
    case "members": {
      const matcher = new Matcher(claim.desc, scene);
      if (matcher.ambiguous) return null;
      let ok = true;
      for (const id of claim.ids) {
        const object = scene.objects[id];
        if (!object || matcher.fits(object) === claim.negated) ok = false;
      }
      if (!explain) return ok ? TRUE : FALSE;
      const wrong = claim.ids.filter((id) => !scene.objects[id] || matcher.fits(scene.objects[id]) === claim.negated);
      return { ok, expected: `${claim.negated ? "none" : "each"} of ${names(claim.ids)} fits`, found: wrong.length ? `${names(wrong)} ${claim.negated ? "fits" : "does not fit"}` : "all fit" };
    }
    case "enumeration": {
      if (claim.desc.rel?.anchor && new Matcher(claim.desc, scene).ambiguous) return null;
      const ok = matchingKey(claim.desc, scene).key === idKey(claim.ids);
      if (!explain) return ok ? TRUE : FALSE;
      return { ok, expected: names(matching(claim.desc, scene)), found: names(claim.ids) };
    }
    case "count": {
      if (claim.desc) {
        if (claim.desc.rel?.anchor && new Matcher(claim.desc, scene).ambiguous) return null;
        const truth = matchingKey(claim.desc, scene);
        const ok = truth.count === claim.n && (claim.ids === null || idKey(claim.ids) === truth.key);
        if (!explain) return ok ? TRUE : FALSE;
        const ids = matching(claim.desc, scene);
        return { ok, expected: claim.ids ? `${ids.length}: ${names(ids)}` : ids.length, found: claim.ids ? `${claim.n}: ${names(claim.ids)}` : claim.n };
      }
      if (claim.ids) {
        const distinct = new Set(claim.ids).size;
        const ok = distinct === claim.n;
        return explain ? { ok, expected: distinct, found: claim.n } : ok ? TRUE : FALSE;
      }
      const cited = countCalls.at(-1);
      const outcome = cited ? p.execute(cited) : null;
      if (!outcome || !outcome.ok) return null;
      const ok = outcome.value === claim.n;
      return explain ? { ok, expected: outcome.value, found: claim.n } : ok ? TRUE : FALSE;
    }
    case "attribute": {
      const object = scene.objects[claim.id];
      const truth = object ? object[claim.attribute] : `no object obj_${claim.id}`;
      const ok = truth === claim.value;
      return explain ? { ok, expected: truth, found: claim.value } : ok ? TRUE : FALSE;
    }
    case "same": {
      for (const id of claim.ids) if (!scene.objects[id]) return explain ? { ok: false, expected: "existing objects", found: names(claim.ids) } : FALSE;
      if (claim.reference !== null) {
        const reference = scene.objects[claim.reference];
        if (!reference) return explain ? { ok: false, expected: "an existing reference object", found: `obj_${claim.reference}` } : FALSE;
        const value = reference[claim.attribute];
        let ok = true;
        for (const id of claim.ids) if (id !== reference.index && scene.objects[id][claim.attribute] !== value) ok = false;
        if (!explain) return ok ? TRUE : FALSE;
        const wrong = claim.ids.filter((id) => id !== reference.index && scene.objects[id][claim.attribute] !== value);
        return { ok, expected: `${claim.attribute} ${value}`, found: wrong.length ? `${names(wrong)} differ` : "all the same" };
      }
      const first = scene.objects[claim.ids[0]][claim.attribute];
      let allSame = true;
      for (const id of claim.ids) if (scene.objects[id][claim.attribute] !== first) allSame = false;
      const ok = allSame === claim.same;
      if (!explain) return ok ? TRUE : FALSE;
      return { ok, expected: claim.same ? "the same" : "different", found: claim.ids.map((id) => scene.objects[id][claim.attribute]).join(" / ") };
    }
    case "compare": {
      const holds = claim.op === "gt" ? claim.a > claim.b : claim.op === "lt" ? claim.a < claim.b : claim.a === claim.b;
      if (holds === claim.negated) return explain ? { ok: false, expected: `${!claim.negated ? "not " : ""}${claim.op}`, found: `${claim.a} ${claim.op} ${claim.b}` } : FALSE;
      if (countCalls.length < 2) return TRUE;
      const first = p.execute(countCalls[countCalls.length - 2]);
      const second = p.execute(countCalls[countCalls.length - 1]);
      if (!first?.ok || !second?.ok) return TRUE;
      const t1 = first.value as number;
      const t2 = second.value as number;
      const ok = (claim.a === t1 && claim.b === t2) || (claim.a === t2 && claim.b === t1);
      return explain ? { ok, expected: `the counts ${t1} and ${t2}`, found: `${claim.a} and ${claim.b}` } : ok ? TRUE : FALSE;
    }
    case "definite": {
      // the subject must name one object; several fitting it (or an ambiguous anchor): not checkable here
      const subject = new Matcher(claim.subject, scene);
      const matcher = new Matcher(claim.desc, scene);
      if (subject.ambiguous || matcher.ambiguous) return null;
      let found: SceneObject | null = null;
      let fitting = 0;
      for (const object of scene.objects) {
        if (subject.fits(object)) {
          fitting++;
          found = object;
        }
      }
      if (fitting > 1) return null;
      const ok = found !== null && matcher.fits(found) !== claim.negated;
      if (!explain) return ok ? TRUE : FALSE;
      return { ok, expected: found ? `obj_${found.index} ${claim.negated ? "does not fit" : "fits"}` : "an object fitting the description", found: found ? (ok ? "it does" : "it does not") : "none in the scene" };
    }
    case "distance": {
      const a = scene.objects[claim.a]?.coords3d;
      const b = scene.objects[claim.b]?.coords3d;
      if (!a || !b) return null;
      const truth = Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);
      const ok = Math.abs(truth - claim.value) <= settings.tolerances.claimNumber;
      return explain ? { ok, expected: Math.round(truth * 100) / 100, found: claim.value } : ok ? TRUE : FALSE;
    }
  }
}

function checkClaims(claims: Claim[], scene: Scene, p: StepPass): void {
  const { countCalls, settings } = p;
  let checked = 0;
  let firstFalse: { claim: Claim; check: ClaimCheck } | null = null;
  let falseCount = 0;
  for (const claim of claims) {
    const check = checkClaim(claim, scene, countCalls, p, settings, false);
    if (!check) continue;
    checked++;
    if (!check.ok) {
      falseCount++;
      firstFalse ??= { claim, check: checkClaim(claim, scene, countCalls, p, settings, true)! };
    }
  }
  if (checked === 0) p.skip("no claim could be checked");
  else if (!firstFalse) p.pass(checked === 1 ? "the claim is true of the scene" : "every claim is true of the scene");
  else {
    p.fail(`false: "${firstFalse.claim.text}"${falseCount > 1 ? ` (and ${falseCount - 1} more)` : ""}`, {
      claim: firstFalse.claim.text,
      expected: firstFalse.check.expected,
      found: firstFalse.check.found,
    });
  }
}

/** Claims on a photo scene (graph, boxes): checked through the scene's type (lib/verifier/photo-claims.ts). */
function photoClaims(claims: Claim[], scene: Scene, p: StepPass): void {
  const verdict = photoClaimsVerdict(claims, scene, (back) => {
    const call = p.countCalls[p.countCalls.length - 1 - back];
    const outcome = call ? p.execute(call) : null;
    return outcome?.ok && !outcome.undecided && typeof outcome.value === "number" ? outcome.value : null;
  });
  if (verdict.outcome === "pass") p.pass(verdict.message);
  else if (verdict.outcome === "fail") p.fail(verdict.message, verdict.evidence);
  else p.skip(verdict.message);
}

export const reasoningClaims: RuleDefinition<"reasoning.claims"> = {
  id: "reasoning.claims",
  scope: "step",
  kinds: ["reasoning"],
  needs: { scene: true },
  description: "Every claim the reasoning makes (claims grammar) is true of the scene and agrees with the tool results it cites.",
  defaults: { enabled: true, weight: 2 },
  evaluate: (p) => {
    const parsed = p.reasoning!;
    if (parsed.claims.length === 0) p.skip(parsed.hypothetical ? "hypothetical reasoning only" : "no checkable claims");
    else if (!p.scene) p.skip(NO_SCENE);
    else if (!isClevr(p.scene)) photoClaims(parsed.claims, p.scene, p);
    else checkClaims(parsed.claims, p.scene, p);
  },
};
