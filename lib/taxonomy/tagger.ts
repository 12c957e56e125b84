import {
  NO_RELATION,
  PHRASES,
  RELATION_CLASSES,
  relationInfo,
  resolveRelationLabel,
  type RelationClass,
  type RelationClassOrNone,
  type RelationInfo,
} from "@/lib/taxonomy/relations";

// Tags a question with the spatial relations it uses: from its text (phrase matching, longest
// phrase first, left to right) and from its CLEVR functional program when there is one
// (`relate` nodes carry left/right/front/behind; `same_size` compares sizes).

export interface RelationTag extends RelationInfo {
  /** Where the tag came from: the text, the program or an explicit label. */
  via: "text" | "program" | "label";
}

function words(text: string): string[] {
  // ASCII fast path: same tokens as the Unicode path below for ASCII input
  if (/^[\x20-\x7e]*$/.test(text)) return text.toLowerCase().split(/[^a-z0-9'-]+/).filter(Boolean);
  return text
    .toLowerCase()
    .normalize("NFKC")
    .replace(/[^\p{L}\p{N}\s'-]+/gu, " ")
    .split(/\s+/)
    .filter(Boolean);
}

// Phrases by first word (longest first within each list): a token that starts no phrase costs one lookup.
const BY_FIRST_WORD = new Map<string, typeof PHRASES>();
for (const phrase of PHRASES) {
  const list = BY_FIRST_WORD.get(phrase.words[0]);
  if (list) list.push(phrase);
  else BY_FIRST_WORD.set(phrase.words[0], [phrase]);
}

/** Relations named in free text, in order of first mention, each once. */
export function tagText(text: string): RelationTag[] {
  const tokens = words(text);
  const found = new Map<string, RelationTag>();
  let i = 0;
  while (i < tokens.length) {
    const match = BY_FIRST_WORD.get(tokens[i])?.find((p) => p.words.every((w, k) => tokens[i + k] === w));
    if (match) {
      if (!found.has(match.info.relation)) found.set(match.info.relation, { ...match.info, via: "text" });
      i += match.words.length;
    } else i++;
  }
  return [...found.values()];
}

const CLEVR_RELATE: Record<string, string> = { left: "left", right: "right", front: "front", behind: "behind" };

/** Relations used by a CLEVR functional program (node key `function` or `type`). */
export function tagProgram(program: unknown): RelationTag[] {
  if (!Array.isArray(program)) return [];
  const found = new Map<string, RelationTag>();
  for (const node of program) {
    if (!node || typeof node !== "object") continue;
    const record = node as Record<string, unknown>;
    const fn = String(record.function ?? record.type ?? "");
    const values = (Array.isArray(record.value_inputs) ? record.value_inputs : Array.isArray(record.side_inputs) ? record.side_inputs : []).map(String);
    let relation: string | undefined;
    if (fn === "relate" || fn.startsWith("relate_")) relation = CLEVR_RELATE[values[0] ?? fn.slice("relate_".length)];
    else if (fn === "same_size") relation = "same_size";
    const info = relation ? relationInfo(relation) : undefined;
    if (info && !found.has(info.relation)) found.set(info.relation, { ...info, via: "program" });
  }
  return [...found.values()];
}

/** Explicit labels (e.g. stored QuestionRelation rows or a dataset's `relation` field). */
export function tagLabels(labels: string[]): RelationTag[] {
  const found = new Map<string, RelationTag>();
  for (const label of labels) {
    const info = resolveRelationLabel(label);
    if (info && !found.has(info.relation)) found.set(info.relation, { ...info, via: "label" });
  }
  return [...found.values()];
}

/** All tags of a question: explicit labels win; otherwise program and text tags, merged. */
export function tagQuestion(input: { text: string; program?: unknown; labels?: string[] }): RelationTag[] {
  if (input.labels && input.labels.length > 0) {
    const labelled = tagLabels(input.labels);
    if (labelled.length > 0) return labelled;
  }
  const merged = new Map<string, RelationTag>();
  for (const tag of [...tagProgram(input.program), ...tagText(input.text)]) if (!merged.has(tag.relation)) merged.set(tag.relation, tag);
  return [...merged.values()];
}

export function classesOf(tags: RelationTag[]): RelationClass[] {
  const present = new Set(tags.map((t) => t.class));
  return RELATION_CLASSES.filter((c) => present.has(c));
}

/** Bit i set = class RELATION_CLASSES[i] present. Compact enough to store per trace while planning. */
export function classMask(classes: RelationClass[]): number {
  return classes.reduce((mask, c) => mask | (1 << RELATION_CLASSES.indexOf(c)), 0);
}

export function classesOfMask(mask: number): RelationClass[] {
  return RELATION_CLASSES.filter((_, i) => (mask & (1 << i)) !== 0);
}

/**
 * One class per question for caps and counts: the rarest of its classes (SpaRE rebalances the
 * long tail, so a question mentioning a rare relation counts towards the rare class). `rarity`
 * lists classes from rarest to commonest; questions with no relation are "none".
 */
export function primaryClass(mask: number, rarity: readonly RelationClass[]): RelationClassOrNone {
  for (const c of rarity) if (mask & (1 << RELATION_CLASSES.indexOf(c))) return c;
  return NO_RELATION;
}

/** Classes ordered from rarest to commonest given counts; ties keep the taxonomy order. */
export function rarityOrder(counts: Partial<Record<RelationClass, number>>): RelationClass[] {
  return [...RELATION_CLASSES].sort((a, b) => (counts[a] ?? 0) - (counts[b] ?? 0) || RELATION_CLASSES.indexOf(a) - RELATION_CLASSES.indexOf(b));
}
