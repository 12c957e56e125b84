import fs from "node:fs";
import path from "node:path";
import { parsePiece } from "@/lib/formats/clevr";
import { jsonDocumentPieces } from "@/lib/formats/json-stream";
import { isPlainObject } from "@/lib/formats/records";
import type { FormatDefinition, ReadContext } from "@/lib/formats/reader";
import { fileChunks, fileHead } from "@/lib/formats/source";
import type { NormalizedSceneObject, ReadItem } from "@/lib/formats/types";
import { canonicalRelation, groupAttributes } from "@/lib/scenes/vocabulary";

// Scene graphs of photos as `graph` scenes (docs/design.md §3):
// - GQA: {imageId: {width, height, objects: {objectId: {name, x, y, w, h, attributes: [...],
//   relations: [{name, object}]}}}} — a relation {name, object} on subject s says "s name object";
// - Visual Genome scene_graphs.json: [{image_id, width?, height?, objects: [{object_id, names |
//   name, x, y, w, h, attributes?}], relationships: [{predicate, subject_id | subject, object_id |
//   object}]}].
// Each image becomes a scene (objects with category and attributes grouped by family, relations in
// CLEVR's convention: relationships[rel][object] lists the subjects), the image (its size), and a
// ground-truth box per object. Optional per image, a Stepwise extension: "file" (the image file name;
// default <imageId>.jpg) and "questions": [{question, answer}] (ground truth for traces on it).

interface Problem {
  path: string;
  error: string;
}

interface GraphObject {
  key: string;
  category: string;
  box: [number, number, number, number];
  attributes: string[];
  relations: Array<{ name: string; object: string; path: string }>;
}

const isNumber = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);

function readBox(o: Record<string, unknown>, at: string, problems: Problem[]): [number, number, number, number] | null {
  const { x, y, w, h } = o;
  if (!isNumber(x) || !isNumber(y) || !isNumber(w) || !isNumber(h)) {
    problems.push({ path: `${at}`, error: `expected numeric x, y, w, h (a box in pixels), found ${JSON.stringify({ x, y, w, h })}` });
    return null;
  }
  if (w < 0 || h < 0) {
    problems.push({ path: `${at}.w`, error: `a box cannot have a negative size (w ${w}, h ${h})` });
    return null;
  }
  return [x, y, w, h];
}

function stringList(value: unknown, at: string, problems: Problem[]): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || !value.every((v) => typeof v === "string")) {
    problems.push({ path: at, error: "expected a list of attribute words" });
    return [];
  }
  return value as string[];
}

/** The objects of a GQA image entry ({objects: {id: {...}}}). */
function gqaObjects(entry: Record<string, unknown>, at: string, problems: Problem[]): GraphObject[] {
  const objects = entry.objects;
  if (!isPlainObject(objects)) {
    problems.push({ path: `${at}.objects`, error: "expected an object of objects keyed by id" });
    return [];
  }
  const out: GraphObject[] = [];
  for (const [key, raw] of Object.entries(objects)) {
    const p = `${at}.objects.${key}`;
    if (!isPlainObject(raw)) {
      problems.push({ path: p, error: "expected an object" });
      continue;
    }
    if (typeof raw.name !== "string" || !raw.name.trim()) {
      problems.push({ path: `${p}.name`, error: "expected the object's category name" });
      continue;
    }
    const box = readBox(raw, p, problems);
    if (!box) continue;
    const relations: GraphObject["relations"] = [];
    if (raw.relations !== undefined) {
      if (!Array.isArray(raw.relations)) problems.push({ path: `${p}.relations`, error: "expected a list of {name, object}" });
      else
        raw.relations.forEach((r, k) => {
          if (!isPlainObject(r) || typeof r.name !== "string" || (typeof r.object !== "string" && typeof r.object !== "number")) {
            problems.push({ path: `${p}.relations[${k}]`, error: 'expected {"name": relation, "object": object id}' });
          } else relations.push({ name: r.name, object: String(r.object), path: `${p}.relations[${k}].object` });
        });
    }
    out.push({ key, category: raw.name.trim(), box, attributes: stringList(raw.attributes, `${p}.attributes`, problems), relations });
  }
  return out;
}

