import table from "@/lib/spare/data/spare_taxonomy.json";
import type { RelationClass } from "@/lib/taxonomy/relations";

// SpaRE's 29 spatial relations (Appendix H, Table 10; lib/spare/data/SOURCE.txt) mapped onto our
// five relation classes (docs/design.md §9, §12), and the phrase matcher the rule classifier, the
// rule synthesizer and the tagger share.
//
// Matching is over word tokens with character offsets (so a phrase can be highlighted in its
// caption), longest phrase first. Many keywords are also everyday words ("on Monday", "made by",
// "the right answer", "back home"): those single words count only in a spatial context (a
// determiner after "on", a location verb before "by"…). Precision matters most for a pre-filter
// (the paper kept 455k of 1,581k captions).

export interface SpareRelation {
  relation: string;
  class: RelationClass;
  /** The paper's share of spatial relations (%), 0 for "<0.01". */
  srPercent: number;
  keywords: string[];
}

/** Our class for each SpaRE relation. SpaRE has no size-comparison relation. */
const CLASS_OF: Record<string, RelationClass> = {
  left: "projective",
  right: "projective",
  above: "projective",
  on: "topological",
  below: "projective",
  front: "projective",
  back: "projective",
  near_close: "metric",
  far: "metric",
  inside_within: "topological",
  outside: "topological",
  next_to_beside_adjacent: "metric",
  opposite: "projective",
  facing: "orientation",
  parallel_to: "orientation",
  perpendicular_to: "orientation",
  toward_towards: "orientation",
  away_from: "metric",
  between: "topological",
  through: "topological",
  around: "topological",
  overlapping_intersecting: "topological",
  connected_attached: "topological",
  within_boundary: "topological",
  cardinal_directions: "projective",
  central_position: "projective",
  part_of: "topological",
  relative_to: "projective",
  movement_along: "orientation",
};

/**
 * Phrases the paper's table lacks but its generation instruction names (foreground / background,
 * top / bottom positions, corners): ours, tagged onto the paper's relations.
 */
const EXTRA_KEYWORDS: Record<string, string[]> = {
  above: ["at the top of", "on top"],
  below: ["at the bottom of"],
  front: ["in the foreground", "foreground"],
  back: ["in the background", "background"],
  within_boundary: ["in the corner of", "at the corner", "in the corner", "the edge of", "at the head of", "at the foot of"],
  connected_attached: ["against", "leaning against", "leans against"],
  around: ["surrounds", "surrounded by", "encircles"],
};

export const SPARE_RELATIONS: SpareRelation[] = table.relations.map((r) => {
  const cls = CLASS_OF[r.relation];
  if (!cls) throw new Error(`spare_taxonomy.json: relation ${r.relation} has no class mapping`);
  return { relation: r.relation, class: cls, srPercent: r.sr_percent, keywords: r.keywords };
});

export const SPARE_RELATION_NAMES = SPARE_RELATIONS.map((r) => r.relation);
const BY_NAME = new Map(SPARE_RELATIONS.map((r) => [r.relation, r]));

export function spareRelation(name: string): SpareRelation | undefined {
  return BY_NAME.get(name);
}

/** Keywords that are everyday verbs of having / talking about ("including", "regarding"): tagged, never evidence that a text is spatial. */
const NOT_EVIDENCE = new Set(["including", "possessing", "comprising", "regarding", "respecting", "relationship to", "in relation to", "has as a part"]);

/** Relations whose meaning depends on a frame of reference. */
const PROJECTIVE_FRAME = new Set(["left", "right", "front", "back", "above", "below", "central_position"]);

export type Frame = "viewer" | "object" | "unknown";

export interface Token {
  word: string;
  start: number;
  end: number;
}

/** Lower-case word tokens with offsets into the original text; hyphens split ("bottom-left"). */
export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  const pattern = /[\p{L}\p{N}]+(?:'[\p{L}]+)?/gu;
  for (let m = pattern.exec(text); m; m = pattern.exec(text)) tokens.push({ word: m[0].toLowerCase(), start: m.index, end: m.index + m[0].length });
  return tokens;
}

interface Phrase {
  words: string[];
  relation: string;
}

