// Box conventions met in the wild, all converted to what the database stores: [x, y, w, h] in
// pixels of the original image (COCO convention). Conventions relative to the image need its
// size, which the importer knows from the image file or the input (COCO `images`).

export const BOX_CONVENTIONS = {
  xywh: "pixels [x, y, width, height] (COCO)",
  xyxy: "pixels [x_min, y_min, x_max, y_max]",
  "xywh-norm": "[x, y, width, height] as fractions of the image size (0–1)",
  "xyxy-norm": "[x_min, y_min, x_max, y_max] as fractions of the image size (0–1)",
  "cxcywh-norm": "[x_centre, y_centre, width, height] as fractions of the image size (YOLO)",
  "yxyx-999": "[y_min, x_min, y_max, x_max] on a 0–999 scale, y first (ImageInWords; values may be strings)",
  "yxyx-1000": "[y_min, x_min, y_max, x_max] on a 0–1000 scale, y first (Gemini box_2d)",
} as const;

export type BoxConvention = keyof typeof BOX_CONVENTIONS;
export type PixelBox = [number, number, number, number];

export const isBoxConvention = (value: unknown): value is BoxConvention => typeof value === "string" && value in BOX_CONVENTIONS;

export const needsImageSize = (convention: BoxConvention): boolean => convention !== "xywh" && convention !== "xyxy";

/** Four finite numbers (numeric strings allowed), or an error saying what was expected. */
export function boxValues(value: unknown): { ok: true; values: PixelBox } | { ok: false; error: string } {
  const list = typeof value === "string" ? value.trim().split(/[\s,]+/) : value;
  if (!Array.isArray(list) || list.length !== 4) return { ok: false, error: `expected 4 numbers, found ${JSON.stringify(value)?.slice(0, 60)}` };
  const numbers = list.map((v) => (typeof v === "string" && v.trim() !== "" ? Number(v) : v));
  if (!numbers.every((n) => typeof n === "number" && Number.isFinite(n))) return { ok: false, error: `expected 4 numbers, found ${JSON.stringify(value)?.slice(0, 60)}` };
  return { ok: true, values: numbers as PixelBox };
}

const round = (v: number) => Math.round(v * 100) / 100;

/** Converts a box to pixel [x, y, w, h]; `size` is required for the relative conventions. */
export function toPixelBox(
  value: unknown,
  convention: BoxConvention,
  size?: { width: number; height: number } | null,
): { ok: true; box: PixelBox } | { ok: false; error: string } {
  const parsed = boxValues(value);
  if (!parsed.ok) return parsed;
  const [a, b, c, d] = parsed.values;
  if (needsImageSize(convention) && !(size && size.width > 0 && size.height > 0)) {
    return { ok: false, error: `a ${convention} box needs the image size (no image file and no width/height given)` };
  }
  const W = size?.width ?? 1;
  const H = size?.height ?? 1;
  let box: PixelBox;
  switch (convention) {
    case "xywh":
      box = [a, b, c, d];
      break;
    case "xyxy":
      box = [a, b, c - a, d - b];
      break;
    case "xywh-norm":
      box = [a * W, b * H, c * W, d * H];
      break;
    case "xyxy-norm":
      box = [a * W, b * H, (c - a) * W, (d - b) * H];
      break;
    case "cxcywh-norm":
      box = [(a - c / 2) * W, (b - d / 2) * H, c * W, d * H];
      break;
    case "yxyx-999":
      box = [(b / 999) * W, (a / 999) * H, ((d - b) / 999) * W, ((c - a) / 999) * H];
      break;
    case "yxyx-1000":
      box = [(b / 1000) * W, (a / 1000) * H, ((d - b) / 1000) * W, ((c - a) / 1000) * H];
      break;
  }
  if (box[2] < 0 || box[3] < 0) return { ok: false, error: `box ${JSON.stringify(value)} has a negative width or height as ${convention}` };
  const relative = needsImageSize(convention);
  if (relative && [a, b, c, d].some((v) => v < 0 || v > (convention === "yxyx-999" ? 999 : convention === "yxyx-1000" ? 1000 : 1))) {
    return { ok: false, error: `box ${JSON.stringify(value)} is outside the ${convention} range` };
  }
  return { ok: true, box: box.map(round) as PixelBox };
}
