import { ATTRIBUTES, ATTRIBUTE_VALUES, type Attribute, type Relation } from "@/lib/tools/scene";

// The claims grammar (docs/claims-grammar.md): reasoning text → claims the verifier can check
// against the scene. One hand-written pass per sentence over whitespace tokens (no backtracking
// regexes) because it runs on every reasoning step of every trace (docs/design.md §10: ≥ 1M steps/s).
// Sentences the grammar does not know produce no claim — the verifier never guesses.

export interface Desc {
  attrs: Partial<Record<Attribute, string>>;
  rel?: { relation: Relation; object: number };
  same?: { attribute: Attribute; object: number };
  except?: number[];
  or?: [Desc, Desc];
}

export type Comparator = "gt" | "lt" | "eq";

export type Claim =
  /** "obj_4 and obj_6 are cylinders left of obj_1": every listed object fits the description. */
  | { kind: "members"; ids: number[]; desc: Desc; negated: boolean; text: string }
  /** "The large red cube is obj_3": the objects fitting the description are exactly these. */
  | { kind: "enumeration"; ids: number[]; desc: Desc; text: string }
  /** "There are 2 cylinders left of obj_1" (desc) or "the count is 2" (cites the last count call). */
  | { kind: "count"; n: number; desc: Desc | null; ids: number[] | null; text: string }
  | { kind: "attribute"; id: number; attribute: Attribute; value: string; text: string }
  /** "obj_2 and obj_5 have the same color" / "... the same color as obj_3" / "have different sizes". */
  | { kind: "same"; ids: number[]; attribute: Attribute; reference: number | null; same: boolean; text: string }
  /** "3 is greater than 2": arithmetic, and the numbers are the last two count results cited. */
  | { kind: "compare"; a: number; b: number; op: Comparator; negated: boolean; text: string }
  | { kind: "distance"; a: number; b: number; value: number; text: string };

export interface ParsedReasoning {
  claims: Claim[];
  /** Object lists the text states (subjects, enumerations, trailing lists): cross.propagation. */
  sets: number[][];
  /** Every object the text mentions. */
  ids: number[];
  /** What the step concludes ("so yes", a count, an attribute value), normalised later. */
  conclusion: string | null;
  /** Sentences about a hypothetical scene ("would", "if ...") — not checked against the real one. */
  hypothetical: number;
}

const VALUE_WORDS = new Map<string, { attribute: Attribute; value: string }>();
for (const attribute of ATTRIBUTES) for (const value of ATTRIBUTE_VALUES[attribute]) VALUE_WORDS.set(value, { attribute, value });
for (const [word, value] of Object.entries({ shiny: "metal", metallic: "metal", matte: "rubber", grey: "gray", big: "large", tiny: "small" })) {
  VALUE_WORDS.set(word, { attribute: ATTRIBUTES.find((a) => ATTRIBUTE_VALUES[a].includes(value))!, value });
}
const NOUNS = new Map<string, string | null>([
  ["thing", null], ["things", null], ["object", null], ["objects", null], ["one", null], ["ones", null],
  ["cube", "cube"], ["cubes", "cube"], ["block", "cube"], ["blocks", "cube"],
  ["sphere", "sphere"], ["spheres", "sphere"], ["ball", "sphere"], ["balls", "sphere"],
  ["cylinder", "cylinder"], ["cylinders", "cylinder"],
]);
const ATTRIBUTE_NAMES = new Map<string, Attribute>([
  ["color", "color"], ["colors", "color"], ["colour", "color"], ["colours", "color"],
  ["size", "size"], ["sizes", "size"], ["shape", "shape"], ["shapes", "shape"], ["material", "material"], ["materials", "material"],
]);
const NUMBER_WORDS = new Map<string, number>(
  ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve"].map((w, i) => [w, i]),
);

/**
 * A text's tokens, in two parallel lists: the lower-cased word (a word, "," ":" "(" ")", or
 * "ref" / "'s-ref" for an object reference) and, for references, the object index (else -1).
 */
interface Tokens {
  words: string[];
  refs: number[];
}

