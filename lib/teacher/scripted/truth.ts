import { getTool } from "@/lib/tools/registry";
import { objectId, type Scene } from "@/lib/tools/scene";
import type { TClaim, TDesc } from "@/lib/teacher/scripted/text";

// Ground truth of the teacher's own claims, computed by running the registry's tools on the scene
// (filter, check_relation, compare, get_attributes). This is the fault injector's labelling
// oracle: it reads the teacher's structures, never the text, and shares no code with the
// verifier's claims parser or evaluator.

function run(scene: Scene, tool: string, args: Record<string, unknown>): unknown {
  const outcome = getTool(tool)!.execute!(scene, args);
  return outcome.ok ? outcome.value : undefined;
}

export function exists(scene: Scene, id: number): boolean {
  return id >= 0 && id < scene.objects.length;
}

export function fits(scene: Scene, id: number, desc: TDesc): boolean {
  if (!exists(scene, id)) return false;
  for (const [attribute, value] of Object.entries(desc.attrs)) {
    const kept = run(scene, "filter", { objects: [objectId(id)], attribute, value }) as string[] | undefined;
    if (!kept?.length) return false;
  }
  if (desc.rel) {
    if (!exists(scene, desc.rel.object)) return false;
    if (run(scene, "check_relation", { subject: objectId(id), relation: desc.rel.relation, object: objectId(desc.rel.object) }) !== true) return false;
  }
  if (desc.same) {
    if (id === desc.same.object || !exists(scene, desc.same.object)) return false;
    if (run(scene, "compare", { a: objectId(id), b: objectId(desc.same.object), attribute: desc.same.attribute }) !== true) return false;
  }
  if (desc.except?.includes(id)) return false;
  if (desc.or && !fits(scene, id, desc.or[0]) && !fits(scene, id, desc.or[1])) return false;
  return true;
}

export function allFitting(scene: Scene, desc: TDesc): number[] {
  return scene.objects.map((o) => o.index).filter((id) => fits(scene, id, desc));
}

const sameSet = (a: readonly number[], b: readonly number[]) => {
  const x = [...new Set(a)].sort((p, q) => p - q);
  const y = [...new Set(b)].sort((p, q) => p - q);
  return x.length === y.length && x.every((v, i) => v === y[i]);
};

/** True values of the count calls a comparison cites (re-executed with their recorded args). */
export interface TruthContext {
  /** One entry per count call so far; null when the call fails on the scene. */
  countTruths: ReadonlyArray<number | null>;
}

export function claimIsTrue(claim: TClaim, scene: Scene, context: TruthContext): boolean {
  switch (claim.kind) {
    case "members":
      return claim.ids.every((id) => exists(scene, id) && fits(scene, id, claim.desc) !== Boolean(claim.negated));
    case "enumeration":
      return sameSet(allFitting(scene, claim.desc), claim.ids);
    case "count": {
      const truth = allFitting(scene, claim.desc);
      return truth.length === claim.n && (!claim.list?.length || sameSet(truth, claim.list));
    }
    case "attribute": {
      if (!exists(scene, claim.id)) return false;
      const attributes = run(scene, "get_attributes", { object: objectId(claim.id) }) as Record<string, string>;
      return attributes[claim.attribute] === claim.value;
    }
    case "same": {
      if (!claim.ids.every((id) => exists(scene, id))) return false;
      if (claim.reference !== undefined) {
        if (!exists(scene, claim.reference)) return false;
        return claim.ids.every((id) => id === claim.reference || run(scene, "compare", { a: objectId(id), b: objectId(claim.reference!), attribute: claim.attribute }) === true);
      }
      const allSame = claim.ids.every((id) => run(scene, "compare", { a: objectId(id), b: objectId(claim.ids[0]), attribute: claim.attribute }) === true);
      return allSame === claim.same;
    }
    case "compare": {
      const holds = claim.op === "gt" ? claim.a > claim.b : claim.op === "lt" ? claim.a < claim.b : claim.a === claim.b;
      if (holds === claim.negated) return false;
      const truths = context.countTruths;
      if (truths.length < 2) return true;
      const [t1, t2] = truths.slice(-2);
      if (t1 === null || t2 === null) return true;
      return (claim.a === t1 && claim.b === t2) || (claim.a === t2 && claim.b === t1);
    }
  }
}
