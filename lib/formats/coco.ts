import path from "node:path";
import { parsePiece } from "@/lib/formats/clevr";
import { jsonDocumentPieces } from "@/lib/formats/json-stream";
import { isPlainObject } from "@/lib/formats/records";
import type { FormatDefinition, ReadContext } from "@/lib/formats/reader";
import { isRle, polygonsToBox, rleToBox } from "@/lib/formats/rle";
import { fileChunks } from "@/lib/formats/source";
import type { ReadItem } from "@/lib/formats/types";

// COCO detections, both shapes:
// - ground truth {"images": [{id, file_name, width, height}], "annotations": [{image_id,
//   category_id, bbox, segmentation?}], "categories": [{id, name}]} → images + ground_truth boxes;
// - results [{image_id, category_id, bbox?, segmentation?, score}] → detector:<name> boxes.
// bbox is pixel [x, y, w, h]; without one the box comes from the RLE mask or the polygons.
// Results name images by COCO id, so they resolve through a ground-truth file of the same import
// (or name the image file directly when image_id is a string).
//
// The document is read twice: first images and categories (annotations are stepped over), then
// the annotations, so memory holds the id maps and one annotation at a time.

interface CocoImage {
  name: string;
  width: number | null;
  height: number | null;
}


function boxOf(annotation: Record<string, unknown>): { box: [number, number, number, number] } | { error: string; path: string } {
  const bbox = annotation.bbox;
  if (bbox !== undefined) {
    if (Array.isArray(bbox) && bbox.length === 4 && bbox.every((n) => typeof n === "number" && Number.isFinite(n)) && bbox[2] >= 0 && bbox[3] >= 0) {
      return { box: bbox as [number, number, number, number] };
    }
    return { path: "bbox", error: `expected [x, y, width, height] in pixels, found ${JSON.stringify(bbox)?.slice(0, 80)}` };
  }
  const segmentation = annotation.segmentation;
  if (isRle(segmentation)) {
    try {
      return { box: rleToBox(segmentation) };
    } catch (error) {
      return { path: "segmentation.counts", error: `invalid RLE mask: ${(error as Error).message}` };
    }
  }
  if (Array.isArray(segmentation) && segmentation.every((p) => Array.isArray(p) && p.every((n) => typeof n === "number"))) {
    const box = polygonsToBox(segmentation as number[][]);
    if (box) return { box };
  }
  return { path: "bbox", error: "expected a bbox, an RLE segmentation {size, counts} or polygons" };
}

