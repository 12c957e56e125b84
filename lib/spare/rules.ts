import { analyseText, frameOf, matchRelations, phraseStartsAt, type Frame, type RelationMatch, type TextAnalysis, type Token } from "@/lib/spare/taxonomy";
import type { RawPair } from "@/lib/spare/parse-pairs";

// The offline halves of the pipeline (docs/design.md §12): the rule classifier (a text is spatial
// when it uses a taxonomy keyword spatially) and the rule synthesizer, which turns each spatial
// phrase "<subject> <relation> <object>" of a caption into open, yes/no and negative questions whose
// answers reuse the caption's own words.

export interface RuleVerdict {
  spatial: boolean;
  /** The phrases that made it spatial (empty when not). */
  evidence: RelationMatch[];
}

/** `analysis`: the text's tokens and matches when already at hand (analyseText). */
export function classifyText(text: string, analysis: TextAnalysis = analyseText(text)): RuleVerdict {
  const evidence = analysis.matches.filter((m) => m.evidence);
  return { spatial: evidence.length > 0, evidence };
}

export interface SynthesizedPair extends RawPair {
  kind: "open" | "yes" | "no" | "what";
  relation: string;
  frame: Frame;
  /** The caption span the pair came from: subject start → object end. */
  spanStart: number;
  spanEnd: number;
}

/** Words that end a noun phrase when walking out from a relation phrase. */
const CLAUSE_BREAKS = new Set(["and", "with", "while", "which", "that", "where", "who", "whose", "but", "when", "as", "is", "are", "was", "were", "has", "have", "its", "it", "they", "there", "then", "so", "or", "creating", "giving", "adding"]);
const VERBISH = new Set([
  "is", "are", "was", "were", "be", "been", "being", "can", "could", "appears", "appear", "seen", "visible", "sits", "sit", "sitting", "stands", "stand", "standing", "lies", "lie", "lying", "hangs", "hang", "hanging", "rests", "resting", "placed", "positioned", "located", "situated", "set", "parked", "perched", "mounted", "displayed", "arranged", "stacked", "draped", "shown", "directly", "just", "slightly", "also", "partially", "partly", "neatly", "prominently", "which", "that", "extends", "extending", "leans", "leaning", "floating", "floats", "grows", "growing", "stretches", "stretching", "runs", "running", "peeks", "lined", "scattered", "seated", "stacked", "tucked", "found", "featured", "painted", "attached", "covered",
  "sleeps", "sleeping", "walks", "walking", "swims", "swimming", "flies", "flying", "grazes", "grazing", "hides", "hiding", "rises", "rising", "stays", "waits", "waiting", "plays", "playing", "rolls", "rolled", "crawls", "climbs", "hovers", "hovering", "dangles", "dangling", "glides", "moves", "moving", "flows", "flowing", "sits", "lay", "stood", "sat", "hung", "grow", "rest", "float", "runs", "parks", "towers", "looms", "emerges", "emerging", "protrudes", "protruding", "sticks", "sticking", "visible", "seen", "shown",
]);
const DETERMINER_START = new Set(["the", "a", "an", "two", "three", "four", "five", "several", "some", "many", "one", "another", "both", "each", "his", "her", "their", "its"]);
const PLURAL_START = new Set(["two", "three", "four", "five", "several", "some", "many", "both", "these", "those"]);
const MAX_PHRASE_WORDS = 7;

/** True when no sentence or clause punctuation separates token a from token b (a < b). */
function joined(text: string, a: Token, b: Token): boolean {
  for (let c = a.end; c < b.start; c++) if (CLAUSE_PUNCTUATION.has(text.charCodeAt(c))) return false;
  return true;
}
const CLAUSE_PUNCTUATION = new Set([...'.,;:!?()"\u201c\u201d'].map((c) => c.charCodeAt(0)));

function objectAfter(text: string, tokens: Token[], match: RelationMatch): [number, number] | null {
  let end = match.tokenEnd;
  while (end < tokens.length && end - match.tokenEnd < MAX_PHRASE_WORDS && joined(text, tokens[end - 1], tokens[end]) && !CLAUSE_BREAKS.has(tokens[end].word)) {
    // another relation phrase starting here ends the object ("the table next to a plate")
    if (end > match.tokenEnd && tokens[end].word !== "the" && phraseStartsAt(text, tokens, end, Math.min(end + 4, tokens.length))) break;
    end++;
  }
  if (end === match.tokenEnd) return null;
  // needs a noun-phrase start: "the toilet", "a rack", "two rolls"
  if (!DETERMINER_START.has(tokens[match.tokenEnd].word)) return null;
  if (end - match.tokenEnd < 2) return null;
  return [match.tokenEnd, end];
}

