// Photo vocabulary shared by the `graph` and `boxes` scene types (docs/design.md §3): category
// nouns with synonyms (COCO and Visual Genome names), broader nouns that cover several categories
// ("furniture" → chair, couch, …), attribute families and relation phrases. Everything is matched
// on lower-case singular words.

/** Synonym groups: the first word is the canonical category. */
const SYNONYMS: readonly (readonly string[])[] = [
  ["person", "people", "human", "pedestrian"],
  ["man", "guy", "gentleman"],
  ["woman", "lady"],
  ["child", "kid"],
  ["couch", "sofa", "loveseat", "settee"],
  ["tv", "television", "tv monitor", "monitor screen"],
  ["laptop", "notebook computer"],
  ["cell phone", "phone", "mobile phone", "cellphone", "smartphone"],
  ["trash can", "garbage can", "bin", "trash bin", "garbage bin", "waste basket", "wastebasket", "dustbin"],
  ["bicycle", "bike"],
  ["motorcycle", "motorbike"],
  ["car", "automobile"],
  ["airplane", "aeroplane", "plane", "aircraft"],
  ["dining table", "table"],
  ["potted plant", "plant", "houseplant", "flower pot", "flowerpot"],
  ["picture", "photo", "photograph", "painting", "frame", "picture frame", "poster", "artwork"],
  ["drawer", "drawers"],
  ["cabinet", "cupboard"],
  ["shelf", "shelves", "bookshelf", "bookcase"],
  ["dresser", "chest of drawers", "nightstand", "night stand"],
  ["lamp", "light", "lampshade", "lamp shade"],
  ["pillow", "cushion", "throw pillow"],
  ["towel", "towels"],
  ["rug", "carpet", "mat"],
  ["curtain", "curtains", "drape", "drapes"],
  ["window", "windows"],
  ["bag", "handbag", "purse", "backpack", "suitcase"],
  ["shirt", "t-shirt", "tshirt", "top", "blouse"],
  ["sweater", "hoodie", "sweatshirt", "jumper"],
  ["jacket", "coat"],
  ["pants", "trousers", "jeans", "shorts"],
  ["shoe", "shoes", "sneaker", "boot"],
  ["hat", "cap", "helmet"],
  ["glass", "cup", "mug", "wine glass"],
  ["sign", "signboard", "street sign"],
  ["pole", "post", "lamppost", "lamp post"],
  ["tree", "trees"],
  ["bush", "shrub", "hedge"],
  ["building", "house"],
  ["ground", "floor", "pavement", "sidewalk", "street", "road"],
  ["wall", "walls"],
  ["door", "doorway"],
  ["chair", "seat", "stool", "armchair", "wheelchair", "office chair"],
  ["counter", "countertop", "kitchen counter"],
  ["bed", "mattress"],
  ["desk", "writing desk"],
  ["vase"],
  ["clock"],
  ["book", "books"],
  ["bottle"],
  ["umbrella"],
  ["bench"],
  ["sink"],
  ["toilet"],
  ["mirror"],
  ["fence", "railing"],
  ["sky"],
  ["grass"],
];

/** Broader nouns a query may use: each covers the categories listed (and their synonyms). */
const COVERS: Readonly<Record<string, readonly string[]>> = {
  person: ["man", "woman", "child", "boy", "girl", "player", "skier", "surfer", "person"],
  furniture: ["chair", "couch", "dining table", "bed", "desk", "shelf", "cabinet", "dresser", "bench", "drawer", "stool", "ottoman"],
  decoration: ["picture", "vase", "potted plant", "clock", "mirror", "lamp", "statue", "figurine", "flower", "candle", "curtain", "pillow"],
  clothing: ["shirt", "jacket", "pants", "shoe", "hat", "dress", "skirt", "sweater", "glove", "scarf", "sock", "coat", "tie"],
  vehicle: ["car", "bus", "truck", "bicycle", "motorcycle", "train", "airplane", "boat", "van"],
  animal: ["dog", "cat", "horse", "bird", "cow", "sheep", "elephant", "bear", "zebra", "giraffe"],
  appliance: ["microwave", "oven", "toaster", "refrigerator", "sink", "tv"],
  container: ["bag", "box", "basket", "trash can", "bottle", "vase", "glass", "bowl"],
  plant: ["potted plant", "tree", "bush", "flower", "grass"],
  thing: [],
  object: [],
  item: [],
};

