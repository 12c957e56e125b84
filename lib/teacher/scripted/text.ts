import { objectId, type Attribute, type Relation } from "@/lib/tools/scene";

// What the scripted teacher says, as structures first and text second. The teacher decides what
// to claim on these structures (and the fault injector edits them); `renderSentence` writes them
// in the claims grammar (docs/claims-grammar.md). The verifier only ever sees the text.

export interface TDesc {
  attrs: Partial<Record<Attribute, string>>;
  rel?: { relation: Relation; object: number };
  same?: { attribute: Attribute; object: number };
  except?: number[];
  or?: [TDesc, TDesc];
}

export type TClaim =
  | { kind: "members"; ids: number[]; desc: TDesc; negated?: boolean }
  | { kind: "enumeration"; ids: number[]; desc: TDesc }
  | { kind: "count"; n: number; desc: TDesc; list?: number[] }
  | { kind: "attribute"; id: number; attribute: Attribute; value: string }
  | { kind: "same"; ids: number[]; attribute: Attribute; reference?: number; same: boolean }
  | { kind: "compare"; a: number; b: number; op: "gt" | "lt" | "eq"; negated: boolean };

/** A sentence: a checked claim, an unchecked statement (set algebra), or a hypothetical. */
export interface TSentence {
  claim?: TClaim;
  /** Free text used when there is no claim (statements, hypotheticals). */
  text?: string;
  /** Object list the statement produces (its trailing list). */
  list?: number[];
  /** Every object the free text names. */
  mentions?: number[];
  hypothetical?: boolean;
  /** ", so yes" */
  so?: string;
  /** What a hypothetical sentence concludes ("There would be 4 ..."). */
  concludes?: string;
}

const REL_WORDS: Record<Relation, string> = { left: "left of", right: "right of", front: "in front of", behind: "behind" };

/**
 * How a sentence spells things: the grammar accepts several forms (obj_3 / object 3 / #3, ball,
 * shiny, "to the left of" …), and the teacher varies them so the oracle exercises the parser.
 */
export interface Phrasing {
  ref: (id: number) => string;
  word: (value: string) => string;
  rel: (relation: Relation) => string;
}

export const CANONICAL: Phrasing = { ref: (id) => `obj_${id}`, word: (value) => value, rel: (relation) => REL_WORDS[relation] };

const SYNONYMS: Record<string, string[]> = {
  sphere: ["ball"], cube: ["block"], metal: ["shiny", "metallic"], rubber: ["matte"], gray: ["grey"], large: ["big"], small: ["tiny"],
};
const LONG_RELATIONS: Partial<Record<Relation, string>> = { left: "to the left of", right: "to the right of" };

/** A random phrasing (rng in [0, 1)); about one word in four is a variant. */
export function randomPhrasing(rng: () => number): Phrasing {
  const refStyle = rng();
  return {
    ref: (id) => (refStyle < 0.8 ? `obj_${id}` : refStyle < 0.9 ? `object ${id}` : `#${id}`),
    word: (value) => (SYNONYMS[value] && rng() < 0.25 ? SYNONYMS[value][Math.floor(rng() * SYNONYMS[value].length)] : value),
    rel: (relation) => (LONG_RELATIONS[relation] && rng() < 0.3 ? LONG_RELATIONS[relation]! : REL_WORDS[relation]),
  };
}

let phrasing: Phrasing = CANONICAL;

export function listIds(ids: readonly number[]): string {
  const names = ids.map((id) => phrasing.ref(id));
  if (names.length <= 1) return names.join("");
  return `${names.slice(0, -1).join(", ")} and ${names.at(-1)}`;
}

function nounOf(desc: TDesc, plural: boolean): string {
  const shape = desc.attrs.shape ? phrasing.word(desc.attrs.shape) : undefined;
  if (shape) return plural ? (shape.endsWith("s") ? shape : `${shape}s`) : shape;
  return plural ? "things" : "thing";
}

function adjectives(desc: TDesc): string[] {
  return (["size", "color", "material"] as Attribute[]).map((a) => desc.attrs[a]).filter((w): w is string => Boolean(w)).map((w) => phrasing.word(w));
}

function postmodifiers(desc: TDesc, plural: boolean): string[] {
  const parts: string[] = [];
  if (desc.rel) parts.push(`${phrasing.rel(desc.rel.relation)} ${phrasing.ref(desc.rel.object)}`);
  if (desc.same) parts.push(`with the same ${desc.same.attribute} as ${phrasing.ref(desc.same.object)}`);
  if (desc.except?.length) parts.push(`other than ${listIds(desc.except)}`);
  if (desc.or) {
    const [a, b] = desc.or;
    parts.push(plural ? `that are either ${renderDesc(a, true)} or ${renderDesc(b, true)}` : `that is either ${article(a)} or ${article(b)}`);
  }
  return parts;
}

/** "large red cylinders left of obj_1" */
export function renderDesc(desc: TDesc, plural: boolean): string {
  return [...adjectives(desc), nounOf(desc, plural), ...postmodifiers(desc, plural)].join(" ");
}

function article(desc: TDesc): string {
  const text = renderDesc(desc, false);
  return `${/^[aeiou]/.test(text) ? "an" : "a"} ${text}`;
}

const hasNounContent = (desc: TDesc) => adjectives(desc).length > 0 || Boolean(desc.attrs.shape);