/** The objects and relationships of a Visual Genome image entry. */
function vgObjects(entry: Record<string, unknown>, at: string, problems: Problem[]): GraphObject[] {
  if (!Array.isArray(entry.objects)) {
    problems.push({ path: `${at}.objects`, error: "expected a list of objects" });
    return [];
  }
  const out: GraphObject[] = [];
  const byKey = new Map<string, GraphObject>();
  entry.objects.forEach((raw, k) => {
    const p = `${at}.objects[${k}]`;
    if (!isPlainObject(raw)) return void problems.push({ path: p, error: "expected an object" });
    const id = raw.object_id ?? raw.id;
    if (typeof id !== "number" && typeof id !== "string") return void problems.push({ path: `${p}.object_id`, error: "expected the object's id" });
    const name = Array.isArray(raw.names) && typeof raw.names[0] === "string" ? raw.names[0] : raw.name;
    if (typeof name !== "string" || !name.trim()) return void problems.push({ path: `${p}.names`, error: "expected the object's names (or name)" });
    const box = readBox(raw, p, problems);
    if (!box) return;
    const object: GraphObject = { key: String(id), category: name.trim(), box, attributes: stringList(raw.attributes, `${p}.attributes`, problems), relations: [] };
    out.push(object);
    byKey.set(object.key, object);
  });
  const relationships = entry.relationships ?? [];
  if (!Array.isArray(relationships)) problems.push({ path: `${at}.relationships`, error: "expected a list of relationships" });
  else
    relationships.forEach((raw, k) => {
      const p = `${at}.relationships[${k}]`;
      if (!isPlainObject(raw)) return void problems.push({ path: p, error: "expected an object" });
      const idOf = (v: unknown) => (isPlainObject(v) ? (v.object_id ?? v.id) : v);
      const subject = idOf(raw.subject_id ?? raw.subject);
      const object = idOf(raw.object_id ?? raw.object);
      if (typeof raw.predicate !== "string" || (typeof subject !== "number" && typeof subject !== "string") || (typeof object !== "number" && typeof object !== "string")) {
        return void problems.push({ path: p, error: 'expected {"predicate", "subject_id", "object_id"}' });
      }
      const s = byKey.get(String(subject));
      if (!s) return void problems.push({ path: `${p}.subject_id`, error: `subject ${JSON.stringify(subject)} is not one of the image's objects` });
      s.relations.push({ name: raw.predicate, object: String(object), path: `${p}.object_id` });
    });
  return out;
}

function* imageItems(imageId: string, entry: unknown, at: string, line: number, kind: "gqa" | "vg"): Generator<ReadItem> {
  const unit = at;
  if (!isPlainObject(entry)) {
    yield { type: "error", line, unit, path: at, error: "expected an image entry object" };
    return;
  }
  const problems: Problem[] = [];
  const objects = kind === "gqa" ? gqaObjects(entry, at, problems) : vgObjects(entry, at, problems);
  const width = entry.width;
  const height = entry.height;
  if ((width !== undefined && !(isNumber(width) && width > 0)) || (height !== undefined && !(isNumber(height) && height > 0))) {
    problems.push({ path: `${at}.width`, error: `expected positive pixel sizes, found ${JSON.stringify({ width, height })}` });
  }
  const index = new Map(objects.map((o, i) => [o.key, i]));
  const relationships: Record<string, number[][]> = {};
  objects.forEach((o, s) => {
    for (const r of o.relations) {
      const target = index.get(r.object);
      if (target === undefined) {
        problems.push({ path: r.path, error: `object ${JSON.stringify(r.object)} is not one of the image's objects` });
        continue;
      }
      const name = canonicalRelation(r.name);
      const table = (relationships[name] ??= objects.map(() => []));
      // CLEVR convention: relationships[rel][object] lists every subject that is rel of it
      if (!table[target].includes(s)) table[target].push(s);
    }
  });
  const questions: Array<{ text: string; answer: string }> = [];
  if (entry.questions !== undefined) {
    if (!Array.isArray(entry.questions)) problems.push({ path: `${at}.questions`, error: "expected a list of {question, answer}" });
    else
      entry.questions.forEach((q, k) => {
        if (!isPlainObject(q) || typeof q.question !== "string" || !q.question.trim() || (typeof q.answer !== "string" && typeof q.answer !== "number")) {
          problems.push({ path: `${at}.questions[${k}]`, error: 'expected {"question": text, "answer": text}' });
        } else questions.push({ text: q.question, answer: String(q.answer) });
      });
  }
  if (entry.file !== undefined && (typeof entry.file !== "string" || !entry.file.trim())) problems.push({ path: `${at}.file`, error: "expected the image file name" });
  if (objects.length === 0 && problems.length === 0) problems.push({ path: `${at}.objects`, error: "the image has no objects" });
  if (problems.length) {
    for (const p of problems) yield { type: "error", line, unit, path: p.path, error: p.error };
    return;
  }
  const image = typeof entry.file === "string" ? entry.file.trim() : /\.\w{2,4}$/.test(imageId) ? imageId : `${imageId}.jpg`;
  yield { type: "image", line, unit, value: { name: image, width: isNumber(width) ? width : null, height: isNumber(height) ? height : null } };
  const sceneObjects: NormalizedSceneObject[] = objects.map((o, i) => ({ index: i, extra: { category: o.category, attributes: groupAttributes(o.attributes), sourceId: o.key } }));
  yield { type: "scene", line, unit, value: { name: image, image, kind: "graph", objects: sceneObjects, relationships, info: { source: kind, imageId } } };
  for (const [i, o] of objects.entries()) {
    yield { type: "box", line, unit, value: { image, source: "ground_truth", label: o.category, objectIndex: i, box: o.box } };
  }
  for (const [k, q] of questions.entries()) {
    yield { type: "question", line, unit, value: { externalId: `${imageId}-q${k}`, image, text: q.text, answer: q.answer, source: kind } };
  }
}

