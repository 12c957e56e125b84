import { ATTRIBUTES, ATTRIBUTE_VALUES, type Attribute, type Relation } from "@/lib/tools/scene";

// The claims grammar (docs/claims-grammar.md): reasoning text → claims the verifier can check
// against the scene. One hand-written pass per sentence over whitespace tokens (no backtracking
// regexes) because it runs on every reasoning step of every trace (docs/design.md §10: ≥ 1M steps/s).
// Sentences the grammar does not know produce no claim — the verifier never guesses.

export interface Desc {
  attrs: Partial<Record<Attribute, string>>;
  /** `object` is the related-to object; with `anchor` (object -1) it is named by a description ("left of the cyan cylinder"), resolved against the scene when checked. */
  rel?: { relation: Relation; object: number; anchor?: Desc };
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
  | { kind: "distance"; a: number; b: number; value: number; text: string }
  /** "The cyan cylinder is left of obj_2": the one object fitting `subject` fits `desc` (or, negated, does not). */
  | { kind: "definite"; subject: Desc; desc: Desc; negated: boolean; text: string };

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
  /** A sentence announced a conclusion ("so the answer is …") the reader could not read: why (cross.answer's skip reason). */
  unreadConclusion: string | null;
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
  ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen", "twenty"].map((w, i) => [w, i]),
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
for (const c of [42, 96, 34, 91, 93, 123, 125, 60, 62, 61]) CHAR_CLASS[c] = ENDS_WORD; // markdown and markup: * ` " [ ] { } < > =
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

const isSpace = (c: number): boolean => c === 32 || c === 10 || c === 9 || c === 13 || c === 42 || c === 96 || c === 34 || c === 91 || c === 93 || c === 123 || c === 125 || c === 60 || c === 62;
/** "," ":" "(" ")": tokens of their own. */
const isMark = (c: number): boolean => c === 44 || c === 58 || c === 40 || c === 41 || c === 61;

/**
 * Splits reasoning text into sentences of lower-cased tokens in one pass: whitespace separates
 * words, "," ":" "(" ")" "=" are tokens of their own, and ". ! ? ;" end a sentence when followed by
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
  /** Per sentence five numbers: its tokens [from, to), its characters [start, end) in the text, and 1 when it ends with "?" (a question states nothing). */
  sentences: number[] = [];
  sentenceCount = 0;
  private sentenceFrom = 0;

