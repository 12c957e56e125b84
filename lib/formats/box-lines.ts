import { BOX_CONVENTIONS, boxValues, isBoxConvention, needsImageSize, toPixelBox, type BoxConvention } from "@/lib/formats/boxes";
import { isPlainObject, jsonRecords } from "@/lib/formats/records";
import type { FormatDefinition, ReadContext } from "@/lib/formats/reader";
import type { ReadItem } from "@/lib/formats/types";
import { parseObjectId } from "@/lib/tools/scene";

// Boxes JSONL, one box per line, in any convention of boxes.ts:
//   {"image": "x.jpg", "box": [ymin, xmin, ymax, xmax], "format": "yxyx-999", "label": "bee",
//    "source": "human" | "ground_truth" | "detector:<name>", "score": 0.9, "object": "obj_3",
//    "width": 1024, "height": 768}
// format defaults to xywh (pixels); width/height give the image size when no image file is found.

const SOURCE = /^(ground_truth|derived|human|detector:[\w.\-/]+)$/;

function* readBoxLines(context: ReadContext): Generator<ReadItem> {
  for (const record of jsonRecords(context.file, context.progress)) {
    if ("error" in record) {
      yield { type: "error", ...record };
      continue;
    }
    const v = record.value;
    const line = record.line;
    if (!isPlainObject(v)) {
      yield { type: "error", line, path: "$", error: "expected a box object {image, box, format?}" };
      continue;
    }
    if (typeof v.image !== "string" || !v.image) {
      yield { type: "error", line, path: "$.image", error: "expected the image file name or URL" };
      continue;
    }
    const convention: BoxConvention = v.format === undefined ? "xywh" : (v.format as BoxConvention);
    if (!isBoxConvention(convention)) {
      yield { type: "error", line, path: "$.format", error: `unknown box format ${JSON.stringify(v.format)} (expected one of ${Object.keys(BOX_CONVENTIONS).join(", ")})` };
      continue;
    }
    const values = boxValues(v.box);
    if (!values.ok) {
      yield { type: "error", line, path: "$.box", error: values.error };
      continue;
    }
    if (!needsImageSize(convention)) {
      const pixels = toPixelBox(values.values, convention);
      if (!pixels.ok) {
        yield { type: "error", line, path: "$.box", error: pixels.error };
        continue;
      }
    }
    const source = v.source === undefined ? (context.detector ? `detector:${context.detector}` : "ground_truth") : v.source;
    if (typeof source !== "string" || !SOURCE.test(source)) {
      yield { type: "error", line, path: "$.source", error: `expected ground_truth, derived, human or detector:<name>, found ${JSON.stringify(v.source)}` };
      continue;
    }
    if (v.score !== undefined && v.score !== null && typeof v.score !== "number") {
      yield { type: "error", line, path: "$.score", error: `expected a number, found ${JSON.stringify(v.score)}` };
      continue;
    }
    const objectIndex = v.object === undefined || v.object === null ? null : parseObjectId(v.object);
    if (v.object !== undefined && v.object !== null && objectIndex === null) {
      yield { type: "error", line, path: "$.object", error: `expected an object id like obj_3, found ${JSON.stringify(v.object)}` };
      continue;
    }
    const width = typeof v.width === "number" && v.width > 0 ? v.width : null;
    const height = typeof v.height === "number" && v.height > 0 ? v.height : null;
    if (width && height) yield { type: "image", line, value: { name: v.image, width, height } };
    yield {
      type: "box",
      line,
      value: {
        image: v.image,
        source,
        label: typeof v.label === "string" ? v.label : null,
        objectIndex,
        box: values.values,
        convention,
        score: typeof v.score === "number" ? v.score : null,
      },
    };
  }
}

export const boxLinesFormat: FormatDefinition = {
  name: "boxes",
  summary: "Boxes JSONL {image, box, format: xywh|xyxy|xywh-norm|xyxy-norm|cxcywh-norm|yxyx-999|yxyx-1000, label, source, score}",
  detect: ({ firstValue }) => isPlainObject(firstValue) && "image" in firstValue && "box" in firstValue && !("steps" in firstValue),
  read: readBoxLines,
};