function* readCoco(context: ReadContext): Generator<ReadItem> {
  const images = new Map<number, CocoImage>();
  const categories = new Map<number, string>();
  let topArray = false;
  // scan 1: images and categories
  for (const piece of jsonDocumentPieces(fileChunks(context.file), { stream: (key) => key === "images" || key === "categories" || key === null, skip: (key) => key === "annotations" })) {
    if (piece.kind === "error") {
      yield { type: "error", line: piece.line, path: piece.path, error: piece.error };
      return;
    }
    if (piece.kind !== "element") continue;
    if (piece.key === null) {
      topArray = true;
      break;
    }
    const unit = `${piece.key}[${piece.index}]`;
    const parsed = parsePiece(piece.bytes);
    const at = `$.${piece.key}[${piece.index}]`;
    if (!parsed.ok || !isPlainObject(parsed.value)) {
      yield { type: "error", line: piece.line, unit, path: at, error: parsed.ok ? "expected an object" : parsed.error };
      continue;
    }
    const value = parsed.value;
    if (typeof value.id !== "number" && typeof value.id !== "string") {
      yield { type: "error", line: piece.line, unit, path: `${at}.id`, error: "expected a numeric id" };
      continue;
    }
    const id = Number(value.id);
    if (piece.key === "categories") {
      if (typeof value.name !== "string") yield { type: "error", line: piece.line, unit, path: `${at}.name`, error: "expected the category name" };
      else categories.set(id, value.name);
      continue;
    }
    if (typeof value.file_name !== "string" || !value.file_name) {
      yield { type: "error", line: piece.line, unit, path: `${at}.file_name`, error: "expected the image file name" };
      continue;
    }
    const width = typeof value.width === "number" ? value.width : null;
    const height = typeof value.height === "number" ? value.height : null;
    const name = path.basename(value.file_name);
    images.set(id, { name, width, height });
    yield { type: "image", line: piece.line, unit, value: { name, cocoId: id, width, height, url: typeof value.coco_url === "string" ? value.coco_url : null } };
  }

  // scan 2: annotations (or the elements of a results list)
  const key = topArray ? null : "annotations";
  const source = topArray ? `detector:${context.detector ?? path.basename(context.file).replace(/\.[^.]+$/, "")}` : "ground_truth";
  for (const piece of jsonDocumentPieces(fileChunks(context.file, context.progress), { stream: (k) => k === key, skip: (k) => k !== key })) {
    if (piece.kind === "error") {
      yield { type: "error", line: piece.line, path: piece.path, error: piece.error };
      return;
    }
    if (piece.kind !== "element") continue;
    const unit = `${key ?? ""}[${piece.index}]`;
    const at = key ? `$.${key}[${piece.index}]` : `$[${piece.index}]`;
    const parsed = parsePiece(piece.bytes);
    if (!parsed.ok || !isPlainObject(parsed.value)) {
      yield { type: "error", line: piece.line, unit, path: at, error: parsed.ok ? "expected an object" : parsed.error };
      continue;
    }
    const a = parsed.value;
    let image: string | null = null;
    if (typeof a.image_id === "string" && !topArray) image = images.get(Number(a.image_id))?.name ?? null;
    else if (typeof a.image_id === "string") image = path.basename(a.image_id);
    else if (typeof a.image_id === "number") image = images.get(a.image_id)?.name ?? null;
    if (!image && !(topArray && typeof a.image_id === "number")) {
      yield { type: "error", line: piece.line, unit, path: `${at}.image_id`, error: `image_id ${JSON.stringify(a.image_id)} is not one of the file's images` };
      continue;
    }
    const box = boxOf(a);
    if ("error" in box) {
      yield { type: "error", line: piece.line, unit, path: `${at}.${box.path}`, error: box.error };
      continue;
    }
    let label: string | null = null;
    if (a.category_id !== undefined) {
      label = categories.get(Number(a.category_id)) ?? null;
      if (!label && categories.size) {
        yield { type: "error", line: piece.line, unit, path: `${at}.category_id`, error: `category_id ${JSON.stringify(a.category_id)} is not in the file's categories` };
        continue;
      }
      label ??= `category ${a.category_id}`;
    }
    const score = typeof a.score === "number" ? a.score : null;
    yield {
      type: "box",
      line: piece.line,
      unit,
      value: image
        ? { image, source, label, box: box.box, score }
        : { image: null, cocoImageId: a.image_id as number, source, label, box: box.box, score },
    };
  }
}