function subjectBefore(text: string, tokens: Token[], match: RelationMatch): [number, number] | null {
  let end = match.tokenStart;
  while (end > 0 && VERBISH.has(tokens[end - 1].word) && joined(text, tokens[end - 1], tokens[end])) end--;
  if (end === 0 || !joined(text, tokens[end - 1], tokens[end]) && end !== match.tokenStart) return null;
  let start = end;
  while (start > 0 && end - start < MAX_PHRASE_WORDS && joined(text, tokens[start - 1], tokens[start]) && !CLAUSE_BREAKS.has(tokens[start - 1].word) && !VERBISH.has(tokens[start - 1].word)) start--;
  // the phrase must start with a determiner ("the bee", "two rolls of toilet paper")
  while (start < end && !DETERMINER_START.has(tokens[start].word)) start++;
  if (end - start < 2) return null;
  // a subject that itself holds a relation phrase ("the cup on the table") keeps its head only
  const inner = matchRelations(text, tokens, start, end);
  if (inner.length > 0) {
    const cut = inner[0].tokenStart;
    if (cut - start >= 2) end = cut;
    else return null;
  }
  return [start, end];
}

const OPPOSITE_WORDS: Record<string, string> = { left: "right", right: "left", above: "below", below: "above", over: "under", under: "over", beneath: "above", underneath: "above", top: "bottom", bottom: "top", behind: "in front of", inside: "outside", outside: "inside", near: "far from", nearby: "far from", upper: "lower", lower: "upper", foreground: "background", background: "foreground" };
const OPPOSITE_RELATION: Record<string, string> = { on: "under", front: "behind", back: "in front of", near_close: "far from", far: "close to", next_to_beside_adjacent: "far from", inside_within: "outside" };

/** The relation phrase with its direction flipped ("to the left of" → "to the right of"), or null. */
const OPPOSITE_PHRASES: Record<string, string> = { "on top of": "under", "on the top of": "under", atop: "under", "on top": "under", "top of the": "bottom of the", "in front of": "behind", "in the front of": "behind", "directly in front of": "directly behind", "in back of": "in front of", "back of": "front of", "at the back of": "at the front of", "rear of": "front of" };

export function oppositePhrase(phrase: string, relation: string): string | null {
  const whole = OPPOSITE_PHRASES[phrase.toLowerCase()];
  if (whole) return whole;
  const words = phrase.split(/(\s+|-)/);
  let flipped = false;
  const out = words.map((w) => {
    const o = OPPOSITE_WORDS[w.toLowerCase()];
    if (o && !flipped) {
      flipped = true;
      return o;
    }
    return w;
  });
  if (flipped) return out.join("");
  return OPPOSITE_RELATION[relation] ?? null;
}

const capitalise = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

function isPlural(subject: string): boolean {
  const words = subject.toLowerCase().split(/\s+/);
  if (PLURAL_START.has(words[0])) return true;
  const head = words.includes("of") ? words[words.indexOf("of") - 1] : words[words.length - 1];
  return /[^s]s$/.test(head ?? "") && !/(ss|us|is)$/.test(head ?? "");
}

export interface SynthesisOptions {
  /** At most this many pairs per caption (the paper averages ~7). */
  maxPairs?: number;
  /** Skip the negative (flipped-relation) questions. */
  negatives?: boolean;
}

/** Rule-made question-answer pairs over the caption's spatial phrases, in caption order. */
export function synthesizePairs(caption: string, options: SynthesisOptions = {}, analysis: TextAnalysis = analyseText(caption)): SynthesizedPair[] {
  const maxPairs = options.maxPairs ?? 24;
  const { tokens } = analysis;
  const pairs: SynthesizedPair[] = [];
  for (const match of analysis.matches) {
    if (!match.evidence || pairs.length >= maxPairs) continue;
    const object = objectAfter(caption, tokens, match);
    const subject = subjectBefore(caption, tokens, match);
    if (!object || !subject) continue;
    const subjectText = caption.slice(tokens[subject[0]].start, tokens[subject[1] - 1].end);
    const objectText = caption.slice(tokens[object[0]].start, tokens[object[1] - 1].end);
    const phrase = match.phrase.toLowerCase();
    const be = isPlural(subjectText) ? "are" : "is";
    const lowerSubject = DETERMINER_START.has(tokens[subject[0]].word) ? subjectText.charAt(0).toLowerCase() + subjectText.slice(1) : subjectText;
    const statement = `${lowerSubject} ${be} ${phrase} ${objectText}`;
    const base = { relation: match.relation, frame: frameOf(match, tokens), spanStart: tokens[subject[0]].start, spanEnd: tokens[object[1] - 1].end };
    const made: SynthesizedPair[] = [
      { ...base, kind: "open", question: `Where ${be} ${lowerSubject} relative to ${objectText}?`, answer: `${capitalise(statement)}.` },
      { ...base, kind: "yes", question: `${capitalise(be)} ${lowerSubject} ${phrase} ${objectText}?`, answer: `Yes, ${statement}.` },
    ];
    const opposite = options.negatives === false ? null : oppositePhrase(phrase, match.relation);
    if (opposite && opposite !== phrase) made.push({ ...base, kind: "no", question: `${capitalise(be)} ${lowerSubject} ${opposite} ${objectText}?`, answer: `No, ${statement}.` });
    made.push({ ...base, kind: "what", question: `What ${be} ${phrase} ${objectText}?`, answer: `${capitalise(lowerSubject)}.` });
    for (const pair of made) if (pairs.length < maxPairs) pairs.push(pair);
  }
  return pairs;
}
