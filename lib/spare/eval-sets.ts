import type { ErrorDetail } from "@/lib/errors";
import { relationsOf, spareRelation } from "@/lib/spare/taxonomy";
import { resolveRelationLabel, type RelationClassOrNone } from "@/lib/taxonomy/relations";
import { tagText } from "@/lib/taxonomy/tagger";

// Evaluation sets a synthetic SpaRE set is held against (docs/design.md §12):
//
//   What's Up (Kamath et al. 2023)   a JSON array — or JSONL — of {"image_path", "caption_options"}:
//                                    the first option is the right one (subsets A: on / under / left /
//                                    right, B: left / right / front / behind)
//   VSR (Liu et al. 2023)            JSONL {"image", "caption", "label", "relation"}; the relation is
//                                    grouped into VSR's 7 meta-categories
//
// Reading is all or nothing, like the caption readers: every bad record is reported as file:line:path
// and nothing is returned when there is one; a file with no record is an error.

export type EvalSet = "whatsup" | "vsr";

export interface EvalItem {
  set: EvalSet;
  image: string;
  /** VSR: the statement; What's Up: the right caption. */
  caption: string;
  /** What's Up: every option, the right one first (as in the file). */
  options: string[];
  /** VSR: whether the statement holds; What's Up: always true (the right caption). */
  label: boolean;
  relation: string;
  /** VSR's meta-category (VSR), or "Unallocated". */
  metaCategory: VsrMetaCategory;
  /** Our relation class (docs/design.md §9). */
  relationClass: RelationClassOrNone;
  file: string;
  line: number;
}

export const VSR_META_CATEGORIES = ["Adjacency", "Directional", "Orientation", "Projective", "Proximity", "Topological", "Unallocated"] as const;
export type VsrMetaCategory = (typeof VSR_META_CATEGORIES)[number];

/**
 * VSR's grouping of its relations into meta-categories, as the VSR repository gives it
 * (cambridgeltl/visual-spatial-reasoning, analysis_scripts/rel_meta_category_dict.txt, the table
 * its per-category accuracies are computed from; lib/spare/data/SOURCE.txt). The file lists 71
 * names for 70 relations (the paper: 66 occur in the data): "among" is listed under Topological
 * and again under Unallocated, and the repository's own evaluation script
 * (eval_compute_acc_by_rel_meta_cat.py, a dict filled line by line) counts it as Unallocated — so
 * do we, to report numbers comparable with VSR's. A relation VSR does not list is Unallocated too.
 */
export const VSR_META_TABLE: Record<VsrMetaCategory, string[]> = {
  Adjacency: ["adjacent to", "alongside", "at the side of", "at the right side of", "at the left side of", "attached to", "at the back of", "ahead of", "against", "at the edge of"],
  Directional: ["off", "past", "toward", "down", "deep down", "up", "away from", "along", "around", "from", "into", "to", "across", "across from", "through", "down from"],
  Orientation: ["facing", "facing away from", "parallel to", "perpendicular to"],
  Projective: ["on top of", "beneath", "beside", "behind", "left of", "right of", "under", "in front of", "below", "above", "over", "in the middle of"],
  Proximity: ["by", "close to", "near", "far from", "far away from"],
  Topological: ["connected to", "detached from", "has as a part", "part of", "contains", "within", "at", "on", "in", "with", "surrounding", "among", "consists of", "out of", "between", "inside", "outside", "touching"],
  Unallocated: ["beyond", "next to", "opposite to", "after", "among", "enclosed by"],
};
// filled in the file's order, later lines winning, as VSR's evaluation script does ("among")
const META_OF = new Map<string, VsrMetaCategory>(Object.entries(VSR_META_TABLE).flatMap(([category, relations]) => relations.map((r) => [r, category as VsrMetaCategory])));

export function vsrMetaCategory(relation: string): VsrMetaCategory {
  return META_OF.get(relation.toLowerCase().replace(/_/g, " ").replace(/\s+/g, " ").trim()) ?? "Unallocated";
}

function classOf(relation: string, text: string): RelationClassOrNone {
  const spare = spareRelation(relation);
  if (spare) return spare.class;
  const resolved = resolveRelationLabel(relation);
  if (resolved) return resolved.class;
  return (tagText(text)[0]?.class as RelationClassOrNone | undefined) ?? "none";
}

export interface EvalReadResult {
  items: EvalItem[];
  errors: ErrorDetail[];
}

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

interface RawRecord {
  value: unknown;
  line: number;
  /** JSON path prefix of the record ("$" for a JSONL line, "$[3]" inside an array). */
  at: string;
}

/** A JSON array file or JSONL; decoding and JSON errors go to `errors`. */
function records(file: string, buffer: Buffer, errors: ErrorDetail[]): RawRecord[] {
  if ((buffer[0] === 0xff && buffer[1] === 0xfe) || (buffer[0] === 0xfe && buffer[1] === 0xff)) {
    errors.push({ file, line: 1, path: "$", error: "the file is UTF-16; save it as UTF-8" });
    return [];
  }
  let text: string;
  try {
    text = strictUtf8.decode(buffer[0] === 0xef && buffer[1] === 0xbb && buffer[2] === 0xbf ? buffer.subarray(3) : buffer);
  } catch {
    errors.push({ file, line: 1, path: "$", error: "not valid UTF-8 (wrong encoding? save the file as UTF-8)" });
    return [];
  }
  if (text.trimStart().startsWith("[")) {
    let array: unknown;
    try {
      array = JSON.parse(text);
    } catch (error) {
      errors.push({ file, line: 1, path: "$", error: `not JSON (${(error as Error).message})` });
      return [];
    }
    return (array as unknown[]).map((value, i) => ({ value, line: 1, at: `$[${i}]` }));
  }
  const out: RawRecord[] = [];
  text.split("\n").forEach((raw, index) => {
    if (raw.trim() === "") return;
    try {
      out.push({ value: JSON.parse(raw), line: index + 1, at: "$" });
    } catch (error) {
      errors.push({ file, line: index + 1, path: "$", error: `not JSON (${(error as Error).message})` });
    }
  });
  return out;
}

