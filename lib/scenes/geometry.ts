import type { SceneTolerances } from "@/lib/scenes/contract";
import { centre, objectId, type Box, type Scene, type SceneObject, type Truth } from "@/lib/scenes/model";
import type { GeometricRelation } from "@/lib/scenes/vocabulary";

// Relations derived from 2-D boxes (docs/design.md §3): left / right / above / below from box
// centres with a margin (a fraction of the image size), inside / contains by containment,
// overlapping by shared area, near / far by centre distance over the image diagonal, larger /
// smaller by area, front / behind only where depth is known. Inside a margin the answer is
// undecided, with the reason and the way the geometry leans.

const round = (v: number) => Math.round(v * 10) / 10;
const pct = (v: number) => `${Math.round(v * 1000) / 10} %`;

function intersection(a: Box, b: Box): number {
  const w = Math.min(a[0] + a[2], b[0] + b[2]) - Math.max(a[0], b[0]);
  const h = Math.min(a[1] + a[3], b[1] + b[3]) - Math.max(a[1], b[1]);
  return w > 0 && h > 0 ? w * h : 0;
}

const area = (b: Box) => Math.max(0, b[2]) * Math.max(0, b[3]);

/** A signed measure against a threshold: true beyond +margin, false beyond −margin, undecided between. */
function decide(value: number, margin: number, reason: () => string): Truth {
  if (value > margin) return true;
  if (value < -margin) return false;
  return { undecided: reason(), lean: value > 0 };
}

/** Whether `subject` is `relation` of `object` by their boxes (and depth where known). */
export function geometricRelation(scene: Scene, subject: SceneObject, relation: GeometricRelation, object: SceneObject, tol: SceneTolerances): Truth {
  const s = subject.box;
  const o = object.box;
  const sid = objectId(subject.index);
  const oid = objectId(object.index);
  if (!s || !o) return { undecided: `${!s ? sid : oid} has no box`, lean: false };
  const [sx, sy] = centre(s);
  const [ox, oy] = centre(o);
  const mx = tol.margin * scene.width;
  const my = tol.margin * scene.height;
  switch (relation) {
    case "left":
    case "right": {
      const d = relation === "left" ? ox - sx : sx - ox;
      return decide(d, mx, () => `${sid} is within the margin of ${relation} of ${oid}: centres ${round(Math.abs(sx - ox))} px apart horizontally, margin ${round(mx)} px`);
    }
    case "above":
    case "below": {
      const d = relation === "above" ? oy - sy : sy - oy;
      return decide(d, my, () => `${sid} is within the margin of ${relation} ${oid}: centres ${round(Math.abs(sy - oy))} px apart vertically, margin ${round(my)} px`);
    }
    case "front":
    case "behind": {
      const ds = subject.pixel?.[2];
      const dobj = object.pixel?.[2];
      if (ds === undefined || dobj === undefined || ds === null || dobj === null) return { undecided: `depth is unknown for ${sid} and ${oid} (front / behind need depth; a photo's boxes do not give it)`, lean: false };
      const d = relation === "front" ? dobj - ds : ds - dobj;
      const m = tol.margin * Math.max(Math.abs(ds), Math.abs(dobj));
      return decide(d, m, () => `${sid} and ${oid} are at nearly the same depth (${round(ds)} vs ${round(dobj)})`);
    }
    case "inside":
    case "contains": {
      const [inner, outer] = relation === "inside" ? [s, o] : [o, s];
      const share = area(inner) > 0 ? intersection(inner, outer) / area(inner) : 0;
      // inside from `inside` up; outside below inside − 0.3; between: partly inside
      return decide(share - (tol.inside - 0.15), 0.15, () => `${pct(share)} of ${relation === "inside" ? sid : oid}'s box lies inside ${relation === "inside" ? oid : sid}'s: partly inside (inside from ${pct(tol.inside)})`);
    }
    case "overlapping": {
      const share = intersection(s, o) / Math.max(1e-9, Math.min(area(s), area(o)));
      return decide(share - 0.06, 0.04, () => `${sid} and ${oid} barely touch (${pct(share)} of the smaller box shared)`);
    }
    case "near":
    case "far": {
      const diagonal = Math.hypot(scene.width, scene.height);
      const d = Math.hypot(sx - ox, sy - oy) / diagonal;
      const signed = relation === "near" ? tol.near - d : d - tol.near;
      return decide(signed, tol.margin, () => `${sid} and ${oid} are ${pct(d)} of the image diagonal apart: neither clearly near nor far (near below ${pct(tol.near - tol.margin)}, far above ${pct(tol.near + tol.margin)})`);
    }
    case "larger":
    case "smaller": {
      const ratio = Math.log(Math.max(1e-9, area(s)) / Math.max(1e-9, area(o)));
      const signed = relation === "larger" ? ratio : -ratio;
      return decide(signed, Math.log(tol.areaRatio), () => `${sid} and ${oid} have nearly the same area (${round(area(s))} vs ${round(area(o))} px², margin ${pct(tol.areaRatio - 1)})`);
    }
  }
}

/** compare by area: the same size when within the area margin, different beyond its square. */
export function sameArea(subject: SceneObject, object: SceneObject, tol: SceneTolerances): Truth {
  const s = subject.box;
  const o = object.box;
  if (!s || !o) return { undecided: `${objectId((!s ? subject : object).index)} has no box`, lean: false };
  const ratio = Math.abs(Math.log(Math.max(1e-9, area(s)) / Math.max(1e-9, area(o))));
  const m = Math.log(tol.areaRatio);
  if (ratio <= m) return true;
  if (ratio >= 2 * m) return false;
  return { undecided: `${objectId(subject.index)} and ${objectId(object.index)} differ in area by ${pct(Math.exp(ratio) - 1)}: neither clearly the same nor different`, lean: false };
}

/** Pixels between box centres. */
export function centreDistance(a: SceneObject, b: SceneObject): number | null {
  if (!a.box || !b.box) return null;
  const [ax, ay] = centre(a.box);
  const [bx, by] = centre(b.box);
  return Math.hypot(ax - bx, ay - by);
}