/** A-Z → a-z; everything else unchanged (the tokenizer's ASCII lower-casing). */
const fold = (code: number): number => (code >= 65 && code <= 90 ? code + 32 : code);

// Every word the grammar looks at, in a trie over a-z (either case) and "'": the tokenizer walks
// it as it reads a word's characters, so a grammar word is recognised in the same pass that finds
// where the word ends (each character read once), and the token is the vocabulary's own string
// (no allocation; comparing a token with a literal is an identity check).
/** Trie columns: a-z and A-Z → 0-25, "'" → 26; every other character → 27, whose entries are all 0. */
const LETTERS = 28;
const OTHER = 27;
/** Character code (ASCII) → trie column. */
const LETTER = new Uint8Array(128).fill(OTHER);
for (let c = 97; c <= 122; c++) LETTER[c] = LETTER[c - 32] = c - 97;
LETTER[39] = 26;
/** What a character (ASCII) does to the word being read: part of it (0, the table's default), A-Z, ends it, or ". ! ? ;". */
const UPPER = 1;
const ENDS_WORD = 2;
const PUNCTUATION = 3;
const CHAR_CLASS = new Uint8Array(128);
for (let c = 65; c <= 90; c++) CHAR_CLASS[c] = UPPER;
for (const c of [32, 10, 9, 13, 44, 58, 40, 41]) CHAR_CLASS[c] = ENDS_WORD; // whitespace and , : ( )
for (const c of [46, 33, 63, 59]) CHAR_CLASS[c] = PUNCTUATION; // . ! ? ;
/** The trie's states: state 0 is "no grammar word", 1 the root; next = TRIE[state * LETTERS + column]. */
let trieStates: number[][] = [[], []];
/** The grammar word a state spells, if it is one. */
const WORD_AT_STATE: Array<string | undefined> = [];