export const cocoFormat: FormatDefinition = {
  name: "coco",
  summary: "COCO detections: ground truth {images, annotations, categories} or results [{image_id, category_id, bbox, score}]; RLE masks → boxes",
  detect: ({ head }) => (/^\s*\{/.test(head) && /"annotations"\s*:/.test(head) && /"images"\s*:/.test(head)) || (/^\s*\[/.test(head) && /"image_id"\s*:/.test(head.slice(0, 2000)) && /"(bbox|segmentation)"\s*:/.test(head.slice(0, 4000))),
  read: readCoco,
};

// clevr-parser / NS-VQA Mask R-CNN proposals: {"object_masks": [RLE...], "image_idxs": [...],
// "category_idxs": [...], "scores": [...]}, parallel arrays. Images are named by the CLEVR
// image_index, resolved through the scenes of the same import or dataset. Categories number
// color × material × shape (colors in alphabetical order, rubber before metal, cube, cylinder,
// sphere; 1-based): inferred from the sample, where every mask centre lies on the pixel_coords
// of the object with exactly those attributes.

const CLEVR_COLORS = ["blue", "brown", "cyan", "gray", "green", "purple", "red", "yellow"];
const CLEVR_MATERIALS = ["rubber", "metal"];
const CLEVR_SHAPES = ["cube", "cylinder", "sphere"];

export function clevrCategoryLabel(category: number): string {
  const c = category - 1;
  if (!Number.isInteger(c) || c < 0 || c >= 48) return `category ${category}`;
  return `${CLEVR_COLORS[Math.floor(c / 6)]} ${CLEVR_MATERIALS[Math.floor((c % 6) / 3)]} ${CLEVR_SHAPES[c % 3]}`;
}

function* readClevrMasks(context: ReadContext): Generator<ReadItem> {
  const parallel: Record<string, unknown[]> = {};
  for (const piece of jsonDocumentPieces(fileChunks(context.file), { stream: () => false, skip: (key) => key === "object_masks" || key === "feature_vectors" })) {
    if (piece.kind === "error") {
      yield { type: "error", line: piece.line, path: piece.path, error: piece.error };
      return;
    }
    if (piece.kind !== "member") continue;
    const parsed = parsePiece(piece.bytes);
    if (!parsed.ok) {
      yield { type: "error", line: piece.line, path: `$.${piece.key}`, error: parsed.error };
      return;
    }
    if (Array.isArray(parsed.value)) parallel[piece.key] = parsed.value;
  }
  const imageIndices = parallel.image_idxs;
  if (!imageIndices) {
    yield { type: "error", line: 1, path: "$.image_idxs", error: "expected image_idxs: the image index of each mask" };
    return;
  }
  const detector = `detector:${context.detector ?? "mask-rcnn"}`;
  let count = 0;
  for (const piece of jsonDocumentPieces(fileChunks(context.file, context.progress), { stream: (key) => key === "object_masks", skip: (key) => key !== "object_masks" })) {
    if (piece.kind === "error") {
      yield { type: "error", line: piece.line, path: piece.path, error: piece.error };
      return;
    }
    if (piece.kind !== "element") continue;
    count++;
    const k = piece.index;
    const unit = `object_masks[${k}]`;
    const at = `$.object_masks[${k}]`;
    const parsed = parsePiece(piece.bytes);
    if (!parsed.ok || !isRle(parsed.value)) {
      yield { type: "error", line: piece.line, unit, path: at, error: parsed.ok ? "expected an RLE mask {size: [height, width], counts}" : parsed.error };
      continue;
    }
    const index = imageIndices[k];
    if (!Number.isInteger(index)) {
      yield { type: "error", line: piece.line, unit, path: `$.image_idxs[${k}]`, error: `expected the image index of mask ${k}, found ${JSON.stringify(index)}` };
      continue;
    }
    let box: [number, number, number, number];
    try {
      box = rleToBox(parsed.value);
    } catch (error) {
      yield { type: "error", line: piece.line, unit, path: `${at}.counts`, error: `invalid RLE mask: ${(error as Error).message}` };
      continue;
    }
    const category = parallel.category_idxs?.[k];
    const score = parallel.scores?.[k];
    yield {
      type: "box",
      line: piece.line,
      unit,
      value: {
        image: null,
        imageIndex: index as number,
        source: detector,
        label: typeof category === "number" ? clevrCategoryLabel(category) : null,
        box,
        score: typeof score === "number" ? score : null,
        matchObject: true,
      },
    };
  }
  if (count !== imageIndices.length) {
    yield { type: "error", line: 1, path: "$.image_idxs", error: `has ${imageIndices.length} entries for ${count} masks` };
  }
}

export const clevrMasksFormat: FormatDefinition = {
  name: "clevr-masks",
  summary: "Mask R-CNN proposals on CLEVR (clevr-parser / NS-VQA): object_masks (COCO RLE) with image_idxs, category_idxs, scores",
  detect: ({ head }) => /^\s*\{/.test(head) && /"object_masks"\s*:/.test(head),
  read: readClevrMasks,
};