const PHRASES: Phrase[] = [];
{
  const seen = new Set<string>();
  const add = (keyword: string, relation: string) => {
    const words = tokenize(keyword).map((t) => t.word);
    // "over the", "under the": the article belongs to the object, not the relation
    while (words.length > 1 && words[words.length - 1] === "the") words.pop();
    const key = words.join(" ");
    // a keyword listed under two relations ("confronting", "contiguous with") belongs to the first
    if (words.length === 0 || seen.has(key)) return;
    seen.add(key);
    PHRASES.push({ words, relation });
  };
  for (const r of SPARE_RELATIONS) for (const k of r.keywords) add(k, r.relation);
  for (const [relation, keywords] of Object.entries(EXTRA_KEYWORDS)) for (const k of keywords) add(k, relation);
  PHRASES.sort((a, b) => b.words.length - a.words.length);
}
const BY_FIRST = new Map<string, Phrase[]>();
for (const p of PHRASES) {
  const list = BY_FIRST.get(p.words[0]);
  if (list) list.push(p);
  else BY_FIRST.set(p.words[0], [p]);
}

const DETERMINERS = new Set([
  "the", "a", "an", "its", "his", "her", "their", "our", "my", "your", "this", "that", "these", "those", "each", "every", "both", "either", "one", "two", "three", "four", "five", "several", "some", "many", "top", "another", "other", "it", "them", "him", "which", "whose",
]);
const LOCATION_VERBS = new Set([
  "is", "are", "was", "were", "sits", "sitting", "sit", "stands", "standing", "stand", "lies", "lying", "located", "placed", "parked", "positioned", "rests", "resting", "seated", "hangs", "hanging", "stood", "situated", "waiting", "leaning",
]);
const MOTION_VERBS = new Set(["facing", "faces", "looking", "looks", "turned", "turning", "pointing", "points", "walking", "walks", "moving", "moves", "running", "drives", "driving", "flying", "heading", "far", "further", "farther", "set", "tucked", "angled"]);
const NOT_PLACES = new Set([
  "image", "picture", "photo", "photograph", "shot", "style", "form", "shape", "way", "manner", "sense", "order", "color", "colour", "addition", "fact", "general", "total", "particular", "contrast", "daytime", "afternoon", "morning", "evening", "years", "course", "case", "mood", "description", "caption", "text", "hand", "time", "other", "minute", "minutes", "hour", "year", "week", "month", "final", "past", "future", "meantime", "end", "beginning", "first", "last", "same", "world", "mood",
]);
const SUBJECT_WORDS = new Set(["they", "he", "she", "we", "i", "you", "who", "it", "has", "have", "had", "been", "just", "was", "were", "then", "and"]);
const SIDE_NOUNS = new Set(["side", "sides", "corner", "corners", "edge", "edges", "half", "part", "portion", "section", "end", "wall", "hand", "bar", "shelf", "level", "left", "right", "center", "centre", "area", "quadrant", "third", "border", "panel"]);
const POSITION_WORDS = new Set(["bottom", "top", "upper", "lower", "far", "the", "middle", "center", "centre", "extreme"]);

/** No punctuation between tokens a and b of `text`. */
function joinedTokens(text: string, tokens: Token[], a: number, b: number): boolean {
  return !/[.,;:!?]/.test(text.slice(tokens[a].end, tokens[b].start));
}

/** Whether a single-word keyword at tokens[i] is used spatially here. */
function spatialInContext(text: string, word: string, tokens: Token[], i: number): boolean {
  const prev = tokens[i - 1]?.word;
  const next = tokens[i + 1]?.word;
  const afterNext = tokens[i + 2]?.word;
  switch (word) {
    case "on":
    case "in":
    case "over":
    case "along":
    case "down":
    case "through":
    case "crossing":
    case "under":
      if (!next || !DETERMINERS.has(next)) return false;
      if (word === "on" && next === "the" && afterNext === "other") return false;
      if (next === "the" || next === "a" || next === "an" || next === "this" || next === "that") return !NOT_PLACES.has(afterNext ?? "");
      return true;
    case "by":
      return prev !== undefined && LOCATION_VERBS.has(prev);
    case "left":
      if (next === "of" || (next !== undefined && SIDE_NOUNS.has(next))) return true;
      return prev === undefined || !SUBJECT_WORDS.has(prev);
    case "right":
      if (prev === "the" && next !== undefined && !SIDE_NOUNS.has(next) && next !== "of" && !LOCATION_VERBS.has(next) && !DETERMINERS.has(next) && joinedTokens(text, tokens, i, i + 1)) return false;
      return (prev !== undefined && POSITION_WORDS.has(prev)) || next === "of" || (next !== undefined && SIDE_NOUNS.has(next) && next !== word);
    case "back":
    case "front":
      if (prev !== undefined && (prev.endsWith("'s") || prev === "its" || prev === "his" || prev === "her" || prev === "their")) return true;
      return (
        (prev !== undefined && POSITION_WORDS.has(prev)) ||
        next === "of" ||
        (next !== undefined && SIDE_NOUNS.has(next) && next !== word)
      );
    case "lower":
      return next !== undefined && SIDE_NOUNS.has(next);
    case "away":
      return prev !== undefined && (MOTION_VERBS.has(prev) || LOCATION_VERBS.has(prev));
    case "far":
      return prev === "the" || next === "end" || next === "side" || next === "left" || next === "right";
    case "outer":
      return next !== undefined && SIDE_NOUNS.has(next);
    default:
      return true;
  }
}

