// COCO run-length encoded masks → bounding boxes, as pycocotools does it (maskApi.c rleFrString
// and rleToBbox): counts alternate background / foreground runs over the image in column-major
// order (down each column, then the next column). The compressed string form packs each count in
// 5-bit groups offset by 48, with counts after the second stored as differences.

export interface Rle {
  size: [number, number]; // [height, width]
  counts: string | number[];
}

export function decodeRleCounts(counts: string): number[] {
  const out: number[] = [];
  let p = 0;
  while (p < counts.length) {
    let x = 0;
    let k = 0;
    let more = true;
    while (more) {
      if (p >= counts.length) throw new Error("RLE counts string ends inside a number");
      const c = counts.charCodeAt(p) - 48;
      if (c < 0 || c > 63) throw new Error(`RLE counts string has an invalid character ${JSON.stringify(counts[p])} at ${p}`);
      x |= (c & 0x1f) << (5 * k);
      more = (c & 0x20) !== 0;
      p++;
      k++;
      if (!more && c & 0x10) x |= -1 << (5 * k);
    }
    if (out.length > 2) x += out[out.length - 2];
    out.push(x);
  }
  return out;
}

/** [x, y, w, h] in pixels of the mask's bounding box; [0, 0, 0, 0] for an empty mask. */
export function rleToBox(rle: Rle): [number, number, number, number] {
  const [h, w] = rle.size;
  const counts = typeof rle.counts === "string" ? decodeRleCounts(rle.counts) : rle.counts;
  if (counts.some((c) => !Number.isInteger(c) || c < 0)) throw new Error("RLE counts must be non-negative integers");
  const total = counts.reduce((sum, c) => sum + c, 0);
  if (total !== h * w) throw new Error(`RLE counts cover ${total} pixels, the ${h}×${w} mask has ${h * w}`);
  const m = Math.floor(counts.length / 2) * 2;
  if (m === 0) return [0, 0, 0, 0];
  let xs = w;
  let ys = h;
  let xe = 0;
  let ye = 0;
  let cc = 0;
  let xp = 0;
  for (let j = 0; j < m; j++) {
    cc += counts[j];
    const t = cc - (j % 2);
    const y = t % h;
    const x = (t - y) / h;
    if (j % 2 === 0) xp = x;
    else if (xp < x) {
      // a foreground run that wraps into the next column spans the full height
      ys = 0;
      ye = h - 1;
    }
    xs = Math.min(xs, x);
    xe = Math.max(xe, x);
    ys = Math.min(ys, y);
    ye = Math.max(ye, y);
  }
  return [xs, ys, xe - xs + 1, ye - ys + 1];
}

/** Bounding box of COCO polygons [[x1, y1, x2, y2, ...], ...]. */
export function polygonsToBox(polygons: number[][]): [number, number, number, number] | null {
  let xs = Infinity;
  let ys = Infinity;
  let xe = -Infinity;
  let ye = -Infinity;
  for (const polygon of polygons) {
    for (let i = 0; i + 1 < polygon.length; i += 2) {
      xs = Math.min(xs, polygon[i]);
      xe = Math.max(xe, polygon[i]);
      ys = Math.min(ys, polygon[i + 1]);
      ye = Math.max(ye, polygon[i + 1]);
    }
  }
  return Number.isFinite(xs) ? [xs, ys, xe - xs, ye - ys] : null;
}

export function isRle(value: unknown): value is Rle {
  if (typeof value !== "object" || value === null) return false;
  const v = value as Record<string, unknown>;
  return Array.isArray(v.size) && v.size.length === 2 && v.size.every((n) => Number.isInteger(n) && (n as number) > 0) && (typeof v.counts === "string" || (Array.isArray(v.counts) && v.counts.every((n) => typeof n === "number")));
}
