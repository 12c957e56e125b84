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

const WORD_PATTERN = /[\p{L}\p{N}]+(?:'[\p{L}]+)?/gu;

/** Lower-case word tokens with offsets into the original text; hyphens split ("bottom-left"). */
export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  // ASCII text (nearly every caption) is scanned by char code: the Unicode regex costs several
  // times more per character; any other text takes the regex, with the same token rules
  if (!NON_ASCII.test(text)) {
    const n = text.length;
    let i = 0;
    while (i < n) {
      let c = text.charCodeAt(i);
      if (!isAsciiWordChar(c)) {
        i++;
        continue;
      }
      const start = i;
      while (i < n && isAsciiWordChar(text.charCodeAt(i))) i++;
      // "cat's": an apostrophe and letters stay with the word
      if (i + 1 < n && text.charCodeAt(i) === 39 && isAsciiLetter(text.charCodeAt(i + 1))) {
        i += 2;
        while (i < n && isAsciiLetter((c = text.charCodeAt(i)))) i++;
      }
      tokens.push({ word: text.slice(start, i).toLowerCase(), start, end: i });
    }
    return tokens;
  }
  WORD_PATTERN.lastIndex = 0;
  for (let m = WORD_PATTERN.exec(text); m; m = WORD_PATTERN.exec(text)) tokens.push({ word: m[0].toLowerCase(), start: m.index, end: m.index + m[0].length });
  return tokens;
}

// eslint-disable-next-line no-control-regex
const NON_ASCII = /[^\u0000-\u007f]/;
function isAsciiLetter(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90);
}
function isAsciiWordChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57);
}

interface Phrase {
  words: string[];
  relation: string;
  /** false for the keywords in NOT_EVIDENCE. */
  evidence: boolean;
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
    PHRASES.push({ words, relation, evidence: !NOT_EVIDENCE.has(key) });
  };
  for (const r of SPARE_RELATIONS) for (const k of r.keywords) add(k, r.relation);
  for (const [relation, keywords] of Object.entries(EXTRA_KEYWORDS)) for (const k of keywords) add(k, relation);
  PHRASES.sort((a, b) => b.words.length - a.words.length);
}
/**
 * The keyword phrases compiled into one word trie: a position is matched by walking the tokens
 * from it once (no per-keyword scan); the phrases ending along the walk are tried longest first.
 */
interface TrieNode {
  next: Map<string, TrieNode>;
  phrase: Phrase | null;
}
const TRIE: TrieNode = { next: new Map(), phrase: null };
for (const p of PHRASES) {
  let node = TRIE;
  for (const w of p.words) {
    let child = node.next.get(w);
    if (!child) node.next.set(w, (child = { next: new Map(), phrase: null }));
    node = child;
  }
  node.phrase = p;
}
const MAX_PHRASE_LENGTH = Math.max(...PHRASES.map((p) => p.words.length));

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
  for (let c = tokens[a].end; c < tokens[b].start; c++) {
    const code = text.charCodeAt(c);
    // . , ; : ! ?
    if (code === 46 || code === 44 || code === 59 || code === 58 || code === 33 || code === 63) return false;
  }
  return true;
}

/** Whether a single-word keyword at tokens[i] is used spatially here (tokens outside [from, to) do not exist). */
function spatialInContext(text: string, word: string, tokens: Token[], i: number, from: number, to: number): boolean {
  const prev = i - 1 >= from ? tokens[i - 1].word : undefined;
  const next = i + 1 < to ? tokens[i + 1].word : undefined;
  const afterNext = i + 2 < to ? tokens[i + 2].word : undefined;
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

/** The phrase starting at token i (within [from, to)): the longest whose words and context fit, or null. */
function phraseAt(text: string, tokens: Token[], i: number, from: number, to: number): Phrase | null {
  const found: Phrase[] = [];
  let node: TrieNode | undefined = TRIE;
  for (let k = i; k < to && k - i < MAX_PHRASE_LENGTH; k++) {
    node = node.next.get(tokens[k].word);
    if (!node) break;
    if (node.phrase) found.push(node.phrase);
  }
  for (let f = found.length - 1; f >= 0; f--) {
    const p = found[f];
    const n = p.words.length;
    const fits = n > 1 ? !(p.words[n - 1] === "the" && i + n < to && NOT_PLACES.has(tokens[i + n].word)) : spatialInContext(text, p.words[0], tokens, i, from, to);
    if (fits) return p;
  }
  return null;
}

function toMatch(text: string, tokens: Token[], i: number, phrase: Phrase, to: number): RelationMatch {
  const n = phrase.words.length;
  const last = tokens[i + n - 1];
  const info = BY_NAME.get(phrase.relation)!;
  return {
    relation: info.relation,
    class: info.class,
    phrase: text.slice(tokens[i].start, last.end),
    start: tokens[i].start,
    end: last.end,
    tokenStart: i,
    tokenEnd: i + n,
    evidence: phrase.evidence,
    standsAlone: i + n >= to || !joinedTokens(text, tokens, i + n - 1, i + n),
  };
}

/**
 * Every spatial phrase in the text, left to right, longest phrase first at each position. Pass the
 * text's tokens when they are at hand (one tokenisation shared by every stage); `from` / `to`
 * restrict matching to tokens [from, to) exactly as if that span were the whole text, with offsets
 * still into `text`.
 */
export function matchRelations(text: string, tokens: Token[] = tokenize(text), from = 0, to = tokens.length): RelationMatch[] {
  const matches: RelationMatch[] = [];
  let i = from;
  while (i < to) {
    const phrase = phraseAt(text, tokens, i, from, to);
    if (!phrase) {
      i++;
      continue;
    }
    matches.push(toMatch(text, tokens, i, phrase, to));
    i += phrase.words.length;
  }
  return matches;
}

/** A text tokenised and matched once, shared by the classifier, synthesizer, filters and tagger. */
export interface TextAnalysis {
  tokens: Token[];
  matches: RelationMatch[];
}

export function analyseText(text: string): TextAnalysis {
  const tokens = tokenize(text);
  return { tokens, matches: matchRelations(text, tokens) };
}

/** Whether a spatial phrase starts exactly at token i (tokens [i, to) taken as the whole text). */
export function phraseStartsAt(text: string, tokens: Token[], i: number, to: number): boolean {
  return phraseAt(text, tokens, i, i, to) !== null;
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