const CANONICAL = new Map<string, string>();
for (const group of SYNONYMS) for (const word of group) if (!CANONICAL.has(word)) CANONICAL.set(word, group[0]);

const IRREGULAR: Readonly<Record<string, string>> = {
  people: "person", men: "man", women: "woman", children: "child", shelves: "shelf", knives: "knife",
  leaves: "leaf", feet: "foot", teeth: "tooth", mice: "mouse", geese: "goose", glasses: "glass",
  buses: "bus", boxes: "box", benches: "bench", couches: "couch", dresses: "dress", brushes: "brush",
};

/** "towels" → "towel", "people" → "person", "glasses" → "glass" (good enough for category nouns). */
export function singular(word: string): string {
  if (Object.hasOwn(IRREGULAR, word)) return IRREGULAR[word];
  if (word.length > 4 && word.endsWith("ies")) return `${word.slice(0, -3)}y`;
  if (word.length > 3 && word.endsWith("s") && !word.endsWith("ss") && !word.endsWith("us")) return word.slice(0, -1);
  return word;
}

/** A category word or phrase in canonical form: "sofas" → "couch", "garbage can" → "trash can". */
export function canonicalCategory(phrase: string): string {
  const words = phrase.toLowerCase().trim().split(/\s+/);
  const exact = words.join(" ");
  if (CANONICAL.has(exact)) return CANONICAL.get(exact)!;
  words[words.length - 1] = singular(words[words.length - 1]);
  const single = words.join(" ");
  return CANONICAL.get(single) ?? single;
}

/** Whether the category phrase is one the vocabulary knows (as a category or a broader noun). */
export function knownCategory(phrase: string): boolean {
  const c = canonicalCategory(phrase);
  return CANONICAL.has(c) || Object.hasOwn(COVERS, c);
}

/** The canonical categories a query noun covers: itself, or every category a broader noun covers. */
export function coveredCategories(phrase: string): readonly string[] {
  const c = canonicalCategory(phrase);
  const broader = Object.hasOwn(COVERS, c) ? COVERS[c] : undefined;
  if (!broader) return [c];
  return [...new Set([c, ...broader.map(canonicalCategory)])];
}

/** Category nouns the vocabulary knows (for the contract's `categories`). */
export const PHOTO_CATEGORIES: readonly string[] = [...SYNONYMS.map((g) => g[0]), ...Object.keys(COVERS)];

/** Longest phrase a category can have, in words ("chest of drawers"). */
export const MAX_CATEGORY_WORDS = 3;

// ---- attributes -------------------------------------------------------------------------------

export const ATTRIBUTE_FAMILIES: Readonly<Record<string, readonly string[]>> = {
  color: ["white", "black", "gray", "grey", "red", "blue", "green", "brown", "purple", "cyan", "yellow", "orange", "pink", "beige", "tan", "silver", "gold", "dark", "light"],
  material: ["wooden", "wood", "metal", "metallic", "glass", "plastic", "leather", "fabric", "cloth", "stone", "brick", "concrete", "ceramic", "rubber", "paper", "wicker"],
  size: ["small", "large", "big", "little", "tiny", "huge", "tall", "short", "long"],
  state: ["open", "closed", "on", "off", "empty", "full", "lit", "unlit", "turned on", "turned off", "standing", "sitting", "walking", "parked", "folded", "hanging"],
  pattern: ["striped", "checkered", "plaid", "floral", "dotted", "patterned", "plain"],
};

