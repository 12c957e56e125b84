// Spatial relation taxonomy (docs/design.md §9, after SpaRE and VSR's relation categories).
// Five classes; every relation phrase maps to exactly one canonical relation and one class.
// The order of RELATION_CLASSES is the tie-break order wherever classes are ranked.

export const RELATION_CLASSES = ["topological", "projective", "metric", "orientation", "comparison"] as const;
export type RelationClass = (typeof RELATION_CLASSES)[number];

/** The class of questions that mention no spatial relation. */
export const NO_RELATION = "none" as const;
export type RelationClassOrNone = RelationClass | typeof NO_RELATION;

export const RELATION_CLASS_LABELS: Record<RelationClassOrNone, string> = {
  topological: "Topological (on, in, touching, between…)",
  projective: "Projective / directional (left, behind, above…)",
  metric: "Metric / proximity (near, far, next to…)",
  orientation: "Orientation (facing, pointing, parallel…)",
  comparison: "Size / comparison (larger, taller…)",
  none: "No spatial relation",
};

interface RelationEntry {
  relation: string;
  class: RelationClass;
  phrases: string[];
}

// Phrases are matched on word boundaries, longest first, so "in front of" never also counts as
// "in" or "front". Bare "in" / "at" / "with" are left out of free-text matching (too many
// non-spatial uses: "in the image", "at least"); they still resolve as explicit relation labels.
const ENTRIES: RelationEntry[] = [
  // topological
  { relation: "on", class: "topological", phrases: ["on", "on top of", "onto", "upon", "sitting on", "lying on", "resting on"] },
  { relation: "in", class: "topological", phrases: ["inside", "inside of", "within", "into", "in the middle of", "enclosed by", "contained in"] },
  { relation: "outside", class: "topological", phrases: ["outside", "outside of", "out of"] },
  { relation: "touching", class: "topological", phrases: ["touching", "touches", "in contact with", "against", "attached to", "connected to"] },
  { relation: "detached", class: "topological", phrases: ["detached from"] },
  { relation: "between", class: "topological", phrases: ["between", "in between", "among", "amongst"] },
  { relation: "surrounding", class: "topological", phrases: ["surrounding", "surrounds", "surrounded by", "around"] },
  { relation: "contains", class: "topological", phrases: ["contains", "containing", "consists of", "has as a part", "part of"] },
  { relation: "edge", class: "topological", phrases: ["at the edge of", "on the edge of"] },
  // projective / directional
  { relation: "left", class: "projective", phrases: ["left", "left of", "to the left of", "on the left of", "on the left side of", "at the left side of", "leftmost"] },
  { relation: "right", class: "projective", phrases: ["right of", "to the right of", "on the right of", "on the right side of", "at the right side of", "rightmost", "right"] },
  { relation: "front", class: "projective", phrases: ["in front of", "front", "ahead of"] },
  { relation: "behind", class: "projective", phrases: ["behind", "in back of", "at the back of", "back of"] },
  { relation: "above", class: "projective", phrases: ["above", "over", "higher than", "at the top of", "on the top of"] },
  { relation: "below", class: "projective", phrases: ["below", "under", "underneath", "beneath", "lower than", "at the bottom of", "down from"] },
  { relation: "opposite", class: "projective", phrases: ["opposite", "opposite to", "opposite of", "across from", "across"] },
  { relation: "past", class: "projective", phrases: ["beyond", "going past", "passing"] },
  // metric / proximity
  { relation: "near", class: "metric", phrases: ["near", "nearby", "nearest", "near to", "close to", "closest", "closest to", "close by"] },
  { relation: "far", class: "metric", phrases: ["far", "far from", "far away from", "farthest", "furthest", "away from", "distant"] },
  { relation: "next_to", class: "metric", phrases: ["next to", "beside", "besides", "alongside", "adjacent to", "at the side of", "by the side of"] },
  { relation: "distance", class: "metric", phrases: ["distance", "how far"] },
  // orientation
  { relation: "facing", class: "orientation", phrases: ["facing", "faces", "facing away from", "facing towards", "facing toward"] },
  { relation: "pointing", class: "orientation", phrases: ["pointing", "pointing at", "pointing to", "pointed at"] },
  { relation: "turned", class: "orientation", phrases: ["turned", "turned away from", "turned toward", "rotated"] },
  { relation: "toward", class: "orientation", phrases: ["toward", "towards"] },
  { relation: "parallel", class: "orientation", phrases: ["parallel to", "parallel"] },
  { relation: "perpendicular", class: "orientation", phrases: ["perpendicular to", "perpendicular"] },
  // size / comparison
  { relation: "larger", class: "comparison", phrases: ["larger", "larger than", "bigger", "bigger than", "largest", "biggest"] },
  { relation: "smaller", class: "comparison", phrases: ["smaller", "smaller than", "tinier", "smallest", "tiniest"] },
  { relation: "taller", class: "comparison", phrases: ["taller", "taller than", "tallest"] },
  { relation: "shorter", class: "comparison", phrases: ["shorter", "shorter than", "shortest"] },
  { relation: "wider", class: "comparison", phrases: ["wider", "wider than", "widest", "narrower", "narrower than", "longer", "longer than", "thicker", "thinner"] },
  { relation: "same_size", class: "comparison", phrases: ["same size", "the same size as", "same size as", "equal in size"] },
];

/** Explicit relation labels (e.g. VSR's `relation` field) that are not free-text phrases. */
const LABEL_ALIASES: Record<string, string> = {
  in: "in", at: "touching", with: "contains", off: "detached", has: "contains", up: "above", down: "below", after: "behind",
  from: "far", by: "near", before: "front", past: "past", through: "past", along: "past",
};

export interface RelationInfo {
  relation: string;
  class: RelationClass;
}

const byRelation = new Map(ENTRIES.map((e) => [e.relation, { relation: e.relation, class: e.class } satisfies RelationInfo]));

/** Every phrase (as its word list) with its relation, longest first. */
export const PHRASES: Array<{ words: string[]; info: RelationInfo }> = ENTRIES.flatMap((e) =>
  e.phrases.map((p) => ({ words: p.split(" "), info: byRelation.get(e.relation)! })),
).sort((a, b) => b.words.length - a.words.length || a.words.join(" ").localeCompare(b.words.join(" ")));

export function relationInfo(relation: string): RelationInfo | undefined {
  return byRelation.get(relation);
}

export function classOfRelation(relation: string): RelationClass | undefined {
  return byRelation.get(relation)?.class;
}

export const RELATIONS = ENTRIES.map((e) => e.relation);

/** An explicit relation label ("at the left side of", "left_of", "in") → canonical relation. */
export function resolveRelationLabel(label: string): RelationInfo | undefined {
  const text = label.toLowerCase().replace(/[_-]+/g, " ").replace(/\s+/g, " ").trim();
  const direct = byRelation.get(text.replace(/ /g, "_")) ?? byRelation.get(text.replace(/ of$/, ""));
  if (direct) return direct;
  const phrase = PHRASES.find((p) => p.words.join(" ") === text);
  if (phrase) return phrase.info;
  const alias = LABEL_ALIASES[text];
  return alias ? byRelation.get(alias) : undefined;
}
