import type { BoxDto, SceneObjectDto } from "@/lib/schemas/traces";
import { boxSourceRank } from "@/lib/tools/scene";

// Canvas geometry helpers, all in original-image pixels.

export interface Point {
  x: number;
  y: number;
}

export interface RelationArrow {
  from: number; // subject object index
  to: number; // reference object index
  relation: string;
  holds: boolean; // false: the step claims it does not hold (drawn dashed)
}

/** Where an object is: the centre of its best box, else its pixel_coords. */
export function objectCentres(boxes: BoxDto[], objects: SceneObjectDto[]): Map<number, Point> {
  const centres = new Map<number, Point>();
  for (const o of objects) if (o.px !== null && o.py !== null) centres.set(o.index, { x: o.px, y: o.py });
  const best = new Map<number, BoxDto>();
  for (const b of boxes) {
    if (b.objectIndex === null) continue;
    const current = best.get(b.objectIndex);
    if (!current || boxSourceRank(b.source) < boxSourceRank(current.source)) best.set(b.objectIndex, b);
  }
  for (const [index, b] of best) if (!centres.has(index)) centres.set(index, { x: b.x + b.w / 2, y: b.y + b.h / 2 });
  return centres;
}

/** The rectangle a drag from `start` to `end` spans, whichever way it went. */
export function draftRect({ start, end }: { start: Point; end: Point }): { x: number; y: number; w: number; h: number } {
  return { x: Math.min(start.x, end.x), y: Math.min(start.y, end.y), w: Math.abs(end.x - start.x), h: Math.abs(end.y - start.y) };
}

/** Zoom by `factor` keeping the image point under the pointer fixed. */
export function zoomAround(view: { scale: number; x: number; y: number }, pointer: Point, factor: number, limits: { min: number; max: number }) {
  const scale = Math.min(limits.max, Math.max(limits.min, view.scale * factor));
  const imageX = (pointer.x - view.x) / view.scale;
  const imageY = (pointer.y - view.y) / view.scale;
  return { scale, x: pointer.x - imageX * scale, y: pointer.y - imageY * scale };
}