const ATTRIBUTE_ALIASES: Readonly<Record<string, string>> = { grey: "gray", wood: "wooden", big: "large", little: "small", metallic: "metal", cloth: "fabric" };

const FAMILY_OF = new Map<string, string>();
for (const [family, values] of Object.entries(ATTRIBUTE_FAMILIES)) for (const v of values) FAMILY_OF.set(v, family);

/** An attribute word in canonical form ("grey" → "gray"). */
export function canonicalValue(word: string): string {
  const lower = word.toLowerCase();
  return Object.hasOwn(ATTRIBUTE_ALIASES, lower) ? ATTRIBUTE_ALIASES[lower] : lower;
}

/** Which family a value belongs to ("white" → color), or "other" for words outside the families. */
export const familyOf = (value: string): string => FAMILY_OF.get(value.toLowerCase()) ?? "other";

/** A flat attribute list (GQA's ["white", "closed"]) grouped by family. */
export function groupAttributes(values: readonly string[]): Record<string, string[]> {
  const grouped: Record<string, string[]> = {};
  for (const raw of values) {
    const value = canonicalValue(raw.trim());
    if (!value) continue;
    const family = familyOf(value);
    const values = (grouped[family] ??= []);
    if (!values.includes(value)) values.push(value);
  }
  return grouped;
}

// ---- relations --------------------------------------------------------------------------------

/** The relations derived from geometry (docs/design.md §3). */
export const GEOMETRIC_RELATIONS = ["left", "right", "above", "below", "front", "behind", "inside", "contains", "overlapping", "near", "far", "larger", "smaller"] as const;
export type GeometricRelation = (typeof GEOMETRIC_RELATIONS)[number];

const RELATION_PHRASES: Readonly<Record<string, GeometricRelation>> = {
  left: "left", "to the left of": "left", "left of": "left", "on the left of": "left", "on the left side of": "left", "to the left": "left", "left side of": "left",
  right: "right", "to the right of": "right", "right of": "right", "on the right of": "right", "on the right side of": "right", "to the right": "right", "right side of": "right",
  above: "above", over: "above", "on top of": "above",
  below: "below", under: "below", beneath: "below", underneath: "below", "below of": "below", "lower than": "below",
  front: "front", "in front of": "front", "front of": "front",
  behind: "behind", "in back of": "behind", "at the back of": "behind",
  inside: "inside", in: "inside", within: "inside", "inside of": "inside",
  contains: "contains", containing: "contains",
  overlapping: "overlapping", overlaps: "overlapping", "overlapping with": "overlapping",
  near: "near", "next to": "near", beside: "near", by: "near", "close to": "near", "near to": "near",
  far: "far", "far from": "far",
  larger: "larger", bigger: "larger", "larger than": "larger", "bigger than": "larger",
  smaller: "smaller", "smaller than": "smaller",
};

/** A relation phrase in canonical form: "to the left of" → "left"; other phrases lower-cased as given. */
const relationNames = new Map<string, string>();

export function canonicalRelation(phrase: string): string {
  let name = relationNames.get(phrase);
  if (name === undefined) {
    const p = phrase.toLowerCase().trim().replace(/\s+/g, " ");
    name = (Object.hasOwn(RELATION_PHRASES, p) ? RELATION_PHRASES[p] : undefined) ?? p;
    if (relationNames.size > 10_000) relationNames.clear();
    relationNames.set(phrase, name);
  }
  return name;
}

export const isGeometric = (relation: string): relation is GeometricRelation => (GEOMETRIC_RELATIONS as readonly string[]).includes(relation);

/** A box label with attribute words in front ("red balloon") as category and attributes. */
export function splitLabel(label: string): { category: string; attributes: Record<string, string[]> } {
  const words = label.trim().split(/\s+/);
  let k = 0;
  while (k < words.length - 1 && familyOf(canonicalValue(words[k])) !== "other") k++;
  return { category: words.slice(k).join(" "), attributes: groupAttributes(words.slice(0, k)) };
}
