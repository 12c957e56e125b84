import { z } from "zod";
import { normalizeQuestion } from "@/lib/spare/near-duplicates";
import { tokenize, type Token } from "@/lib/spare/taxonomy";

// The SpaRE filters (docs/design.md §12), in the paper's order, cheapest first. Each is a pure
// check with its reason; the pipeline (pipeline.ts) runs them over the pairs still standing, so a
// pair is removed by the first filter that rejects it and carries that filter's reason.

export const FILTERS = ["exact_duplicate", "near_duplicate", "reference", "inconsistent_answer", "clip_score", "not_spatial"] as const;
export type FilterName = (typeof FILTERS)[number];

export const FILTER_LABELS: Record<FilterName, string> = {
  exact_duplicate: "Exact duplicate question",
  near_duplicate: "Near-duplicate question",
  reference: "Refers to the description",
  inconsistent_answer: "Answer not grounded in the caption",
  clip_score: "Question does not match the image (CLIPScore)",
  not_spatial: "Not spatial on re-check",
};

export const DEFAULT_REFERENCE_WORDS = ["mention", "mentioned", "mentions", "description", "described", "describes", "caption", "captioned", "passage", "the text", "narrator", "narration", "according to"];

export const filterConfig = z
  .object({
    nearDuplicate: z
      .object({
        /** Jaccard over word n-grams (offline MinHash) at or above which a question is a near-duplicate. */
        jaccard: z.number().gt(0).max(1).default(0.8),
        ngram: z.number().int().min(1).max(5).default(2),
        /** Embedding cosine at or above which a question is a near-duplicate (with an embedding endpoint). */
        cosine: z.number().gt(0).max(1).default(0.95),
        /** "caption": compare questions about the same caption; "job": across the whole run. */
        scope: z.enum(["caption", "job"]).default("caption"),
      })
      .strict()
      .default({ jaccard: 0.8, ngram: 2, cosine: 0.95, scope: "caption" }),
    referenceWords: z.array(z.string().min(1).max(60)).max(200).default(DEFAULT_REFERENCE_WORDS),
    /** Share of the answer's key words that must appear in the caption. */
    consistency: z.number().min(0).max(1).default(0.5),
    /** Cosine between image and question embeddings (the paper's CLIPScore threshold). */
    clipScore: z.number().min(-1).max(1).default(0.25),
  })
  .strict();
export type FilterConfig = z.output<typeof filterConfig>;
export const DEFAULT_FILTER_CONFIG: FilterConfig = filterConfig.parse({});

export interface Removal {
  filter: FilterName;
  reason: string;
}

/** Exact duplicates (same question after case, punctuation and spacing are normalised): each index after the first of its kind → the index it repeats. */
export function exactDuplicates(questions: string[], normalized: string[] = questions.map(normalizeQuestion)): Map<number, number> {
  const first = new Map<string, number>();
  const duplicates = new Map<number, number>();
  questions.forEach((_, i) => {
    const key = normalized[i];
    const earlier = first.get(key);
    if (earlier === undefined) first.set(key, i);
    else duplicates.set(i, earlier);
  });
  return duplicates;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

const referenceCache = new Map<string, RegExp>();
function referencePattern(words: string[]): RegExp {
  const key = words.join("\u0000");
  let pattern = referenceCache.get(key);
  if (!pattern) {
    pattern = new RegExp(`\\b(${words.map((w) => escapeRegExp(w.toLowerCase())).join("|")})\\b`, "i");
    referenceCache.set(key, pattern);
  }
  return pattern;
}

/** A question or answer that talks about the description instead of the image. */
export function referenceWord(pair: { question: string; answer: string }, words: string[] = DEFAULT_REFERENCE_WORDS): string | null {
  if (words.length === 0) return null;
  const pattern = referencePattern(words);
  const hit = pattern.exec(pair.question) ?? pattern.exec(pair.answer);
  return hit ? hit[1].toLowerCase() : null;
}

const STOPWORDS = new Set(
  "a an the is are was were be been being am it its it's this that these those there here of to in on at by for with from as and or but not no yes yeah nope true false correct incorrect right wrong do does did can could would should will shall may might has have had what which who whom whose where when why how than then so such very also just only some any each both all more most other another one they them their he she his her him we you i me my our your located positioned placed situated seen visible appears appear image picture photo relative respect".split(" "),
);

/** Light stemming so "towels" matches "towel", "hanging" matches "hang". */
function stem(word: string): string {
  if (word.length > 4 && word.endsWith("ies")) return `${word.slice(0, -3)}y`;
  if (word.length > 5 && word.endsWith("ing")) return word.slice(0, -3);
  if (word.length > 4 && word.endsWith("es")) return word.slice(0, -2);
  if (word.length > 3 && word.endsWith("s") && !word.endsWith("ss")) return word.slice(0, -1);
  if (word.length > 4 && word.endsWith("ed")) return word.slice(0, -2);
  return word;
}

/** The text's content words, each once (`words`: its lower-case tokens when already at hand). */
export function keyWords(text: string, words: string[] = tokenize(text).map((t) => t.word)): string[] {
  return [...new Set(words.filter((w) => !STOPWORDS.has(w) && !/^\d+$/.test(w)))];
}

export interface CaptionVocabulary {
  stems: Set<string>;
}

export function captionVocabulary(caption: string, tokens: Token[] = tokenize(caption)): CaptionVocabulary {
  const stems = new Set<string>();
  for (const t of tokens) stems.add(stem(t.word));
  return { stems };
}

/** A pair's words, tokenised once: the consistency filter's input (and the re-check's, pipeline.ts). */
export interface PairWords {
  question: string[];
  answer: string[];
}

/**
 * Answer–caption consistency: the share of the answer's key words found in the caption. A bare
 * "Yes" / "No" has none, so the question's key words stand in (a yes/no pair about things the
 * caption never names is as ungrounded as an open one).
 */
export function consistency(pair: { question: string; answer: string }, vocabulary: CaptionVocabulary, tokenised?: PairWords): { overlap: number; missing: string[]; checked: number } {
  let words = keyWords(pair.answer, tokenised?.answer);
  if (words.length === 0) words = keyWords(pair.question, tokenised?.question);
  if (words.length === 0) return { overlap: 1, missing: [], checked: 0 };
  const missing = words.filter((w) => !vocabulary.stems.has(stem(w)));
  return { overlap: (words.length - missing.length) / words.length, missing, checked: words.length };
}

export function inconsistentAnswer(pair: { question: string; answer: string }, vocabulary: CaptionVocabulary, minOverlap: number, tokenised?: PairWords): string | null {
  const { overlap, missing } = consistency(pair, vocabulary, tokenised);
  if (overlap >= minOverlap) return null;
  return `${Math.round(overlap * 100)}% of the answer's key words are in the caption (< ${Math.round(minOverlap * 100)}%); missing: ${missing.slice(0, 6).join(", ")}`;
}

export function clipScoreReason(score: number, threshold: number): string | null {
  return score >= threshold ? null : `CLIPScore ${score.toFixed(3)} < ${threshold}`;
}