/** After "is"/"are": "a large red cube", "left of obj_1", "either large things or metal things". */
function renderPredicate(desc: TDesc, plural: boolean): string {
  if (!hasNounContent(desc) && desc.or && !desc.rel && !desc.same && !desc.except?.length) {
    const [a, b] = desc.or;
    return plural ? `either ${renderDesc(a, true)} or ${renderDesc(b, true)}` : `either ${article(a)} or ${article(b)}`;
  }
  if (!hasNounContent(desc) && !desc.or && (desc.rel || desc.same)) return postmodifiers(desc, plural).join(" ");
  return plural ? renderDesc(desc, true) : article(desc);
}

// object names keep their spelling: "obj_4 is …", not "Obj_4 is …"
const capitalise = (text: string) => (/^(obj_|#)/.test(text) ? text : text.charAt(0).toUpperCase() + text.slice(1));

const COMPARATOR_WORDS = { gt: "greater than", lt: "less than", eq: "equal to" } as const;

export function renderClaim(claim: TClaim): string {
  switch (claim.kind) {
    case "members": {
      const plural = claim.ids.length > 1;
      return `${listIds(claim.ids)} ${plural ? "are" : "is"}${claim.negated ? " not" : ""} ${renderPredicate(claim.desc, plural)}`;
    }
    case "enumeration": {
      const plural = claim.ids.length > 1;
      return `The ${renderDesc(claim.desc, plural)} ${plural ? "are" : "is"} ${listIds(claim.ids)}`;
    }
    case "count": {
      const list = claim.list?.length ? `: ${listIds(claim.list)}` : "";
      if (claim.n === 0 && !hasNounContent(claim.desc) && claim.desc.rel && !claim.desc.same && !claim.desc.except && !claim.desc.or) {
        return `No object is ${phrasing.rel(claim.desc.rel.relation)} ${phrasing.ref(claim.desc.rel.object)}`;
      }
      if (claim.n === 0) return `There is no ${renderDesc(claim.desc, false)}`;
      if (claim.n === 1) return `There is 1 ${renderDesc(claim.desc, false)}${list}`;
      return `There are ${claim.n} ${renderDesc(claim.desc, true)}${list}`;
    }
    case "attribute":
      return `The ${claim.attribute} of ${phrasing.ref(claim.id)} is ${phrasing.word(claim.value)}`;
    case "same": {
      if (claim.reference !== undefined) {
        return `${listIds(claim.ids)} ${claim.ids.length > 1 ? "have" : "has"} the same ${claim.attribute} as ${phrasing.ref(claim.reference)}`;
      }
      return claim.same ? `${listIds(claim.ids)} have the same ${claim.attribute}` : `${listIds(claim.ids)} have different ${claim.attribute}s`;
    }
    case "compare":
      return `${claim.a} is ${claim.negated ? "not " : ""}${COMPARATOR_WORDS[claim.op]} ${claim.b}`;
  }
}

export function renderSentence(sentence: TSentence): string {
  const body = sentence.claim ? renderClaim(sentence.claim) : (sentence.text ?? "");
  return `${capitalise(body)}${sentence.so ? `, so ${sentence.so}` : ""}.`;
}

/** Text of a reasoning step; `with` varies the spelling (default: canonical). */
export function renderSentences(sentences: TSentence[], withPhrasing: Phrasing = CANONICAL): string {
  const previous = phrasing;
  phrasing = withPhrasing;
  try {
    return sentences.map(renderSentence).join(" ");
  } finally {
    phrasing = previous;
  }
}

function descIds(desc: TDesc | undefined, into: Set<number>): void {
  if (!desc) return;
  if (desc.rel) into.add(desc.rel.object);
  if (desc.same) into.add(desc.same.object);
  for (const id of desc.except ?? []) into.add(id);
  if (desc.or) {
    descIds(desc.or[0], into);
    descIds(desc.or[1], into);
  }
}

/** Every object the sentence mentions (what an id-propagation check may use later). */
export function sentenceIds(sentence: TSentence, into: Set<number>): void {
  for (const id of sentence.list ?? []) into.add(id);
  for (const id of sentence.mentions ?? []) into.add(id);
  const claim = sentence.claim;
  if (!claim) return;
  switch (claim.kind) {
    case "members":
    case "enumeration":
    case "same":
      for (const id of claim.ids) into.add(id);
      if (claim.kind === "same" && claim.reference !== undefined) into.add(claim.reference);
      descIds("desc" in claim ? claim.desc : undefined, into);
      break;
    case "count":
      for (const id of claim.list ?? []) into.add(id);
      descIds(claim.desc, into);
      break;
    case "attribute":
      into.add(claim.id);
      break;
    case "compare":
      break;
  }
}

/** The object lists a sentence states (subjects, enumerations, listed counts, trailing lists). */
export function sentenceSets(sentence: TSentence): number[][] {
  if (sentence.list) return [sentence.list];
  const claim = sentence.claim;
  if (!claim) return [];
  switch (claim.kind) {
    case "members":
    case "enumeration":
    case "same":
      return [claim.ids];
    case "count":
      return claim.list?.length ? [claim.list] : claim.n === 0 ? [[]] : [];
    default:
      return [];
  }
}

/** What the sentence concludes, as the verifier reads it (null: nothing). */
export function sentenceConclusion(sentence: TSentence): string | null {
  // the verifier reads ", so X" first, then "there would be N"
  if (sentence.hypothetical) return sentence.so ?? sentence.concludes ?? null;
  if (sentence.so) return sentence.so;
  const claim = sentence.claim;
  if (!claim) return null;
  switch (claim.kind) {
    case "count":
      return String(claim.n);
    case "attribute":
      return claim.value;
    case "enumeration":
      return claim.ids.map(objectId).join(", ");
    default:
      return null;
  }
}