function nonEmptyString(value: unknown, file: string, line: number, path: string, errors: ErrorDetail[]): string | null {
  if (typeof value !== "string") {
    errors.push({ file, line, path, error: value === undefined ? "missing" : `expected a string, got ${value === null ? "null" : Array.isArray(value) ? "an array" : typeof value}` });
    return null;
  }
  const text = value.trim();
  if (!text) {
    errors.push({ file, line, path, error: "empty" });
    return null;
  }
  if (text.includes("\uFFFD") || text.includes("\u0000")) {
    errors.push({ file, line, path, error: "contains U+FFFD or NUL characters (wrong encoding upstream?)" });
    return null;
  }
  return text;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function finish(file: string, items: EvalItem[], errors: ErrorDetail[], expected: string): EvalReadResult {
  if (errors.length === 0 && items.length === 0) errors.push({ file, line: 1, path: "$", error: `no records found (expected ${expected})` });
  // decoding / JSON errors are found before the records are checked: report in file order
  errors.sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
  return errors.length ? { items: [], errors } : { items, errors };
}

/** What's Up: {"image_path", "caption_options": [right, wrong…]}. */
export function readWhatsUp(file: string, buffer: Buffer): EvalReadResult {
  const errors: ErrorDetail[] = [];
  const items: EvalItem[] = [];
  for (const { value, line, at } of records(file, buffer, errors)) {
    if (!isObject(value)) {
      errors.push({ file, line, path: at, error: "expected a JSON object with image_path and caption_options" });
      continue;
    }
    const image = nonEmptyString(value.image_path ?? value.image, file, line, `${at}.image_path`, errors);
    const options = value.caption_options;
    if (!Array.isArray(options) || options.length < 2) {
      errors.push({ file, line, path: `${at}.caption_options`, error: Array.isArray(options) ? "needs at least two options (the right one first)" : "missing: a list of captions, the right one first" });
      continue;
    }
    const texts = options.map((o, i) => nonEmptyString(o, file, line, `${at}.caption_options[${i}]`, errors));
    if (!image || texts.some((t) => t === null)) continue;
    const right = texts[0]!;
    const relation = relationsOf(right)[0] ?? "none";
    items.push({ set: "whatsup", image, caption: right, options: texts as string[], label: true, relation, metaCategory: "Unallocated", relationClass: classOf(relation, right), file, line });
  }
  return finish(file, items, errors, `What's Up records {"image_path", "caption_options"}`);
}

/** VSR: {"image", "caption", "label": 0 | 1, "relation"}. */
export function readVsr(file: string, buffer: Buffer): EvalReadResult {
  const errors: ErrorDetail[] = [];
  const items: EvalItem[] = [];
  for (const { value, line, at } of records(file, buffer, errors)) {
    if (!isObject(value)) {
      errors.push({ file, line, path: at, error: "expected a JSON object with image, caption, label and relation" });
      continue;
    }
    const image = nonEmptyString(value.image, file, line, `${at}.image`, errors);
    const caption = nonEmptyString(value.caption, file, line, `${at}.caption`, errors);
    const relation = nonEmptyString(value.relation, file, line, `${at}.relation`, errors);
    const raw = value.label;
    const label = raw === 1 || raw === true || raw === "1" ? true : raw === 0 || raw === false || raw === "0" ? false : null;
    if (label === null) errors.push({ file, line, path: `${at}.label`, error: raw === undefined ? "missing (1 true, 0 false)" : `expected 1 or 0, got ${JSON.stringify(raw)}` });
    if (!image || !caption || !relation || label === null) continue;
    items.push({ set: "vsr", image, caption, options: [caption], label, relation, metaCategory: vsrMetaCategory(relation), relationClass: classOf(relation, caption), file, line });
  }
  return finish(file, items, errors, `VSR records {"image", "caption", "label", "relation"}`);
}

/** The question and answer a trace of the item asks; What's Up options are rotated by the image so the right one is not always (A). */
export function evalQuestion(item: EvalItem): { question: string; answer: string } {
  if (item.set === "vsr") return { question: `Is this statement about the image true? "${item.caption}" Answer yes or no.`, answer: item.label ? "yes" : "no" };
  let h = 0;
  for (let i = 0; i < item.image.length; i++) h = (h * 31 + item.image.charCodeAt(i)) >>> 0;
  const shift = h % item.options.length;
  const order = item.options.map((_, i) => (i + shift) % item.options.length);
  const letters = order.map((_, i) => String.fromCharCode(65 + i));
  const question = `Which caption describes the image? ${order.map((o, i) => `(${letters[i]}) ${item.options[o]}`).join(" ")}`;
  const right = order.indexOf(0);
  return { question, answer: `(${letters[right]}) ${item.options[0]}` };
}