  tokenize(text: string): void {
    if (!this.scan(text, true)) this.scan(text.toLowerCase().replace(/[\u2018\u2019\u02bc]/g, "'"), false);
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
        // a line break ends a sentence (list items and steps often have no full stop)
        if (c === 10 && start >= 0) {
          this.closeSentence(start, last, false);
          start = -1;
        }
        i++;
        continue;
      }
      if (start < 0) start = i;
      if (isMark(c)) {
        this.push(c === 44 ? "," : c === 58 ? ":" : c === 40 ? "(" : c === 41 ? ")" : "=", -1);
        i++;
        last = i;
        continue;
      }
      // one pass to the word's end, walking the vocabulary trie; a run of ". ! ? ;" at the end
      // (`punctuation` characters) closes the sentence, inside a word it is part of it ("2.31")
      let state = 1;
      let punctuation = 0;
      let question = false;
      let upper = false;
      let j = i;
      while (j < n) {
        const d = text.charCodeAt(j);
        if (d < 128) {
          const kind = CHAR_CLASS[d];
          if (kind === ENDS_WORD) break;
          if (kind === PUNCTUATION) {
            punctuation++;
            if (d === 63) question = true;
          } else {
            if (punctuation > 0) {
              punctuation = 0;
              question = false;
              state = 0;
            }
            // state 0 ("no grammar word") and column OTHER lead to state 0
            state = TRIE[state * LETTERS + LETTER[d]];
            if (kind === UPPER) upper = true;
          }
        } else if (asciiOnly) return false;
        else {
          punctuation = 0;
          question = false;
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
        this.closeSentence(start, last, question);
        start = -1;
      }
      i = j;
    }
    this.closeSentence(start, last, false);
    return true;
  }

  private push(word: string, ref: number): void {
    this.words[this.count] = word;
    this.refs[this.count] = ref;
    this.count++;
  }

  private closeSentence(start: number, end: number, question: boolean): void {
    if (this.count > this.sentenceFrom) {
      const at = this.sentenceCount * 5;
      this.sentences[at] = this.sentenceFrom;
      this.sentences[at + 1] = this.count;
      this.sentences[at + 2] = start;
      this.sentences[at + 3] = end;
      this.sentences[at + 4] = question ? 1 : 0;
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
  if (!c.accept("to", "the") && !c.accept("on", "the")) c.accept("at", "the");
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
  if (!c.accept("a") && !c.accept("an") && c.accept("the")) c.accept("only");
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
      const anchor = object === null ? parseAnchor(c) : null;
      if ((object === null && anchor === null) || desc.rel) {
        c.i = save;
        break;
      }
      desc.rel = anchor ? { relation, object: -1, anchor } : { relation, object: object! };
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

/** "the cyan cylinder", "the large metal one": an object named by a definite description (a noun is required). */
function parseAnchor(c: Cursor): Desc | null {
  const save = c.i;
  if (!c.accept("the")) return null;
  const desc = newDesc();
  let adjectives = 0;
  for (;;) {
    const value = VALUE_WORDS.get(c.peek());
    if (!value || value.attribute === "shape") break;
    if (desc.attrs[value.attribute] && desc.attrs[value.attribute] !== value.value) break;
    desc.attrs[value.attribute] = value.value;
    c.i++;
    adjectives++;
  }
  const word = c.peek();
  const noun = NOUNS.get(word);
  const shape = VALUE_WORDS.get(word);
  if (noun !== undefined && (noun !== null || adjectives > 0)) desc.attrs.shape = noun ?? undefined;
  else if (shape?.attribute === "shape") desc.attrs.shape = shape.value;
  else {
    c.i = save;
    return null;
  }
  c.i++;
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
    // "obj_3 is the only red cube": the objects fitting the description are exactly these
    if (c.peek() === "the" && c.peek(1) === "only") {
      const desc = verb.negated ? null : parseDesc(c);
      if (!desc || !c.atEnd()) return { claims: [], sets: [ids], conclusion: null };
      return { claims: [{ kind: "enumeration", ids, desc, text }], sets: [ids], conclusion: null };
    }
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

/** ", so X" after a clause the strict grammar read: X's claims (", so there are 2 …") and what it concludes. */
function parseConclusion(tokens: Tokens, from: number, to: number, text: string): ClauseResult {
  if (tokens.words[from] === "there") return parseClause(tokens, from, to, text);
  const read = readConclusion(tokens.words, tokens.refs, from, to);
  return { claims: [], sets: read.ids ? [read.ids] : [], conclusion: read.value };
}

/**
 * Parses a reasoning step's text into claims, stated object sets and its conclusion. Not memoised:
 * a parse costs about what a lookup in a map of every text seen does, and such a map's entries
 * outlive the young generation, so the garbage collector paid more than the parses saved
 * (docs/verifier.md, Performance).
 *
 * Two readers: the strict grammar first (one pass, the forms of docs/claims-grammar.md, what the
 * scripted teacher writes); a sentence it reads nothing from goes to the general reader
 * (readFlexible), which first rewrites the sentence's tokens into the grammar's words (hedges and
 * fillers dropped, paraphrases mapped) and then reads claims whatever the sentence's shape.
 */
export function parseReasoning(text: string): ParsedReasoning {
  const result: ParsedReasoning = { claims: [], sets: [], ids: [], conclusion: null, hypothetical: 0, unreadConclusion: null };
  const ids = result.ids;
  const tokens = tokenizer;
  tokens.tokenize(text);
  const { words, refs, sentences } = tokens;
  let lastRef = -1;
  // the conclusion came from a claim ("There are 2 cubes."), not from words that announce it
  let derived = false;
  for (let s = 0; s < tokens.sentenceCount; s++) {
    const from = sentences[5 * s];
    const to = sentences[5 * s + 1];
    const start = sentences[5 * s + 2];
    const end = sentences[5 * s + 3];
    const question = sentences[5 * s + 4] === 1;
    const sentence = text.slice(start, end);
    let hypothetical = false;
    const refBefore = lastRef;
    // ", so X": a clause [from, split - 1) and its conclusion [split + 1, to)
    let split = -1;
    for (let k = from; k < to; k++) {
      const word = words[k];
      const ref = refs[k];
      if (ref >= 0) {
        if (!ids.includes(ref)) ids.push(ref);
        lastRef = ref;
      } else if (HYPOTHETICAL.has(word) && !hedge(words, k, to)) hypothetical = true;
      else if (word === "so" && k > from && words[k - 1] === ",") split = k;
    }
    // a question asks, it states nothing
    if (question) continue;
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
    if (parsed.claims.length === 0) {
      const flexible = readFlexible(words, refs, from, to, sentence, refBefore);
      if (flexible.claims.length > 0 || flexible.conclusion !== null || flexible.unread !== null) {
        for (const claim of flexible.claims) result.claims.push(claim);
        for (const set of parsed.sets) result.sets.push(set);
        for (const set of flexible.sets) result.sets.push(set);
        if (flexible.conclusion !== null) {
          result.conclusion = flexible.conclusion;
          result.unreadConclusion = null;
          derived = !flexible.announced;
        } else if (flexible.unread !== null) {
          result.conclusion = null;
          result.unreadConclusion = flexible.unread;
        } else if (derived) {
          // "There are 2 cubes. obj_3 is not small.": the count no longer is what the step concludes
          result.conclusion = null;
          derived = false;
        }
        continue;
      }
    }
    if (parsed.claims.length === 0 && parsed.sets.length === 0) {
      const list = trailingList(tokens, from, clauseEnd);
      if (list) result.sets.push(list);
    }
    for (const claim of parsed.claims) result.claims.push(claim);
    for (const set of parsed.sets) result.sets.push(set);
    if (parsed.conclusion !== null) {
      result.conclusion = parsed.conclusion;
      result.unreadConclusion = null;
      derived = true;
    }
    if (split > 0) {
      const conclusion = parseConclusion(tokens, split + 1, to, sentence);
      // "…, so there are 2": a bare count right after a list counts that list
      for (const claim of conclusion.claims) {
        if (claim.kind === "count" && claim.desc === null && parsed.sets.length) {
          result.claims.push({ ...claim, ids: parsed.sets[parsed.sets.length - 1] });
        } else result.claims.push(claim);
      }
      for (const set of conclusion.sets) result.sets.push(set);
      if (conclusion.conclusion !== null) {
        result.conclusion = conclusion.conclusion;
        result.unreadConclusion = null;
        derived = false;
      }
    }
  }
  return result;
}

/** "it would seem", "I would say", "if I'm reading the scene right", "if I am not mistaken": hedges, not hypotheticals. */
function hedge(words: readonly string[], k: number, to: number): boolean {
  const next = k + 1 < to ? words[k + 1] : "";
  if (words[k] === "would") return next === "seem" || next === "appear" || next === "say";
  if (words[k] === "if") return next === "i" || next === "i'm" || next === "we" || next === "we're";
  return false;
}

/** Words that make a sentence hypothetical or uncertain: it is not checked against the scene. */
const HYPOTHETICAL = new Set(["would", "if", "could", "might", "may", "maybe", "perhaps", "possibly", "whether", "suppose", "supposing", "assuming", "assume", "unless", "hypothetically", "unsure", "uncertain", "wonder", "unclear", "guess"]);

// ---- the general reader ------------------------------------------------------------------------
//
// A sentence the strict grammar read nothing from is read again after rewriting its tokens into
// the grammar's words: hedges and discourse fillers are dropped ("I can see that", "it appears
// that", "clearly", "according to the attributes,"), paraphrases are mapped onto the grammar
// ("appears to be" → "is", "share the same" → "have the same", "on the left side of" → "left of",
// "I count N X" → a count), pronouns ("it", "its") name the object mentioned last, and the
// sentence is cut into clauses at commas and conjunctions when it does not read whole. Every
// clause still has to read to its end (only fillers may remain): what the reader does not
// understand yields no claim, never a guess (docs/claims-grammar.md).

/** [pattern, replacement]: token sequences and what they become, longest pattern first per first word. */
const REWRITE_LIST: Array<[string, string]> = [
  // hedges and evidential frames: dropped
  ["i can see that", ""], ["we can see that", ""], ["you can see that", ""], ["i see that", ""], ["we see that", ""], ["it seems that", ""], ["it seems like", ""],
  ["it appears that", ""], ["it looks like", ""], ["it is clear that", ""], ["it is evident that", ""], ["it turns out that", ""], ["i think that", ""], ["i think", ""],
  ["i believe that", ""], ["i believe", ""], ["i notice that", ""], ["i note that", ""], ["note that", ""], ["notice that", ""], ["we note that", ""],
  ["i observe that", ""], ["we observe that", ""], ["we know that", ""], ["i know that", ""], ["we find that", ""], ["i find that", ""], ["i found that", ""],
  ["i can tell that", ""], ["i can confirm that", ""], ["we can confirm that", ""], ["i confirm that", ""], ["we can tell that", ""], ["i verified that", ""], ["i checked that", ""],
  ["as we can see", ""], ["as i can see", ""], ["as you can see", ""], ["as shown", ""], ["from the scene", ""], ["in the scene", ""], ["in the image", ""],
  ["in the picture", ""], ["from the image", ""], ["from the picture", ""], ["of the scene", ""], ["as well", ""], ["from what i can tell", ""], ["from what i see", ""],
  ["as far as i can see", ""], ["as far as i can tell", ""], ["based on the scene", ""], ["looking at the scene", ""], ["upon inspection", ""],
  ["on closer inspection", ""], ["on inspection", ""], ["at first glance", ""], ["in this scene", ""], ["in this image", ""],
  // copulas and their hedged forms
  ["does not appear to be", "is not"], ["does not seem to be", "is not"], ["does not look to be", "is not"], ["does not look like", "is not"], ["does not appear", "is not"],
  ["does not seem", "is not"], ["does not look", "is not"], ["does not lie", "is not"], ["does not sit", "is not"],
  ["do not appear to be", "are not"], ["do not seem to be", "are not"], ["do not look like", "are not"], ["do not appear", "are not"], ["do not seem", "are not"], ["do not look", "are not"],
  ["does not have the same", "has different"], ["does not share the same", "has different"], ["does not share", "has different"], ["does not match in", "has different"],
  ["do not have the same", "have different"], ["do not share the same", "have different"], ["do not share", "have different"], ["do not match in", "have different"],
  ["appears to be", "is"], ["seems to be", "is"], ["looks to be", "is"], ["looks like", "is"], ["appear to be", "are"], ["seem to be", "are"], ["look like", "are"],
  ["appears", "is"], ["seems", "is"], ["looks", "is"], ["appear", "are"], ["seem", "are"], ["look", "are"],
  ["sits", "is"], ["lies", "is"], ["stands", "is"], ["rests", "is"], ["sit", "are"], ["lie", "are"], ["stand", "are"], ["was", "is"], ["were", "are"],
  ["located", ""], ["positioned", ""], ["situated", ""], ["placed", ""], ["made of", ""], ["made from", ""], ["composed of", ""], ["colored", ""], ["coloured", ""],
  ["shaped like", ""], ["shaped as", ""], ["at all", ""], ["in the image", ""],
  ["it would seem that", ""], ["it would appear that", ""], ["would seem to be", "is"], ["would seem", ""], ["would appear", ""], ["i would say that", ""], ["i would say", ""], ["i'd say", ""],
  ["if i am reading the scene right", ""], ["if i am reading the scene correctly", ""], ["if i am reading it right", ""], ["if i am not mistaken", ""], ["if i understand correctly", ""],
  ["turns out to be", "is"], ["turn out to be", "are"], ["is identified as", "is"], ["are identified as", "are"], ["is described as", "is"], ["is recognized as", "is"],
  ["is classified as", "is"], ["is labeled as", "is"], ["is labelled as", "is"], ["can be found", "is"], ["can be seen", "is"], ["is seen", "is"], ["is visible", "is"],
  ["are equal in", "have the same"], ["is equal in", "has the same"], ["has a different", "has different"], ["have the different", "have different"],
  ["object that is a", ""], ["object that is an", ""], ["object which is a", ""], ["object that is", ""], ["thing that is a", ""], ["thing that is", ""], ["one that is a", ""],
  ["objects that are", ""], ["things that are", ""],
  // same / different
  ["share the same", "have the same"], ["shares the same", "has the same"], ["share a common", "have the same"], ["share a", "have the same"], ["shares a", "has the same"], ["share", "have the same"], ["shares", "has the same"],
  ["have matching", "have the same"], ["has matching", "has the same"], ["match in", "have the same"], ["matches in", "has the same"], ["have identical", "have the same"], ["are identical in", "have the same"],
  ["are the same", "have the same"], ["is the same", "has the same"], ["are of the same", "have the same"], ["is of the same", "has the same"], ["are both the same", "have the same"],
  ["differ in terms of", "have different"], ["differ in their", "have different"], ["differ in", "have different"], ["differs in", "has different"], ["vary in", "have different"],
  ["are different in terms of", "have different"], ["are different in", "have different"], ["are of different", "have different"], ["are different", "have different"],
  ["is different in", "has different"], ["is of a different", "has different"], ["is a different", "has different"], ["is different", "has different"],
  ["have differing", "have different"], ["have distinct", "have different"], ["are not the same", "have different"], ["is not the same", "has different"], ["have a different", "have different"],
  // relations
  ["on the left side of", "left of"], ["to the left side of", "left of"], ["on the right side of", "right of"], ["to the right side of", "right of"],
  ["left side of", "left of"], ["right side of", "right of"], ["in back of", "behind"], ["at the back of", "behind"], ["behind of", "behind"], ["in the front of", "in front of"],
  ["farther back than", "behind"], ["further back than", "behind"], ["farther away than", "behind"], ["further away than", "behind"], ["farther from the camera than", "behind"],
  ["further from the camera than", "behind"], ["farther from the viewer than", "behind"], ["further from the viewer than", "behind"],
  ["closer to the camera than", "in front of"], ["nearer to the camera than", "in front of"], ["closer to the viewer than", "in front of"], ["nearer to the viewer than", "in front of"],
  ["further left than", "left of"], ["farther left than", "left of"], ["more to the left than", "left of"], ["further right than", "right of"], ["farther right than", "right of"], ["more to the right than", "right of"],
  // counts
  ["a total of", ""], ["the total number of", "the number of"], ["the total count of", "the number of"], ["the count of", "the number of"], ["a single", "1"], ["exactly", ""], ["precisely", ""], ["only", "only"],
];

const CONTRACTIONS = new Map<string, string[]>(
  Object.entries({
    "there's": "there is", "it's": "it is", "that's": "that is", "doesn't": "does not", "don't": "do not", "didn't": "does not", "wasn't": "is not",
    "weren't": "are not", cannot: "can not", "can't": "can not", "i'm": "i am", "we're": "we are", "let's": "let us", "isn't": "is not", "aren't": "are not",
    "there're": "there are", "they're": "they are", "won't": "will not", "i've": "i have", "we've": "we have",
  }).map(([k, v]) => [k, v.split(" ")]),
);

/** Words dropped wherever they stand (adverbs and particles that change no claim). */
const DROPPED = new Set(["clearly", "definitely", "indeed", "also", "actually", "certainly", "obviously", "probably", "likely", "evidently", "apparently", "visibly", "really",
  "both", "too", "just", "still", "again", "currently", "here", "overall", "altogether", "-", "–", "—", "•", "well", "okay", "ok", "alright", "hmm", "first", "firstly",
  "second", "secondly", "third", "thirdly", "next", "then", "now", "moreover", "furthermore", "additionally", "finally", "lastly", "however", "notably", "specifically",
  "namely", "similarly", "likewise", "in", "think>", "/think", "think"]);
// "in" is dropped only by the rules below (see rewrite), never blindly: it is listed for the lead filler check
DROPPED.delete("in");

const REWRITES = new Map<string, Array<[string[], string[]]>>();
for (const [pattern, replacement] of REWRITE_LIST) {
  const words = pattern.split(" ");
  const list = REWRITES.get(words[0]) ?? [];
  list.push([words, replacement ? replacement.split(" ") : []]);
  REWRITES.set(words[0], list);
}
for (const list of REWRITES.values()) list.sort((a, b) => b[0].length - a[0].length);

/** Strips markdown and quotes a word may still carry ("**step", "1:**", "'red'"). */
function cleanWord(word: string): string {
  let a = 0;
  let b = word.length;
  while (a < b && "*_`'\"-#~".includes(word[a]) && !(word[a] === "#" && a + 1 < b && word.charCodeAt(a + 1) >= 48 && word.charCodeAt(a + 1) <= 57)) a++;
  while (b > a && "*_`'\"~".includes(word[b - 1]) && !(b - a > 2 && word.endsWith("'s"))) b--;
  return a === 0 && b === word.length ? word : word.slice(a, b);
}

/** The sentence's tokens rewritten into the grammar's words (see REWRITE_LIST); `it`/`its` become the object named last. */
function rewrite(words: readonly string[], refs: readonly number[], from: number, to: number, lastRef: number): { words: string[]; refs: number[] } {
  // contractions first ("doesn't look" → "does not look"), so the phrase rules see whole words
  const src: string[] = [];
  const srcRefs: number[] = [];
  for (let k = from; k < to; k++) {
    const word = refs[k] >= 0 ? words[k] : cleanWord(words[k]);
    const expanded = refs[k] >= 0 ? undefined : CONTRACTIONS.get(word);
    if (expanded) {
      for (const part of expanded) {
        src.push(part);
        srcRefs.push(-1);
      }
    } else if (word !== "") {
      src.push(word);
      srcRefs.push(refs[k]);
    }
  }
  words = src;
  refs = srcRefs;
  from = 0;
  to = src.length;
  const out: string[] = [];
  const outRefs: number[] = [];
  let last = lastRef;
  let k = from;
  while (k < to) {
    if (refs[k] >= 0) {
      // "the object obj_3", "object #3": the noun is an apposition of the reference
      if (out.length && (out[out.length - 1] === "object" || out[out.length - 1] === "obj")) {
        out.pop();
        outRefs.pop();
        if (out.length && out[out.length - 1] === "the") {
          out.pop();
          outRefs.pop();
        }
      }
      out.push(words[k]);
      outRefs.push(refs[k]);
      last = refs[k];
      k++;
      continue;
    }
    const word = cleanWord(words[k]);
    if (word === "") {
      k++;
      continue;
    }
    const rules = REWRITES.get(word);
    let matched = false;
    if (rules) {
      for (const [pattern, replacement] of rules) {
        let ok = k + pattern.length <= to;
        for (let m = 1; ok && m < pattern.length; m++) if (refs[k + m] >= 0 || cleanWord(words[k + m]) !== pattern[m]) ok = false;
        if (!ok) continue;
        for (const r of replacement) {
          out.push(r);
          outRefs.push(-1);
        }
        k += pattern.length;
        matched = true;
        break;
      }
    }
    if (matched) continue;
    k++;
    if (DROPPED.has(word)) continue;
    if ((word === "it" || word === "its") && last >= 0) {
      out.push(word === "its" ? "'s-ref" : "ref");
      outRefs.push(last);
      continue;
    }
    out.push(word);
    outRefs.push(-1);
  }
  return { words: out, refs: outRefs };
}

interface FlexibleResult extends ClauseResult {
  /** A conclusion was announced but not read: why. */
  unread: string | null;
  /** The conclusion was announced ("so", "the answer is"), not taken from a claim. */
  announced: boolean;
}

const MARKER_AFTER = new Set(["gives", "leaves", "makes", "means", "yields"]);

/** Where the sentence announces its conclusion: [marker start, first word after the marker], or null. */
function findMarker(w: readonly string[]): [number, number] | null {
  for (let k = 0; k < w.length; k++) {
    const word = w[k];
    const lead = k === 0 || w[k - 1] === "," || w[k - 1] === "and" || w[k - 1] === ":";
    if (word === "therefore" || word === "thus" || word === "hence" || word === "consequently" || word === "ergo") return [k, k + 1];
    if (word === "so" && lead && w[k + 1] !== "far" && w[k + 1] !== "that") return [k, k + 1];
    if (word === "answer" || word === "conclusion" || word === "result" || word === "verdict") {
      let a = k;
      while (a > 0 && (w[a - 1] === "the" || w[a - 1] === "final" || w[a - 1] === "my" || w[a - 1] === "our" || w[a - 1] === "correct")) a--;
      if (word !== "answer" && a === k && w[k + 1] !== ":" && w[k + 1] !== "=" && w[k + 1] !== "is") continue;
      return [a, k + 1];
    }
    if (word === "in" && w[k + 1] === "total" && lead) return [k, k + 2];
    if (word === "in" && w[k + 1] === "conclusion") return [k, k + 2];
    if (word === "total" && (w[k + 1] === ":" || w[k + 1] === "=" || w[k + 1] === "is")) return [k, k + 1];
    if ((word === "that" || word === "this" || word === "which" || word === "it") && MARKER_AFTER.has(w[k + 1])) return [k, k + 2];
    if ((word === "giving" || word === "leaving" || word === "meaning" || word === "yielding") && k > 0) return [k, k + 1];
    if (word === "\\boxed" || word === "boxed") return [k, k + 1];
    // "Yes, there is a red cube." · "No, obj_3 is not red."
    if (k === 0 && (YES.has(word) || NO.has(word)) && w[1] === ",") return [0, 0];
  }
  return null;
}

function readFlexible(words: readonly string[], refs: readonly number[], from: number, to: number, text: string, lastRef: number): FlexibleResult {
  const { words: w, refs: r } = rewrite(words, refs, from, to, lastRef);
  const claims: Claim[] = [];
  const sets: number[][] = [];
  const marker = findMarker(w);
  const claimEnd = marker ? marker[0] : w.length;
  readPieces(w, r, 0, claimEnd, text, claims, sets);
  let conclusion: string | null = null;
  let unread: string | null = null;
  if (marker) {
    const before = claims.length;
    readPieces(w, r, marker[1], w.length, text, claims, sets);
    const read = readConclusion(w, r, marker[1], w.length);
    conclusion = read.value;
    if (conclusion === null) {
      // "that gives 1 sphere left of …": the count it states is the conclusion
      const counted = claims.slice(before).find((c) => c.kind === "count");
      if (counted && counted.kind === "count") conclusion = String(counted.n);
      else unread = read.reason;
    }
    if (read.ids) sets.push(read.ids);
  } else {
    for (const claim of claims) {
      if (claim.kind === "count") conclusion = String(claim.n);
      else if (claim.kind === "attribute") conclusion = claim.value;
      else if (claim.kind === "enumeration") conclusion = claim.ids.map((id) => `obj_${id}`).join(", ");
    }
  }
  return { claims, sets, conclusion, unread, announced: marker !== null };
}

/** Clause boundaries inside a sentence the reader could not read whole. */
const BOUNDARY = new Set([",", ";", "but", "while", "whereas", "because", "since", "although", "though", "and", "which", "where", "so"]);
const VERBS = new Set(["is", "are", "has", "have"]);

function readPieces(w: string[], r: number[], from: number, to: number, text: string, claims: Claim[], sets: number[][]): void {
  if (from >= to) return;
  const whole = readClause(w, r, from, to, text, null);
  if (whole) {
    for (const claim of whole.claims) claims.push(claim);
    for (const set of whole.sets) sets.push(set);
    return;
  }
  let subject: number[] | null = null;
  let topic = -1;
  let start = from;
  for (let k = from; k <= to; k++) {
    if (k < to && !BOUNDARY.has(w[k])) continue;
    // "obj_1 and obj_2 are …": an "and" inside a list of objects is no boundary
    if (k < to && w[k] === "and" && r[k - 1] >= 0 && r[k + 1] >= 0 && !hasVerb(w, start, k)) continue;
    if (k > start) {
      // "For obj_3, the color is blue": a clause naming only its topic, then "the ATTR is …" about it
      if (k - start === 2 && TOPIC.has(w[start]) && r[start + 1] >= 0) topic = r[start + 1];
      else if (topic >= 0 && w[start] === "the" && ATTRIBUTE_NAMES.has(w[start + 1]) && w[start + 2] !== "of") {
        w[start] = "'s-ref";
        r[start] = topic;
      }
      const piece = readClause(w, r, start, k, text, subject);
      if (piece) {
        for (const claim of piece.claims) claims.push(claim);
        for (const set of piece.sets) sets.push(set);
        if (piece.subject) subject = piece.subject;
      } else if (r[start] >= 0) {
        // "obj_3, which is red, …": a clause that is only its subject hands it on
        const c = new Cursor(w, r, start, k);
        const ids = parseList(c);
        subject = ids && c.atEnd() ? ids : null;
      }
    }
    start = k + 1;
  }
}

const TOPIC = new Set(["for", "regarding", "about", "considering", "checking", "examining", "inspecting", "concerning"]);

function hasVerb(w: readonly string[], from: number, to: number): boolean {
  for (let k = from; k < to; k++) if (VERBS.has(w[k])) return true;
  return false;
}

interface PieceResult {
  claims: Claim[];
  sets: number[][];
  /** The clause's subject list (a later clause that starts with its verb shares it: "obj_3 is red and is behind obj_1"). */
  subject: number[] | null;
}

/** Words with no content that may lead a clause ("first", "and", "also", "step 2:", "i count"). */
const LEAD = new Set(["and", "but", "so", "then", "also", "first", "next", "now", "finally", "yes", "no", "ok", "okay", "well", ":", ",", "-", "(", ")", "=", "in", "addition"]);
/** Words that, before a count, make it something other than a statement ("I need to find 2 cubes", "I don't see 3"). */
const NOT_A_STATEMENT = new Set(["not", "no", "never", "to", "let", "us", "need", "needs", "want", "should", "must", "will", "shall", "try", "find?", "how", "what", "which", "whether", "any", "than", "of", "is", "are", "ref", "'s-ref"]);
const TRAILING = new Set(["in", "total", "all", "altogether", "overall", "here", "visible", "present", "remaining", "left", "there", "in_total", "too", "each", "together", "combined"]);

function readClause(w: string[], r: number[], from: number, to: number, text: string, subject: number[] | null): PieceResult | null {
  // lead fillers: "first,", "step 2:", "and"
  let i = from;
  for (;;) {
    if (i < to && LEAD.has(w[i]) && !(w[i] === "no" && i + 1 < to && w[i + 1] !== ",")) i++;
    else if (i < to && w[i] === "step" && i + 1 < to && isNumeral(w[i + 1])) i += 2;
    else break;
  }
  // "1)" / "2." list numbers
  if (i + 1 < to && isNumeral(w[i]) && (w[i + 1] === ")" || w[i + 1] === ".")) i += 2;
  // "I am fairly confident that …", "we can now say that …": a lead-in without content ending in "that"
  for (let t = i + 1; t < Math.min(to, i + 8); t++) {
    if (w[t] !== "that") continue;
    if (!hasContent(w, r, i, t) && !w.slice(i, t).some((x) => x === "not" || x === "no" || x === "never") && (w[i] === "i" || w[i] === "we" || w[i] === "it" || w[i] === "one")) i = t + 1;
    break;
  }
  // "Observation 2:" / "Reasoning:" — a label without content before a colon
  const colon = w.indexOf(":", i);
  if (colon > i && colon < to && !hasContent(w, r, i, colon)) i = colon + 1;
  // trailing fillers ("in total", "in the scene", ")")
  let end = to;
  while (end > i && (TRAILING.has(w[end - 1]) || w[end - 1] === ")" && !w.slice(i, end - 1).includes("(")) && !(w[end - 1] === "left" && end - 1 > i && w[end - 2] !== "ref" && VALUE_WORDS.has(w[end - 2]) === false && !NOUNS.has(w[end - 2]))) end--;
  while (end > i && (w[end - 1] === "total" || w[end - 1] === "all") && w[end - 2] === "in") end -= 2;
  if (i >= end) return null;
  // a clause that starts with its verb shares the previous clause's subject
  if (subject && VERBS.has(w[i])) {
    const words = [...subject.flatMap((_, n) => (n === 0 ? ["ref"] : ["and", "ref"])), ...w.slice(i, end)];
    const refs = [...subject.flatMap((id, n) => (n === 0 ? [id] : [-1, id])), ...r.slice(i, end)];
    return readClause(words, refs, 0, words.length, text, null);
  }
  const tokens: Tokens = { words: w, refs: r };
  const strict = parseClause(tokens, i, end, text);
  if (strict.claims.length) return { claims: strict.claims, sets: strict.sets, subject: strict.sets[0] ?? null };
  return readCount(w, r, i, end, text) ?? readSubject(w, r, i, end, text);
}

function hasContent(w: readonly string[], r: readonly number[], from: number, to: number): boolean {
  for (let k = from; k < to; k++) if (r[k] >= 0 || VALUE_WORDS.has(w[k]) || isCountWord(w[k]) || (NOUNS.get(w[k]) ?? null) !== null) return true;
  return false;
}

const isCountWord = (word: string) => NUMBER_WORDS.has(word) || (word.length > 0 && isNumeral(word));

function readCount(w: string[], r: number[], i: number, end: number, text: string): PieceResult | null {
  const c = new Cursor(w, r, i, end);
  // the number of DESC is N  ·  the number of DESC: N
  if (c.accept("the", "number", "of") || c.accept("number", "of")) {
    const desc = parseDesc(c);
    if (!desc || !(c.accept("is") || c.accept("are") || c.accept(":") || c.accept("=") || c.accept("equals"))) return null;
    c.accept("only");
    const n = c.accept("no") ? 0 : c.number();
    return n !== null && c.atEnd() ? count(n, desc, null, text) : null;
  }
  // count: N · the count is N (the last count call's result)
  if ((c.accept("count") || c.accept("the", "count")) && (c.accept(":") || c.accept("=") || c.accept("is"))) {
    const n = c.number();
    return n !== null && c.atEnd() ? { claims: [{ kind: "count", n, desc: null, ids: null, text }], sets: [], subject: null } : null;
  }
  c.i = i;
  // none of the DESC are PREDICATE
  if (c.accept("none", "of")) {
    c.accept("the");
    const subject = parseDesc(c);
    if (!subject || !(c.accept("is") || c.accept("are"))) return null;
    const predicate = readAttrsList(c, null, true);
    const desc = subject && predicate ? mergeDescs(subject, predicate) : null;
    return desc && c.atEnd() ? count(0, desc, null, text) : null;
  }
  // DESC: N  ·  DESC count: N
  if (r[i] < 0 && !isCountWord(w[i])) {
    const save = c.i;
    const desc = parseDesc(c);
    if (desc && hasNoun(w, save, c.i)) {
      c.accept("count");
      if (c.accept(":") || c.accept("=")) {
        const n = c.number();
        if (n !== null && c.atEnd()) return count(n, desc, null, text);
        if (n === null) {
          // "Red cubes: obj_1, obj_3": an enumeration
          const ids = parseList(c);
          if (ids && c.atEnd()) return { claims: [{ kind: "enumeration", ids, desc, text }], sets: [ids], subject: null };
        }
        return null;
      }
    }
    c.i = save;
  }
  // [lead-in without content] [there is/are] [only] N DESC [: LIST]
  let k = i;
  let negated = false;
  while (k < end && k - i < 5 && !isCountWord(w[k]) && w[k] !== "no" && w[k] !== "any" && w[k] !== "zero") {
    const word = w[k];
    if (r[k] >= 0 || VALUE_WORDS.has(word) || (NOUNS.get(word) ?? null) !== null || ATTRIBUTE_NAMES.has(word) || word === "(" || word === ":") return null;
    if (word === "not" || word === "never") negated = true;
    else if (NOT_A_STATEMENT.has(word) && !(word === "is" || word === "are") ) return null;
    else if ((word === "is" || word === "are") && w[k - 1] !== "there") return null;
    k++;
  }
  if (k >= end) return null;
  c.i = k;
  let n: number | null;
  if (c.accept("no")) {
    if (negated) return null;
    n = 0;
  } else if (c.accept("any")) {
    if (!negated) return null;
    n = 0;
  } else {
    if (negated) return null;
    c.accept("only");
    n = c.number();
  }
  if (n === null) return null;
  const at = c.i;
  const desc = parseDesc(c);
  if (!desc || !hasNoun(w, at, c.i)) return null;
  let ids: number[] | null = null;
  if (c.accept(":") || c.accept("(") || c.accept(",")) {
    ids = parseList(c);
    c.accept(")");
    if (!ids) return null;
  }
  // "two cubes are red", "only one sphere is behind obj_1": the count of what fits both
  if (!ids && (c.accept("is") || c.accept("are"))) {
    if (c.peek() === "not") return null;
    const predicate = readAttrsList(c, null, true);
    const merged = predicate ? mergeDescs(desc, predicate) : null;
    return merged && c.atEnd() ? count(n, merged, null, text) : null;
  }
  if (!c.atEnd()) return null;
  return count(n, desc, ids, text);
}

function count(n: number, desc: Desc, ids: number[] | null, text: string): PieceResult {
  return { claims: [{ kind: "count", n, desc, ids, text }], sets: ids ? [ids] : n === 0 ? [[]] : [], subject: null };
}

/** The description [from, to) names a kind of thing (a noun, or a relation) — "2 red" is no count. */
function hasNoun(w: readonly string[], from: number, to: number): boolean {
  for (let k = from; k < to; k++) if (NOUNS.has(w[k]) || VALUE_WORDS.get(w[k])?.attribute === "shape") return true;
  return false;
}

/** Clauses about listed objects: "obj_3 (a large cube)", "obj_3: red, metal", "obj_3 is red in color", "obj_3 has a size of large", "obj_1 and obj_2 have the same color". */
function readSubject(w: string[], r: number[], i: number, end: number, text: string): PieceResult | null {
  const c = new Cursor(w, r, i, end);
  // the ATTRs of obj_1 and obj_2 are the same / differ / match
  if (c.peek() === "the" && ATTRIBUTE_NAMES.has(c.peek(1)) && c.peek(2) === "of" && c.peek(3) === "ref") {
    const attribute = ATTRIBUTE_NAMES.get(c.peek(1))!;
    c.i += 3;
    const ids = parseList(c);
    if (ids && ids.length >= 2) {
      const same = c.accept("have", "the", "same") || c.accept("match") || c.accept("are", "equal") || c.accept("is", "equal") ? true : c.accept("have", "different") || c.accept("differ") ? false : null;
      c.accept("too");
      if (same === null || !c.atEnd()) return null;
      return { claims: [{ kind: "same", ids, attribute, reference: null, same, text }], sets: [ids], subject: null };
    }
    c.i = i;
  }
  // [the] ATTR of obj_3 = VALUE · the ATTR of obj_3 differs from / is the same as / matches (that of) obj_5
  {
    const save = c.i;
    c.accept("the");
    const attribute = ATTRIBUTE_NAMES.get(c.peek());
    if (attribute && c.peek(1) === "of" && c.peek(2) === "ref" && c.peek(3) !== "and" && c.peek(3) !== ",") {
      const id = r[c.i + 2];
      c.i += 3;
      const same = c.accept("differs", "from") || c.accept("has", "different") || c.accept("is", "not", "the") ? false : c.accept("matches") || c.accept("has", "the", "same") || c.accept("equals") ? true : null;
      if (same !== null) {
        c.accept("as");
        c.accept("from");
        c.accept("that", "of");
        const other = c.peek() === "ref" || c.peek() === "'s-ref" ? r[c.i++] : null;
        return other !== null && c.atEnd() ? { claims: [{ kind: "same", ids: [id, other], attribute, reference: null, same, text }], sets: [], subject: null } : null;
      }
      const negated = c.accept("is", "not");
      if (!negated && !(c.accept("is") || c.accept(":") || c.accept("="))) return null;
      return attributeClaim(c, id, attribute, negated, text);
    }
    c.i = save;
  }
  // the cyan cylinder is (not) left of obj_2 · the large sphere is red
  if (c.peek() === "the" && !ATTRIBUTE_NAMES.has(c.peek(1))) {
    const subject = parseAnchor(c);
    if (!subject) return null;
    const verb = acceptVerb(c);
    if (!verb.ok || c.peek() === "only") return null;
    const desc = readAttrsList(c, null, true);
    if (!desc || !c.atEnd() || desc.or) return null;
    return { claims: [{ kind: "definite", subject, desc, negated: verb.negated, text }], sets: [], subject: null };
  }
  // obj_3's ATTR is/: VALUE  ·  obj_3's ATTR is the same as obj_5's
  if (c.peek() === "'s-ref" && ATTRIBUTE_NAMES.has(c.peek(1))) {
    const id = r[i];
    const attribute = ATTRIBUTE_NAMES.get(c.peek(1))!;
    c.i += 2;
    if (c.accept("has", "the", "same") || c.accept("has", "different")) {
      const same = w[c.i - 1] === "same";
      if (!(c.accept("as") || c.accept("from") || c.accept("to") || c.accept("than"))) return null;
      const other = c.peek() === "'s-ref" || c.peek() === "ref" ? r[c.i++] : null;
      if (other === null) return null;
      c.accept("one");
      c.accept(w[c.i] === w[i + 1] ? w[c.i] : "");
      if (!c.atEnd()) return null;
      return { claims: [{ kind: "same", ids: [id, other], attribute, reference: null, same, text }], sets: [], subject: null };
    }
    if (c.accept("matches") || c.accept("equals") || c.accept("is", "equal", "to")) {
      const other = c.peek() === "'s-ref" || c.peek() === "ref" ? r[c.i++] : null;
      if (other === null) return null;
      if (c.peek() === w[i + 1]) c.i++;
      return c.atEnd() ? { claims: [{ kind: "same", ids: [id, other], attribute, reference: null, same: true, text }], sets: [], subject: null } : null;
    }
    const negated = c.accept("is", "not");
    if (!negated && !(c.accept("is") || c.accept(":") || c.accept("="))) return null;
    return attributeClaim(c, id, attribute, negated, text);
  }
  const ids = parseList(c);
  if (!ids) return null;
  const claims: Claim[] = [];
  const result: PieceResult = { claims, sets: [ids], subject: ids };
  // apposition: "obj_3 (a large red cube) is …", "obj_3, a large red cube, is …", "obj_3 — a red cube"
  if (c.accept("(") || (ids.length === 1 && c.peek() === "," && (c.peek(1) === "a" || c.peek(1) === "an") && c.accept(","))) {
    const close = c.words[c.i - 1] === "(" ? ")" : ",";
    const desc = readAttrsList(c, close);
    if (!desc) return null;
    if (!c.accept(close) && !(close === "," && c.atEnd())) return null;
    claims.push({ kind: "members", ids, desc, negated: false, text });
    if (c.atEnd()) return result;
    const rest = readSubject([...w.slice(i, i + listLength(w, i)), ...w.slice(c.i, end)], [...r.slice(i, i + listLength(w, i)), ...r.slice(c.i, end)], 0, listLength(w, i) + end - c.i, text);
    if (rest) for (const claim of rest.claims) claims.push(claim);
    else if (!isFiller(w, c.i, end)) return result;
    return result;
  }
  // list style: "obj_3: large, red, metal cube" · "obj_3 color: red"
  if (ids.length === 1 && ATTRIBUTE_NAMES.has(c.peek()) && (c.peek(1) === ":" || c.peek(1) === "=" || c.peek(1) === "is")) {
    const attribute = ATTRIBUTE_NAMES.get(c.peek())!;
    c.i += 2;
    return attributeClaim(c, ids[0], attribute, false, text);
  }
  if (c.accept(":") || c.accept("=")) {
    const desc = readAttrsList(c, null);
    if (!desc || !c.atEnd()) return null;
    claims.push({ kind: "members", ids, desc, negated: false, text });
    return result;
  }
  if (c.accept("has") || c.accept("have")) {
    // LIST have the same ATTR [as REF] · LIST have different ATTRs [from REF]
    const same = c.accept("the", "same") ? true : c.accept("different") ? false : null;
    if (same !== null) {
      const attribute = ATTRIBUTE_NAMES.get(c.peek());
      if (!attribute) return null;
      c.i++;
      let all = ids;
      if (c.accept("as") || c.accept("from") || c.accept("than") || c.accept("to")) {
        const other = c.peek() === "ref" || c.peek() === "'s-ref" ? r[c.i++] : null;
        if (other === null) return null;
        if (!same && ids.length > 1) return null;
        all = [...ids, other];
      }
      c.accept("each", "other");
      c.accept("as", "each", "other");
      if (all.length < 2 || !c.atEnd()) return null;
      claims.push({ kind: "same", ids: all, attribute, reference: null, same, text });
      return result;
    }
    // obj_3 has a color of red · has color red · has a red color · has the color red
    if (ids.length !== 1) return null;
    if (!c.accept("a") && !c.accept("an")) c.accept("the");
    const attribute = ATTRIBUTE_NAMES.get(c.peek());
    if (attribute) {
      c.i++;
      if (!c.accept("of") && !c.accept(":")) c.accept("=");
      return attributeClaim(c, ids[0], attribute, false, text);
    }
    const value = VALUE_WORDS.get(c.peek());
    if (value && ATTRIBUTE_NAMES.get(c.peek(1)) === value.attribute) {
      c.i += 2;
      if (!c.atEnd()) return null;
      claims.push({ kind: "attribute", id: ids[0], attribute: value.attribute, value: value.value, text });
      return result;
    }
    return null;
  }
  // obj_1 differs from obj_2 in color
  if (ids.length === 1 && (c.accept("differs", "from") || c.accept("differ", "from"))) {
    const other = c.ref();
    if (other === null || !c.accept("in")) return null;
    c.accept("terms", "of");
    c.accept("their");
    const attribute = ATTRIBUTE_NAMES.get(c.peek());
    if (!attribute) return null;
    c.i++;
    if (!c.atEnd()) return null;
    claims.push({ kind: "same", ids: [ids[0], other], attribute, reference: null, same: false, text });
    return result;
  }
  const verb = acceptVerb(c);
  if (!verb.ok) return null;
  // "is not only red but also …" states no negation
  if (c.peek() === "only" || c.peek(1) === "only") return null;
  // obj_3 is the only DESC → an enumeration
  if (!verb.negated && ids.length === 1 && c.accept("the", "only")) {
    const desc = parseDesc(c);
    if (!desc || !c.atEnd()) return null;
    claims.push({ kind: "enumeration", ids, desc, text });
    return result;
  }
  // obj_3 is of large size
  if (c.peek() === "of" && VALUE_WORDS.has(c.peek(1)) && ATTRIBUTE_NAMES.get(c.peek(2)) === VALUE_WORDS.get(c.peek(1))!.attribute && c.i + 3 === end) {
    const value = VALUE_WORDS.get(c.peek(1))!;
    for (const id of ids) claims.push(verb.negated ? { kind: "members", ids: [id], desc: attrDesc(value.attribute, value.value), negated: true, text } : { kind: "attribute", id, attribute: value.attribute, value: value.value, text });
    return result;
  }
  // obj_3 is red in color · is large in size · is rubber in terms of material
  const value = VALUE_WORDS.get(c.peek());
  if (value && (c.peek(1) === "in" || c.peek(1) === "by")) {
    const save = c.i;
    c.i++;
    if (!c.accept("in", "terms", "of") && !c.accept("in")) c.accept("by");
    const attribute = ATTRIBUTE_NAMES.get(c.peek());
    if (attribute) {
      c.i++;
      if (!c.atEnd()) return null;
      for (const id of ids) {
        if (verb.negated || attribute !== value.attribute) claims.push({ kind: "members", ids: [id], desc: attrDesc(value.attribute, value.value), negated: verb.negated, text });
        else claims.push({ kind: "attribute", id, attribute, value: value.value, text });
      }
      return attribute === value.attribute ? result : null;
    }
    c.i = save;
  }
  const desc = readAttrsList(c, null, true);
  if (!desc || !c.atEnd()) return null;
  claims.push({ kind: "members", ids, desc, negated: verb.negated, text });
  return result;
}

function listLength(w: readonly string[], i: number): number {
  let k = i;
  while (k < w.length && (w[k] === "ref" || ((w[k] === "and" || w[k] === ",") && w[k + 1] === "ref"))) k++;
  return k - i;
}

function isFiller(w: readonly string[], from: number, to: number): boolean {
  for (let k = from; k < to; k++) if (!TRAILING.has(w[k])) return false;
  return true;
}

function attrDesc(attribute: Attribute, value: string): Desc {
  const desc = newDesc();
  desc.attrs[attribute] = value;
  return desc;
}

/** After "ATTR is": VALUE (a word of another attribute is kept as stated: a false claim), or "not VALUE". */
function attributeClaim(c: Cursor, id: number, attribute: Attribute, negated: boolean, text: string): PieceResult | null {
  if (c.accept("not")) negated = !negated;
  if (!c.accept("a")) c.accept("an");
  const word = c.peek();
  const value = VALUE_WORDS.get(word) ?? (NOUNS.get(word) ? { attribute: "shape" as Attribute, value: NOUNS.get(word)! } : undefined);
  if (!value) return null;
  c.i++;
  if (!c.atEnd()) return null;
  if (negated) return value.attribute === attribute ? { claims: [{ kind: "members", ids: [id], desc: attrDesc(attribute, value.value), negated: true, text }], sets: [], subject: null } : null;
  const stated = value.attribute === attribute ? value.value : word;
  return { claims: [{ kind: "attribute", id, attribute, value: stated, text }], sets: [], subject: null };
}

/**
 * A description whose adjectives may be separated by commas and "and" ("large, red and metal",
 * "a large red metal cube"), or a predicate the strict grammar reads (relations, either/or).
 */
function readAttrsList(c: Cursor, close: string | null, predicate = false): Desc | null {
  const save = c.i;
  const strict = predicate ? parsePredicate(c) : parseDesc(c);
  if (strict && (c.atEnd() || (close !== null && c.peek() === close))) return strict;
  c.i = save;
  const desc = newDesc();
  let any = false;
  for (;;) {
    if (close !== null && c.peek() === close) break;
    if (c.atEnd()) break;
    if (c.accept(",") || c.accept("and") || c.accept("a") || c.accept("an")) continue;
    const attribute = ATTRIBUTE_NAMES.get(c.peek());
    if (attribute && (c.peek(1) === ":" || c.peek(1) === "=")) c.i += 2;
    const word = c.peek();
    const value = VALUE_WORDS.get(word);
    const noun = NOUNS.get(word);
    if (value) {
      if (desc.attrs[value.attribute] !== undefined && desc.attrs[value.attribute] !== value.value) return null;
      desc.attrs[value.attribute] = value.value;
    } else if (noun !== undefined) {
      if (noun) desc.attrs.shape = noun;
    } else {
      c.i = save;
      return null;
    }
    c.i++;
    any = true;
  }
  if (!any) {
    c.i = save;
    return null;
  }
  return desc;
}

/** Function words: never a conclusion. */
const FUNCTION_WORDS = new Set(["the", "a", "an", "is", "are", "was", "were", "be", "that", "this", "these", "those", "there", "it", "its", "of", "to", "and", "or", "so", "in", "on", "at", "as", "by", "for", "with", "we", "i", "you", "they", "he", "she", "which", "what", "who", "how", "not", "also", "then", "thus", "therefore", "hence", ",", ":", "=", "(", ")", "ref", "'s-ref", "am", "do", "does", "have", "has", "should", "would", "will", "can", "must", "final", "answer", "result", "one", "number", "count", "total", "object", "objects", "thing", "things"]);
const CONCLUSION_LEAD = new Set([",", ":", "=", "is", "the", "final", "answer", "should", "would", "will", "be", "to", "question", "this", "that", "it", "we", "get", "have", "so", "then", "therefore", "thus", "hence", "my", "our", "correct", "result", "conclusion", "in", "total", "here", "simply", "clearly", "definitely", "indeed", "must", "\\boxed", "boxed"]);
const YES = new Set(["yes", "true", "correct", "yeah", "yep"]);
const NO = new Set(["no", "false", "incorrect", "nope"]);

/** What a conclusion [from, to) says: yes/no, a number, an attribute value, objects, or one content word; else null with the reason. */
function readConclusion(w: readonly string[], r: readonly number[], from: number, to: number): { value: string | null; ids: number[] | null; reason: string } {
  let k = from;
  while (k < to && CONCLUSION_LEAD.has(w[k]) && r[k] < 0) k++;
  const rest = w.slice(k, to).join(" ");
  const unread = { value: null, ids: null, reason: `could not read a conclusion from "${rest || w.slice(from, to).join(" ")}"` };
  if (k >= to) return unread;
  const word = w[k];
  const only = (m: number) => isFiller(w, m, to) || w[m] === "," || w[m] === "(" || w[m] === "because" || w[m] === "since" || w[m] === "as";
  if (YES.has(word) && only(k + 1)) return { value: "yes", ids: null, reason: "" };
  if (NO.has(word) && only(k + 1)) return { value: "no", ids: null, reason: "" };
  if (word === "there" && (w[k + 1] === "is" || w[k + 1] === "are")) {
    k += 2;
    if (w[k] === "no") return { value: "0", ids: null, reason: "" };
    while (w[k] === "only") k++;
  }
  const c = new Cursor(w as string[], r as number[], k, to);
  c.accept("only");
  const n = c.number();
  if (n !== null) {
    // "2", "2 cubes", "2 in total"; not "2 is greater than 1"
    const rest2 = c.i;
    const desc = parseDesc(c);
    if ((desc || c.i === rest2) && (c.atEnd() || isFiller(w, c.i, to) || w[c.i] === "," || w[c.i] === "(")) return { value: String(n), ids: null, reason: "" };
    return unread;
  }
  if (r[k] >= 0 && w[k] === "ref") {
    const ids = parseList(c);
    if (ids && (c.atEnd() || isFiller(w, c.i, to) || w[c.i] === "(")) return { value: ids.map((id) => `obj_${id}`).join(", "), ids, reason: "" };
    return unread;
  }
  const value = VALUE_WORDS.get(word);
  if (value) {
    // "red", "red in color", "a large red cube"? — one value, the rest nouns or fillers
    let m = k + 1;
    while (m < to && (NOUNS.has(w[m]) || ATTRIBUTE_NAMES.has(w[m]) || w[m] === "in" || TRAILING.has(w[m]))) m++;
    if (m >= to || w[m] === "," || w[m] === "(") return { value: value.value, ids: null, reason: "" };
    return unread;
  }
  const noun = NOUNS.get(word);
  if (noun && only(k + 1)) return { value: noun, ids: null, reason: "" };
  // one content word that ends the conclusion ("the answer is giraffe")
  if (!FUNCTION_WORDS.has(word) && /^[a-z][a-z'-]*$/.test(word) && only(k + 1)) return { value: word, ids: null, reason: "" };
  return unread;
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