export interface RelationMatch {
  relation: string;
  class: RelationClass;
  /** The phrase as written, and its character span in the text. */
  phrase: string;
  start: number;
  end: number;
  /** Token indexes [first, last + 1). */
  tokenStart: number;
  tokenEnd: number;
  /** false for relations that never make a text spatial on their own ("including", "regarding"). */
  evidence: boolean;
  /** Punctuation (or the end) right after the phrase: no reference object follows ("On the right, …"). */
  standsAlone: boolean;
}

/** Every spatial phrase in the text, left to right, longest phrase first at each position. */
export function matchRelations(text: string, tokens: Token[] = tokenize(text)): RelationMatch[] {
  const matches: RelationMatch[] = [];
  let i = 0;
  while (i < tokens.length) {
    const candidates = BY_FIRST.get(tokens[i].word);
    const phrase = candidates?.find(
      (p) =>
        p.words.every((w, k) => tokens[i + k]?.word === w) &&
        (p.words.length > 1 ? !(p.words[p.words.length - 1] === "the" && NOT_PLACES.has(tokens[i + p.words.length]?.word ?? "")) : spatialInContext(text, p.words[0], tokens, i)),
    );
    if (!phrase) {
      i++;
      continue;
    }
    const last = tokens[i + phrase.words.length - 1];
    const info = BY_NAME.get(phrase.relation)!;
    matches.push({
      relation: info.relation,
      class: info.class,
      phrase: text.slice(tokens[i].start, last.end),
      start: tokens[i].start,
      end: last.end,
      tokenStart: i,
      tokenEnd: i + phrase.words.length,
      evidence: !NOT_EVIDENCE.has(phrase.words.join(" ")),
      standsAlone: i + phrase.words.length >= tokens.length || !joinedTokens(text, tokens, i + phrase.words.length - 1, i + phrase.words.length),
    });
    i += phrase.words.length;
  }
  return matches;
}

const VIEWER_WORDS = new Set(["image", "frame", "picture", "photo", "photograph", "shot", "viewer", "viewer's", "camera", "foreground", "background", "scene", "composition", "we", "us"]);
const POSSESSIVES = new Set(["its", "his", "her", "their"]);

/**
 * Frame of reference of one match: viewer-centred (a position in the picture, or relative to the
 * viewer), object-centred (relative to an object's own sides: "to its left", "the car's front"),
 * unknown (ambiguous — "left of the cup" — or a relation that needs no frame).
 */
export function frameOf(match: RelationMatch, tokens: Token[]): Frame {
  if (match.relation === "front" || match.relation === "back") {
    const word = tokens[match.tokenStart].word;
    if (word === "foreground" || word === "background" || tokens.slice(match.tokenStart, match.tokenEnd).some((t) => t.word === "foreground" || t.word === "background")) return "viewer";
  }
  if (!PROJECTIVE_FRAME.has(match.relation)) return "unknown";
  const after = tokens.slice(match.tokenEnd, match.tokenEnd + 5).map((t) => t.word);
  const before = tokens.slice(Math.max(0, match.tokenStart - 2), match.tokenStart).map((t) => t.word);
  if (POSSESSIVES.has(after[0] ?? "") || after[0]?.endsWith("'s") || before.some((w) => POSSESSIVES.has(w) || w.endsWith("'s"))) {
    if (!after.some((w) => VIEWER_WORDS.has(w))) return "object";
  }
  if (after.some((w) => VIEWER_WORDS.has(w))) return "viewer";
  const last = tokens[match.tokenEnd - 1].word;
  // "at the bottom-left is…", "on the right, a door": a place in the picture, no reference object
  if (match.standsAlone) return "viewer";
  const followedByObject = after[0] !== undefined && (DETERMINERS.has(after[0]) || after[0] === "of" || after[0] === "from" || after[0] === "to");
  if (last !== "of" && last !== "from" && last !== "to" && !followedByObject) return "viewer";
  return "unknown";
}

/** A text's relations, each once, in order of first mention. */
export function relationsOf(text: string): string[] {
  return [...new Set(matchRelations(text).map((m) => m.relation))];
}
