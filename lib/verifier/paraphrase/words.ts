import type { Attribute, Relation } from "@/lib/tools/scene";
import { pick, type Rng } from "@/lib/teacher/scripted/rng";
import type { Attrs, Fact, FactKind } from "@/lib/verifier/paraphrase/facts";

// How the paraphrase corpus spells the parts of a sentence. Each family renders a fact with these,
// so synonyms, number words and reference spellings vary inside every family.

export const NUMBER_WORDS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"];
const SYNONYMS: Record<string, string[]> = { sphere: ["ball"], cube: ["block"], metal: ["shiny", "metallic"], rubber: ["matte"], gray: ["grey"], large: ["big"], small: ["tiny"] };

export class Words {
  constructor(
    readonly rng: Rng,
    /** How object references are spelled in this text. */
    readonly refStyle: (id: number) => string,
  ) {}
  ref(id: number): string {
    return this.refStyle(id);
  }
  num(n: number, words = this.rng() < 0.5): string {
    return words && n < NUMBER_WORDS.length ? NUMBER_WORDS[n] : String(n);
  }
  value(v: string): string {
    return SYNONYMS[v] && this.rng() < 0.25 ? pick(this.rng, SYNONYMS[v]) : v;
  }
  /** "large red cubes", "metal things" */
  desc(attrs: Attrs, plural: boolean, noun: "thing" | "object" = "thing"): string {
    const adjectives = (["size", "color", "material"] as Attribute[]).filter((a) => attrs[a]).map((a) => this.value(attrs[a]!));
    const shape = attrs.shape ? this.value(attrs.shape) : noun;
    const head = plural ? (shape.endsWith("s") ? shape : `${shape}s`) : shape;
    return [...adjectives, head].join(" ");
  }
  article(text: string): string {
    return `${/^[aeiou]/.test(text) ? "an" : "a"} ${text}`;
  }
  /** A bare value phrase for a one-attribute description ("red", "a cube", "made of metal"). */
  predicate(attrs: Attrs): string {
    const keys = Object.keys(attrs) as Attribute[];
    if (keys.length === 1 && keys[0] !== "shape") return this.value(attrs[keys[0]]!);
    return this.article(this.desc(attrs, false));
  }
  anchor(fact: Fact, id: number, preferDesc: boolean): string {
    return preferDesc && fact.anchorDesc ? `the ${this.desc(fact.anchorDesc, false)}` : this.ref(id);
  }
}

export const REL: Record<Relation, string[]> = {
  left: ["left of", "to the left of"],
  right: ["right of", "to the right of"],
  front: ["in front of"],
  behind: ["behind"],
};

export interface Family {
  id: string;
  kind: FactKind;
  /** null: this family cannot phrase this fact (the generator picks another). */
  render(fact: Fact, w: Words): string | null;
}

export interface Style {
  id: string;
  /** Wraps a text's sentences (claims, conclusion last) in the style's voice. */
  wrap(sentences: string[], w: Words): string;
}

/** A sentence that states nothing the reader may check (a question, a plan, a hypothetical). */
export type Trap = (w: Words, ids: number[]) => string;

export interface Conclusion {
  id: string;
  render(answer: string, w: Words): string;
}

export interface FamilySet {
  families: Family[];
  styles: Style[];
  traps: Trap[];
  conclusions: Conclusion[];
  refStyles: Array<(id: number) => string>;
}

export const cap = (s: string) => (/^(obj_|#)/.test(s) ? s : s.charAt(0).toUpperCase() + s.slice(1));
export const attrName = (a: Attribute) => a;