/** A file holding one image's graph itself ({"width", "height", "objects": {...}}), not a map of them. */
const SINGLE_IMAGE = /^\s*\{\s*"(width|height|objects|image_id|imageId|file|relationships)"\s*:/;

function* readSceneGraphs(context: ReadContext): Generator<ReadItem> {
  const head = fileHead(context.file, 4096).toString("utf8").replace(/^\ufeff/, "");
  if (SINGLE_IMAGE.test(head)) {
    const parsed = parsePiece(fs.readFileSync(context.file));
    if (!parsed.ok || !isPlainObject(parsed.value)) {
      yield { type: "error", line: 1, path: "$", error: parsed.ok ? "expected an image entry object" : parsed.error };
      return;
    }
    const v = parsed.value;
    const id = v.imageId ?? v.image_id ?? (typeof v.file === "string" ? v.file : path.basename(context.file).replace(/\.json$/i, ""));
    yield* imageItems(String(id), v, "$", 1, Array.isArray(v.objects) ? "vg" : "gqa");
    return;
  }
  let seen = 0;
  for (const piece of jsonDocumentPieces(fileChunks(context.file, context.progress), { stream: (key) => key === null })) {
    if (piece.kind === "error") {
      yield { type: "error", line: piece.line, path: piece.path, error: piece.error };
      return;
    }
    if (piece.kind === "value") continue;
    seen++;
    const at = piece.kind === "member" ? `$.${piece.key}` : `$[${piece.index}]`;
    if (context.skip?.(at)) continue;
    const parsed = parsePiece(piece.bytes);
    if (!parsed.ok) {
      yield { type: "error", line: piece.line, unit: at, path: at, error: parsed.ok ? "" : parsed.error };
      continue;
    }
    if (piece.kind === "member") yield* imageItems(piece.key, parsed.value, at, piece.line, "gqa");
    else {
      const v = parsed.value;
      const id = isPlainObject(v) ? (v.image_id ?? v.id) : undefined;
      if (typeof id !== "number" && typeof id !== "string") yield { type: "error", line: piece.line, unit: at, path: `${at}.image_id`, error: "expected the image's id" };
      else yield* imageItems(String(id), v, at, piece.line, "vg");
    }
  }
  if (seen === 0) yield { type: "error", line: 1, path: "$", error: "no image entries: expected a GQA scene-graph object {imageId: {...}} or a Visual Genome list [{image_id, objects, relationships}]" };
}

export const sceneGraphFormat: FormatDefinition = {
  name: "scene-graph",
  summary: 'GQA / Visual Genome scene graphs ({imageId: {width, height, objects: {id: {name, x, y, w, h, attributes, relations}}}} or [{image_id, objects, relationships}]) as graph scenes',
  detect: ({ head }) =>
    (SINGLE_IMAGE.test(head) && /"objects"\s*:/.test(head) && /"(name|names)"\s*:/.test(head) && /"x"\s*:/.test(head)) ||
    (/^\s*\{\s*"[^"]+"\s*:\s*\{/.test(head) && /"objects"\s*:\s*\{/.test(head) && /"name"\s*:/.test(head) && /"(relations|attributes)"\s*:/.test(head)) ||
    (/^\s*\[\s*\{/.test(head) && /"image_id"\s*:/.test(head) && /"relationships"\s*:/.test(head) && /"object_id"\s*:/.test(head)),
  read: readSceneGraphs,
};
