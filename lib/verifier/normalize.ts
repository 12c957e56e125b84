import { parseObjectId } from "@/lib/tools/scene";

// Answers are compared after normalisation (docs/design.md §5 final.correct): yes/no/true/false, number
// words, CLEVR synonyms, plural shape nouns, object references, and id lists as sets.

const WORDS: Record<string, string> = {
  true: "yes", yeah: "yes", yep: "yes", false: "no", nope: "no", none: "0",
  zero: "0", one: "1", two: "2", three: "3", four: "4", five: "5", six: "6", seven: "7", eight: "8", nine: "9", ten: "10",
  ball: "sphere", balls: "sphere", spheres: "sphere", block: "cube", blocks: "cube", cubes: "cube", cylinders: "cylinder",
  shiny: "metal", metallic: "metal", matte: "rubber", grey: "gray", big: "large", tiny: "small",
};

const LIST_ITEM = /^(?:obj_\d+|object \d+|#\d+)$/;

const memo = new Map<string, string>();

export function clearAnswerCache(): void {
  memo.clear();
}

export function normalizeAnswer(value: string | number | boolean | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === "boolean") return value ? "yes" : "no";
  if (typeof value === "number") return String(value);
  // answers repeat a lot ("yes", "2", "red"): remember them
  let normalized = memo.get(value);
  if (normalized === undefined) {
    normalized = normalizeText(value);
    if (memo.size > 10_000) memo.clear();
    memo.set(value, normalized);
  }
  return normalized;
}

function normalizeText(value: string): string {
  let text = value.trim().toLowerCase().replace(/[.!]+$/, "").trim();
  if (text.startsWith("the ")) text = text.slice(4);
  if (text in WORDS) return WORDS[text];
  if (/^-?\d+(\.\d+)?$/.test(text)) return String(Number(text));
  const items = text.split(/\s*,\s*|\s+and\s+/).filter(Boolean);
  if (items.length && items.every((item) => LIST_ITEM.test(item))) {
    return [...new Set(items.map((item) => parseObjectId(item)!))].sort((a, b) => a - b).map((id) => `obj_${id}`).join(", ");
  }
  return text;
}

export function sameAnswer(a: string | number | boolean | null | undefined, b: string | number | boolean | null | undefined): boolean {
  return normalizeAnswer(a) === normalizeAnswer(b);
}