function addToVocabulary(word: string): void {
  if (!/^[a-z']+$/.test(word)) throw new Error(`grammar word "${word}" is not a-z and "'"`);
  let state = 1;
  for (let k = 0; k < word.length; k++) {
    const column = LETTER[word.charCodeAt(k)];
    let next = trieStates[state][column];
    if (next === undefined) {
      next = trieStates.length;
      trieStates.push([]);
      trieStates[state][column] = next;
    }
    state = next;
  }
  WORD_AT_STATE[state] = word;
}

for (const words of [VALUE_WORDS.keys(), NOUNS.keys(), ATTRIBUTE_NAMES.keys(), NUMBER_WORDS.keys()]) for (const word of words) addToVocabulary(word);
for (const word of [
  "a", "an", "and", "answer", "are", "aren't", "as", "be", "behind", "between", "could", "count", "different", "distance", "either",
  "false", "front", "has", "have", "if", "in", "is", "isn't", "left", "no", "not", "number", "of", "on", "or", "other", "right",
  "same", "so", "than", "that", "the", "there", "to", "true", "units", "which", "with", "would", "yes", "greater", "more", "larger",
  "less", "fewer", "smaller", "equal",
]) {
  addToVocabulary(word);
}

if (trieStates.length > 0xffff) throw new Error("the grammar's vocabulary trie outgrew 16-bit states");
const TRIE = new Uint16Array(trieStates.length * LETTERS);
trieStates.forEach((next, state) => next.forEach((to, column) => (TRIE[state * LETTERS + column] = to)));
WORD_AT_STATE.length = trieStates.length;
trieStates = [];

/** text[from, to), lower-cased (a word that is no grammar word; `upper`: it has A-Z). */
function plainWordAt(text: string, from: number, to: number, upper: boolean): string {
  const word = text.slice(from, to);
  return upper ? word.toLowerCase() : word;
}

/** text[from, to) is "obj_12" / "#12" (any case), optionally with "'s" → 12, else -1. Hand-rolled: it runs on every word. */
function refAt(text: string, from: number, to: number): number {
  let start: number;
  if (to - from >= 4 && fold(text.charCodeAt(from)) === 111 && fold(text.charCodeAt(from + 1)) === 98 && fold(text.charCodeAt(from + 2)) === 106 && text.charCodeAt(from + 3) === 95) start = from + 4;
  else if (text.charCodeAt(from) === 35 /* # */) start = from + 1;
  else return -1;
  let end = to;
  if (endsWithPossessive(text, from, to)) end -= 2;
  if (end <= start) return -1;
  let n = 0;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    n = n * 10 + c;
  }
  return n;
}

/** text[from, to) ends with "'s" (any case). */
const endsWithPossessive = (text: string, from: number, to: number): boolean => to - from >= 2 && text.charCodeAt(to - 2) === 39 && fold(text.charCodeAt(to - 1)) === 115;

/** text[from, to) is digits, optionally followed by "'s". */
function isDigitsAt(text: string, from: number, to: number): boolean {
  const end = endsWithPossessive(text, from, to) ? to - 2 : to;
  if (end === from) return false;
  for (let i = from; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

const isSpace = (c: number): boolean => c === 32 || c === 10 || c === 9 || c === 13;
/** "," ":" "(" ")": tokens of their own. */
const isMark = (c: number): boolean => c === 44 || c === 58 || c === 40 || c === 41;

/**
 * Splits reasoning text into sentences of lower-cased tokens in one pass: whitespace separates
 * words, "," ":" "(" ")" are tokens of their own, and ". ! ? ;" end a sentence when followed by
 * whitespace or the end (so "2.31" stays a number).
 *
 * One instance serves every text (parsing is synchronous and never nested): its lists are
 * overwritten in place rather than allocated per text. ASCII text is lower-cased letter by letter
 * as it is read; text with other characters is lower-cased as a whole first (Unicode rules).
 */
class Tokenizer implements Tokens {
  words: string[] = [];
  refs: number[] = [];
  count = 0;
  /** Per sentence four numbers: its tokens [from, to) and its characters [start, end) in the text. */
  sentences: number[] = [];
  sentenceCount = 0;
  private sentenceFrom = 0;

  tokenize(text: string): void {
    if (!this.scan(text, true)) this.scan(text.toLowerCase(), false);
  }

  /** false: an ASCII-only scan met another character. */
  private scan(text: string, asciiOnly: boolean): boolean {
    this.count = 0;
    this.sentenceCount = 0;
    this.sentenceFrom = 0;
    let start = -1;
    let last = 0;
    const n = text.length;
    let i = 0;
    while (i < n) {
      const c = text.charCodeAt(i);
      if (isSpace(c)) {
        i++;
        continue;
      }
      if (start < 0) start = i;
      if (isMark(c)) {
        this.push(c === 44 ? "," : c === 58 ? ":" : c === 40 ? "(" : ")", -1);
        i++;
        last = i;
        continue;
      }
      // one pass to the word's end, walking the vocabulary trie; a run of ". ! ? ;" at the end
      // (`punctuation` characters) closes the sentence, inside a word it is part of it ("2.31")
      let state = 1;
      let punctuation = 0;
      let upper = false;
      let j = i;
      while (j < n) {
        const d = text.charCodeAt(j);
        if (d < 128) {
          const kind = CHAR_CLASS[d];
          if (kind === ENDS_WORD) break;
          if (kind === PUNCTUATION) punctuation++;
          else {
            if (punctuation > 0) {
              punctuation = 0;
              state = 0;
            }
            // state 0 ("no grammar word") and column OTHER lead to state 0
            state = TRIE[state * LETTERS + LETTER[d]];
            if (kind === UPPER) upper = true;
          }
        } else if (asciiOnly) return false;
        else {
          punctuation = 0;
          state = 0;
        }
        j++;
      }
      const k = j - punctuation;
      if (k > i) {
        const word = WORD_AT_STATE[state];
        // a grammar word is never an object reference ("obj_3", "#3", digits)
        if (word !== undefined) this.push(word, -1);
        else this.pushWord(text, i, k, upper);
        last = k;
      }
      if (k < j) {
        this.closeSentence(start, last);
        start = -1;
      }
      i = j;
    }
    this.closeSentence(start, last);
    return true;
  }

  private push(word: string, ref: number): void {
    this.words[this.count] = word;
    this.refs[this.count] = ref;
    this.count++;
  }

  private closeSentence(start: number, end: number): void {
    if (this.count > this.sentenceFrom) {
      const at = this.sentenceCount * 4;
      this.sentences[at] = this.sentenceFrom;
      this.sentences[at + 1] = this.count;
      this.sentences[at + 2] = start;
      this.sentences[at + 3] = end;
      this.sentenceCount++;
    }
    this.sentenceFrom = this.count;
  }

  /** A word that is no grammar word: an object reference, or the word itself. */
  private pushWord(text: string, from: number, to: number, upper: boolean): void {
    const first = fold(text.charCodeAt(from));
    // only "obj_…", "#…" and a number after "object" can be references
    if (first !== 111 /* o */ && first !== 35 /* # */ && (first < 48 || first > 57)) return this.push(plainWordAt(text, from, to, upper), -1);
    const ref = refAt(text, from, to);
    if (ref >= 0) return this.push(endsWithPossessive(text, from, to) ? "'s-ref" : "ref", ref);
    const last = this.count - 1;
    if (last >= this.sentenceFrom && this.words[last] === "object" && isDigitsAt(text, from, to)) {
      this.words[last] = endsWithPossessive(text, from, to) ? "'s-ref" : "ref";
      this.refs[last] = Number.parseInt(text.slice(from, to), 10);
      return;
    }
    this.push(plainWordAt(text, from, to, upper), -1);
  }
}

const tokenizer = new Tokenizer();

/** Cursor over one clause: the tokens [i, end). */
class Cursor {
  constructor(
    readonly words: readonly string[],
    readonly refs: readonly number[],
    public i: number,
    readonly end: number,
  ) {}
  atEnd(): boolean {
    return this.i >= this.end;
  }
  peek(offset = 0): string {
    const k = this.i + offset;
    return k < this.end ? this.words[k] : "";
  }
  /** Consumes up to three words if they come next (no rest array: this runs per alternative tried). */
  accept(a: string, b?: string, c?: string): boolean {
    const { words, end } = this;
    const i = this.i;
    if (i >= end || words[i] !== a) return false;
    if (b === undefined) {
      this.i = i + 1;
      return true;
    }
    if (i + 1 >= end || words[i + 1] !== b) return false;
    if (c === undefined) {
      this.i = i + 2;
      return true;
    }
    if (i + 2 >= end || words[i + 2] !== c) return false;
    this.i = i + 3;
    return true;
  }
  ref(): number | null {
    if (this.i < this.end && this.words[this.i] === "ref") return this.refs[this.i++];
    return null;
  }
  number(): number | null {
    const word = this.peek();
    if (word === "") return null;
    const c = word.charCodeAt(0);
    let n: number | undefined;
    if (c >= 48 && c <= 57) n = isNumeral(word) ? Number(word) : undefined;
    else n = NUMBER_WORDS.get(word);
    if (n === undefined) return null;
    this.i++;
    return n;
  }
}

/** "12", "2.31" */
function isNumeral(word: string): boolean {
  let dot = false;
  for (let i = 0; i < word.length; i++) {
    const c = word.charCodeAt(i);
    if (c === 46 && !dot && i > 0 && i < word.length - 1) dot = true;
    else if (c < 48 || c > 57) return false;
  }
  return true;
}

/** obj_4, obj_6 and obj_9 (commas, "and", an Oxford comma). */
function parseList(c: Cursor): number[] | null {
  const first = c.ref();
  if (first === null) return null;
  const ids = [first];
  for (;;) {
    const save = c.i;
    if (c.accept(",")) {
      c.accept("and");
      const next = c.ref();
      if (next === null) {
        c.i = save;
        break;
      }
      ids.push(next);
    } else if (c.accept("and")) {
      const next = c.ref();
      if (next === null) {
        c.i = save;
        break;
      }
      ids.push(next);
    } else break;
  }
  return ids;
}

function parseRelation(c: Cursor): Relation | null {
  const save = c.i;
  if (!c.accept("to", "the")) c.accept("on", "the");
  if (c.accept("left", "of")) return "left";
  if (c.accept("right", "of")) return "right";
  if (c.accept("in", "front", "of") || c.accept("front", "of")) return "front";
  if (c.accept("behind")) return "behind";
  c.i = save;
  return null;
}

/**
 * [a|an|the|other] attribute-words* [noun] postmodifiers*. Postmodifiers: a relation to an object,
 * "with the same ATTR as obj_k", "other than LIST", "that are (either) NP or NP". Needs at least
 * one word to count as a description.
 */
function parseDesc(c: Cursor, nested = false): Desc | null {
  const start = c.i;
  if (!c.accept("a") && !c.accept("an")) c.accept("the");
  c.accept("other");
  const desc: Desc = newDesc();
  let words = 0;
  for (;;) {
    const value = VALUE_WORDS.get(c.peek());
    if (!value || value.attribute === "shape") break;
    if (desc.attrs[value.attribute] && desc.attrs[value.attribute] !== value.value) return null;
    desc.attrs[value.attribute] = value.value;
    c.i++;
    words++;
  }
  const noun = NOUNS.get(c.peek());
  if (noun !== undefined) {
    if (noun) desc.attrs.shape = noun;
    c.i++;
    words++;
  } else {
    const shapeValue = VALUE_WORDS.get(c.peek());
    if (shapeValue?.attribute === "shape") {
      desc.attrs.shape = shapeValue.value;
      c.i++;
      words++;
    }
  }
  for (;;) {
    const save = c.i;
    const relation = parseRelation(c);
    if (relation) {
      const object = c.ref();
      if (object === null || desc.rel) {
        c.i = save;
        break;
      }
      desc.rel = { relation, object };
      words++;
      continue;
    }
    if (c.accept("with", "the", "same")) {
      const attribute = ATTRIBUTE_NAMES.get(c.peek());
      if (attribute) {
        c.i++;
        if (c.accept("as")) {
          const object = c.ref();
          if (object !== null) {
            desc.same = { attribute, object };
            words++;
            continue;
          }
        }
      }
      c.i = save;
      break;
    }
    if (c.accept("other", "than")) {
      const ids = parseList(c);
      if (!ids) {
        c.i = save;
        break;
      }
      desc.except = ids;
      words++;
      continue;
    }
    if (!nested && (c.accept("that", "are") || c.accept("that", "is") || c.accept("which", "are") || c.accept("which", "is"))) {
      const either = c.accept("either");
      const left = parseDesc(c, true);
      if (left && c.accept("or")) {
        const right = parseDesc(c, true);
        if (right) {
          desc.or = [left, right];
          words++;
          continue;
        }
      }
      if (left && !either && !desc.rel && left.rel && noAttrs(left)) {
        desc.rel = left.rel;
        words++;
        continue;
      }
      c.i = save;
      break;
    }
    break;
  }
  if (words === 0) {
    c.i = start;
    return null;
  }
  return desc;
}

/**
 * A description with every field present (unset ones undefined): descriptions then share one
 * object shape, so reading them (the verifier's Matcher) is a monomorphic property load rather
 * than a lookup over every order the attribute words can come in.
 */
function newDesc(): Desc {
  return { attrs: { color: undefined, size: undefined, shape: undefined, material: undefined }, rel: undefined, same: undefined, except: undefined, or: undefined };
}

const noAttrs = (desc: Desc): boolean => desc.attrs.color === undefined && desc.attrs.size === undefined && desc.attrs.shape === undefined && desc.attrs.material === undefined;

/** After "is"/"are" [not]: a description, or "either NP or NP". */
function parsePredicate(c: Cursor): Desc | null {
  if (c.accept("either")) {
    const left = parseDesc(c, true);
    if (!left || !c.accept("or")) return null;
    const right = parseDesc(c, true);
    if (!right) return null;
    const desc = newDesc();
    desc.or = [left, right];
    return desc;
  }
  return parseDesc(c);
}

const COMPARATORS: Array<[string[], Comparator]> = [
  [["greater", "than"], "gt"], [["more", "than"], "gt"], [["larger", "than"], "gt"],
  [["less", "than"], "lt"], [["fewer", "than"], "lt"], [["smaller", "than"], "lt"],
  [["equal", "to"], "eq"], [["the", "same", "as"], "eq"],
];

const NEGATED_VERB = { ok: true, negated: true } as const;
const VERB = { ok: true, negated: false } as const;
const NO_VERB = { ok: false, negated: false } as const;

function acceptVerb(c: Cursor): { ok: boolean; negated: boolean } {
  if (c.accept("is", "not") || c.accept("are", "not") || c.accept("isn't") || c.accept("aren't")) return NEGATED_VERB;
  if (c.accept("is") || c.accept("are")) return VERB;
  return NO_VERB;
}

interface ClauseResult {
  claims: Claim[];
  sets: number[][];
  conclusion: string | null;
}

const EMPTY: ClauseResult = { claims: [], sets: [], conclusion: null };

/** One clause: tokens [from, to) of the sentence `text`. */
function parseClause(tokens: Tokens, from: number, to: number, text: string): ClauseResult {
  const c = new Cursor(tokens.words, tokens.refs, from, to);

  // There is/are N DESC [: LIST]  ·  There is no DESC
  if (c.accept("there")) {
    if (!c.accept("is") && !c.accept("are")) return EMPTY;
    const n = c.accept("no") ? 0 : c.number();
    if (n === null) return EMPTY;
    const desc = parseDesc(c);
    if (!desc) {
      return c.atEnd() ? { claims: [{ kind: "count", n, desc: null, ids: null, text }], sets: [], conclusion: String(n) } : EMPTY;
    }
    let ids: number[] | null = null;
    if (c.accept(":")) {
      ids = parseList(c);
      if (!ids) return EMPTY;
    }
    if (!c.atEnd()) return EMPTY;
    return { claims: [{ kind: "count", n, desc, ids, text }], sets: ids ? [ids] : n === 0 ? [[]] : [], conclusion: String(n) };
  }
  // No DESC is/are PREDICATE
  if (c.accept("no")) {
    const subject = parseDesc(c);
    if (!subject) return EMPTY;
    const verb = acceptVerb(c);
    if (!verb.ok || verb.negated) return EMPTY;
    const predicate = parsePredicate(c);
    if (!predicate || !c.atEnd()) return EMPTY;
    const desc = mergeDescs(subject, predicate);
    return desc ? { claims: [{ kind: "count", n: 0, desc, ids: null, text }], sets: [[]], conclusion: "0" } : EMPTY;
  }
  // The count is N
  if (c.accept("the", "count", "is") || c.accept("count", "is") || c.accept("the", "number", "is")) {
    const n = c.number();
    return n !== null && c.atEnd() ? { claims: [{ kind: "count", n, desc: null, ids: null, text }], sets: [], conclusion: String(n) } : EMPTY;
  }
  // The distance between obj_1 and obj_2 is 2.31
  if (c.accept("the", "distance", "between")) {
    const a = c.ref();
    if (a === null || !c.accept("and")) return EMPTY;
    const b = c.ref();
    if (b === null || !c.accept("is")) return EMPTY;
    const value = c.number();
    c.accept("units");
    return value !== null && c.atEnd() ? { claims: [{ kind: "distance", a, b, value, text }], sets: [], conclusion: String(value) } : EMPTY;
  }
  // The ATTR of obj_3 is VALUE
  if (c.peek() === "the" && ATTRIBUTE_NAMES.has(c.peek(1)) && c.peek(2) === "of") {
    const attribute = ATTRIBUTE_NAMES.get(c.peek(1))!;
    c.i += 3;
    const id = c.ref();
    if (id === null || !c.accept("is")) return EMPTY;
    return attributeValue(c, id, attribute, text);
  }
  // obj_3's ATTR is VALUE
  if (c.peek() === "'s-ref" && ATTRIBUTE_NAMES.has(c.peek(1))) {
    const id = tokens.refs[from];
    const attribute = ATTRIBUTE_NAMES.get(c.peek(1))!;
    c.i += 2;
    if (!c.accept("is")) return EMPTY;
    return attributeValue(c, id, attribute, text);
  }
  // The DESC is/are LIST (enumeration)
  if (c.peek() === "the") {
    const desc = parseDesc(c);
    if (!desc) return EMPTY;
    if (!c.accept("is") && !c.accept("are")) return EMPTY;
    const ids = parseList(c);
    if (!ids || !c.atEnd()) return EMPTY;
    return { claims: [{ kind: "enumeration", ids, desc, text }], sets: [ids], conclusion: ids.map((id) => `obj_${id}`).join(", ") };
  }
  // N is [not] greater than / less than / equal to M
  const a = c.number();
  if (a !== null) {
    const verb = acceptVerb(c);
    if (!verb.ok) return EMPTY;
    const comparator = COMPARATORS.find(([words]) => c.accept(words[0], words[1], words[2]));
    if (!comparator) return EMPTY;
    const b = c.number();
    return b !== null && c.atEnd() ? { claims: [{ kind: "compare", a, b, op: comparator[1], negated: verb.negated, text }], sets: [], conclusion: null } : EMPTY;
  }
  // LIST is/are [not] PREDICATE  ·  LIST has/have the same ATTR [as obj_k]  ·  LIST have different ATTRs
  const ids = parseList(c);
  if (ids) {
    if (c.accept("has") || c.accept("have")) {
      if (c.accept("the", "same")) {
        const attribute = ATTRIBUTE_NAMES.get(c.peek());
        if (!attribute) return EMPTY;
        c.i++;
        let reference: number | null = null;
        if (c.accept("as")) {
          reference = c.ref();
          if (reference === null) return EMPTY;
        } else if (ids.length < 2) return EMPTY;
        return c.atEnd() ? { claims: [{ kind: "same", ids, attribute, reference, same: true, text }], sets: [ids], conclusion: null } : EMPTY;
      }
      if (c.accept("different")) {
        const attribute = ATTRIBUTE_NAMES.get(c.peek());
        if (!attribute || ids.length < 2) return EMPTY;
        c.i++;
        return c.atEnd() ? { claims: [{ kind: "same", ids, attribute, reference: null, same: false, text }], sets: [ids], conclusion: null } : EMPTY;
      }
      return EMPTY;
    }
    const verb = acceptVerb(c);
    if (!verb.ok) return EMPTY;
    const desc = parsePredicate(c);
    if (!desc || !c.atEnd()) return { claims: [], sets: [ids], conclusion: null };
    return { claims: [{ kind: "members", ids, desc, negated: verb.negated, text }], sets: [ids], conclusion: null };
  }
  return EMPTY;
}

function attributeValue(c: Cursor, id: number, attribute: Attribute, text: string): ClauseResult {
  const word = c.peek();
  const value = VALUE_WORDS.get(word) ?? (NOUNS.get(word) ? { attribute: "shape" as Attribute, value: NOUNS.get(word)! } : undefined);
  c.i++;
  if (!c.atEnd()) return EMPTY;
  // "the color of obj_3 is rubber" is a claim, and a false one: keep the word as stated
  const stated = value && value.attribute === attribute ? value.value : word;
  return { claims: [{ kind: "attribute", id, attribute, value: stated, text }], sets: [], conclusion: stated };
}

/** "No object is left of obj_1": the subject's and the predicate's constraints together. */
function mergeDescs(a: Desc, b: Desc): Desc | null {
  const desc = newDesc();
  const attrs = desc.attrs;
  for (const key of ATTRIBUTES) {
    const mine = a.attrs[key];
    const theirs = b.attrs[key];
    if (mine !== undefined && theirs !== undefined && mine !== theirs) return null;
    attrs[key] = mine ?? theirs;
  }
  if (a.rel && b.rel) return null;
  desc.rel = a.rel ?? b.rel;
  desc.same = a.same ?? b.same;
  desc.except = a.except ?? b.except;
  desc.or = a.or ?? b.or;
  return desc;
}

function parseConclusion(tokens: Tokens, from: number, to: number, text: string): ClauseResult {
  const c = new Cursor(tokens.words, tokens.refs, from, to);
  c.accept("the", "answer", "is");
  const word = c.peek();
  if (word === "there") return parseClause(tokens, from, to, text);
  if (word === "yes" || word === "true") return { ...EMPTY, conclusion: "yes" };
  if (word === "no" || word === "false") return { ...EMPTY, conclusion: "no" };
  const n = c.number();
  if (n !== null) return { ...EMPTY, conclusion: String(n) };
  if (word && word !== "ref") return { ...EMPTY, conclusion: word };
  const ids = parseList(c);
  return ids ? { ...EMPTY, sets: [ids], conclusion: ids.map((id) => `obj_${id}`).join(", ") } : EMPTY;
}

/**
 * Parses a reasoning step's text into claims, stated object sets and its conclusion. Not memoised:
 * a parse costs about what a lookup in a map of every text seen does, and such a map's entries
 * outlive the young generation, so the garbage collector paid more than the parses saved
 * (docs/verifier.md, Performance).
 */
export function parseReasoning(text: string): ParsedReasoning {
  const result: ParsedReasoning = { claims: [], sets: [], ids: [], conclusion: null, hypothetical: 0 };
  const ids = result.ids;
  const tokens = tokenizer;
  tokens.tokenize(text);
  const { words, refs, sentences } = tokens;
  for (let s = 0; s < tokens.sentenceCount; s++) {
    const from = sentences[4 * s];
    const to = sentences[4 * s + 1];
    const start = sentences[4 * s + 2];
    const end = sentences[4 * s + 3];
    const sentence = text.slice(start, end);
    let hypothetical = false;
    // ", so X": a clause [from, split - 1) and its conclusion [split + 1, to)
    let split = -1;
    for (let k = from; k < to; k++) {
      const word = words[k];
      const ref = refs[k];
      if (ref >= 0) {
        if (!ids.includes(ref)) ids.push(ref);
      }
      else if (word === "would" || word === "if" || word === "could") hypothetical = true;
      else if (word === "so" && k > from && words[k - 1] === ",") split = k;
    }
    const clauseEnd = split > 0 ? split - 1 : to;
    if (hypothetical) {
      result.hypothetical++;
      const list = trailingList(tokens, from, clauseEnd);
      if (list) result.sets.push(list);
      const stated = split > 0 ? hypotheticalConclusion(tokens, split + 1, to) : hypotheticalConclusion(tokens, from, clauseEnd);
      if (stated !== null) result.conclusion = stated;
      continue;
    }
    const parsed = parseClause(tokens, from, clauseEnd, sentence);
    if (parsed.claims.length === 0 && parsed.sets.length === 0) {
      const list = trailingList(tokens, from, clauseEnd);
      if (list) result.sets.push(list);
    }
    for (const claim of parsed.claims) result.claims.push(claim);
    for (const set of parsed.sets) result.sets.push(set);
    if (parsed.conclusion !== null) result.conclusion = parsed.conclusion;
    if (split > 0) {
      const conclusion = parseConclusion(tokens, split + 1, to, sentence);
      // "…, so there are 2": a bare count right after a list counts that list
      for (const claim of conclusion.claims) {
        if (claim.kind === "count" && claim.desc === null && parsed.sets.length) {
          result.claims.push({ ...claim, ids: parsed.sets[parsed.sets.length - 1] });
        } else result.claims.push(claim);
      }
      for (const set of conclusion.sets) result.sets.push(set);
      if (conclusion.conclusion !== null) result.conclusion = conclusion.conclusion;
    }
  }
  return result;
}

/** "... what remains is obj_0, obj_1 and obj_3": a list that ends the clause [from, to). */
function trailingList({ words, refs }: Tokens, from: number, to: number): number[] | null {
  if (to <= from || words[to - 1] !== "ref") return null;
  let start = to - 1;
  while (start > from && (words[start - 1] === "ref" || words[start - 1] === "," || words[start - 1] === "and")) start--;
  const ids: number[] = [];
  for (let k = start; k < to; k++) if (words[k] === "ref") ids.push(refs[k]);
  return ids.length ? ids : null;
}

/** "There would be 4 large things" concludes 4; "so yes" concludes yes. */
function hypotheticalConclusion(tokens: Tokens, from: number, to: number): string | null {
  const c = new Cursor(tokens.words, tokens.refs, from, to);
  if (c.accept("there", "would", "be")) {
    if (c.accept("no")) return "0";
    const n = c.number();
    return n === null ? null : String(n);
  }
  const word = c.peek();
  if (word === "yes" || word === "no") return word;
  return null;
}
