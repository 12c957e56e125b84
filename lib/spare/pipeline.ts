import { z } from "zod";
import { tagText } from "@/lib/taxonomy/tagger";
import type { RelationClass, RelationClassOrNone } from "@/lib/taxonomy/relations";
import {
  captionVocabulary,
  clipScoreReason,
  DEFAULT_FILTER_CONFIG,
  exactDuplicates,
  filterConfig,
  inconsistentAnswer,
  referenceWord,
  type FilterConfig,
  type FilterName,
  type PairWords,
} from "@/lib/spare/filters";
import { cosine, ExactJaccardIndex, normalizeQuestion, type MinHashIndex, type NearDuplicateIndex } from "@/lib/spare/near-duplicates";
import { parsePairs } from "@/lib/spare/parse-pairs";
import { classifyText, synthesizePairs, type SynthesizedPair } from "@/lib/spare/rules";
import { analyseText, frameOf, matchRelations, spareRelation, tokenize, type Frame, type RelationMatch, type TextAnalysis } from "@/lib/spare/taxonomy";

// One caption through the SpaRE pipeline (docs/design.md §12): pre-filter → generation → filters
// in the paper's order → taxonomy. Pure apart from the injected model calls (`SpareModels`), so the
// same code runs with the rules, with an endpoint, and in the bench.

export const spareConfig = z
  .object({
    synthesizer: z.enum(["rules", "llm"]).default("rules"),
    /** Classifier for the pre-filter and the re-check: the endpoint when one is given, else rules. */
    classifier: z.enum(["rules", "llm"]).default("rules"),
    maxPairsPerCaption: z.number().int().min(1).max(200).default(24),
    filters: filterConfig.default(DEFAULT_FILTER_CONFIG),
  })
  .strict();
export type SpareConfig = z.output<typeof spareConfig>;

export interface ClassifierAnswer {
  spatial: boolean;
  /** Why (the rule evidence, or the model's answer). */
  reason: string;
}

export interface GenerationAnswer {
  pairs: Array<{ question: string; answer: string; relation?: string; frame?: Frame; spanStart?: number; spanEnd?: number }>;
  /** The model's answer could not be read at all (raw kept). */
  unparseable: boolean;
  truncated: boolean;
  invalidItems: number;
  raw: string | null;
}

/**
 * What the pipeline asks of a model (or of the rules standing in for one). `analysis` is the text
 * already tokenised and matched (one tokenisation per text, shared by every stage): the rules use
 * it, a model ignores it.
 */
export interface SpareModels {
  classify(text: string, analysis?: TextAnalysis): Promise<ClassifierAnswer>;
  generate(caption: string, analysis?: TextAnalysis): Promise<GenerationAnswer>;
  /** Text embeddings for near-duplicates (absent: MinHash). */
  embedTexts?: (texts: string[]) => Promise<number[][]>;
  /** Cosine of the image with each question (absent: the CLIP filter is skipped). */
  clipScores?: (image: string, questions: string[]) => Promise<number[]>;
}

export interface CaptionInput {
  text: string;
  /** A readable image reference for the CLIP filter (null: none or missing). */
  image: string | null;
  /** Why the image cannot be used, when it cannot ("no image", "image missing: …"). */
  imageProblem?: string | null;
  /** Scope key for job-wide near-duplicate detection. */
  scope?: string;
}

export interface PairOutcome {
  index: number;
  question: string;
  answer: string;
  relation: string;
  relationClass: RelationClassOrNone;
  frame: Frame;
  status: "kept" | "removed";
  removedBy: FilterName | null;
  reason: string | null;
  spanStart: number | null;
  spanEnd: number | null;
}

export interface CaptionOutcome {
  spatial: boolean;
  classifierReason: string;
  pairs: PairOutcome[];
  unparseable: boolean;
  truncated: boolean;
  invalidItems: number;
  rawAnswer: string | null;
  /** Set when the CLIP filter did not run for this caption, with why. */
  clipSkipped: string | null;
}

export function rulesModels(config: Pick<SpareConfig, "maxPairsPerCaption">): SpareModels {
  return {
    classify: async (text, analysis) => ruleClassify(text, analysis),
    generate: async (caption, analysis) => ({ pairs: synthesizePairs(caption, { maxPairs: config.maxPairsPerCaption }, analysis), unparseable: false, truncated: false, invalidItems: 0, raw: null }),
  };
}

export function ruleClassify(text: string, analysis?: TextAnalysis): ClassifierAnswer {
  const verdict = classifyText(text, analysis);
  return verdict.spatial
    ? { spatial: true, reason: `rules: ${[...new Set(verdict.evidence.map((m) => `"${m.phrase.toLowerCase()}"`))].slice(0, 5).join(", ")}` }
    : { spatial: false, reason: "rules: no spatial phrase" };
}

/** A model's raw generation answer → pairs (tolerant parsing, parse.ts). */
export function generationAnswer(raw: string, maxPairs: number): GenerationAnswer {
  const parsed = parsePairs(raw);
  return { pairs: parsed.pairs.slice(0, maxPairs), unparseable: !parsed.ok, truncated: parsed.truncated, invalidItems: parsed.invalidItems, raw };
}

/** The caption sentence sharing the most words with the pair: where an LLM pair came from. */
export function locateSpan(caption: string, text: string): [number, number] | null {
  const wanted = new Set(tokenize(text).map((t) => t.word).filter((w) => w.length > 3));
  let best: [number, number] | null = null;
  let bestScore = 0;
  const sentence = /[^.!?]+[.!?]*/g;
  for (let m = sentence.exec(caption); m; m = sentence.exec(caption)) {
    const score = tokenize(m[0]).filter((t) => wanted.has(t.word)).length;
    if (score > bestScore) {
      bestScore = score;
      const lead = m[0].length - m[0].trimStart().length;
      best = [m.index + lead, m.index + m[0].trimEnd().length];
    }
  }
  return best;
}

/** SpaRE relation, our class and the frame of a pair: from its question, else its answer. */
export function tagPair(question: string, answer: string): { relation: string; relationClass: RelationClassOrNone; frame: Frame } {
  // "relative to" frames a question ("Where is X relative to Y?"); the relation is in the answer
  const found = [question, answer].map((text) => {
    const tokens = tokenize(text);
    return { tokens, matches: matchRelations(text, tokens) };
  });
  const pick = (test: (m: RelationMatch) => boolean) => {
    for (const { tokens, matches } of found) {
      const match = matches.find(test);
      if (match) return { relation: match.relation, relationClass: match.class, frame: frameOf(match, tokens) };
    }
    return null;
  };
  const tagged = pick((m) => m.evidence && m.relation !== "relative_to") ?? pick(() => true);
  if (tagged) return tagged;
  // size comparisons have no SpaRE relation; our tagger still knows their class
  const tag = tagText(`${question} ${answer}`)[0];
  return { relation: "none", relationClass: (tag?.class as RelationClass | undefined) ?? "none", frame: "unknown" };
}

export async function processCaption(caption: CaptionInput, models: SpareModels, config: SpareConfig, jobIndex?: MinHashIndex): Promise<CaptionOutcome> {
  const filters: FilterConfig = config.filters;
  const analysis = analyseText(caption.text);
  const verdict = await models.classify(caption.text, analysis);
  const outcome: CaptionOutcome = { spatial: verdict.spatial, classifierReason: verdict.reason, pairs: [], unparseable: false, truncated: false, invalidItems: 0, rawAnswer: null, clipSkipped: null };
  if (!verdict.spatial) return outcome;

  const generated = await models.generate(caption.text, analysis);
  outcome.unparseable = generated.unparseable;
  outcome.truncated = generated.truncated;
  outcome.invalidItems = generated.invalidItems;
  outcome.rawAnswer = generated.unparseable || generated.truncated || generated.invalidItems > 0 ? generated.raw : null;

  const pairs: PairOutcome[] = generated.pairs.map((p, index) => {
    // the rule synthesizer names its relation and frame; a model's pairs are tagged here
    const given = p.relation ? spareRelation(p.relation)?.class : undefined;
    const tags = given !== undefined && p.frame !== undefined ? null : tagPair(p.question, p.answer);
    const span = p.spanStart !== undefined && p.spanEnd !== undefined ? [p.spanStart, p.spanEnd] : locateSpan(caption.text, `${p.question} ${p.answer}`);
    return {
      index,
      question: p.question,
      answer: p.answer,
      relation: p.relation ?? tags!.relation,
      relationClass: given ?? tags!.relationClass,
      frame: p.frame ?? tags!.frame,
      status: "kept",
      removedBy: null,
      reason: null,
      spanStart: span?.[0] ?? null,
      spanEnd: span?.[1] ?? null,
    };
  });
  outcome.pairs = pairs;
  const remove = (pair: PairOutcome, filter: FilterName, reason: string) => {
    pair.status = "removed";
    pair.removedBy = filter;
    pair.reason = reason;
  };
  const alive = () => pairs.filter((p) => p.status === "kept");

  // each pair's question normalised once (exact and near duplicates), its words tokenised once
  // (consistency and the re-check)
  const normalized = pairs.map((p) => normalizeQuestion(p.question));
  const pairTexts: Array<{ text: string; analysis: TextAnalysis; words: PairWords } | undefined> = [];
  const pairText = (pair: PairOutcome) => {
    let cached = pairTexts[pair.index];
    if (!cached) {
      const text = `${pair.question} ${pair.answer}`;
      const tokens = tokenize(text);
      const question: string[] = [];
      const answer: string[] = [];
      for (const t of tokens) (t.start < pair.question.length ? question : answer).push(t.word);
      cached = { text, analysis: { tokens, matches: matchRelations(text, tokens) }, words: { question, answer } };
      pairTexts[pair.index] = cached;
    }
    return cached;
  };

  // 1. exact duplicates
  const standing = alive();
  for (const [i, of] of exactDuplicates(standing.map((p) => p.question), standing.map((p) => normalized[p.index]))) remove(standing[i], "exact_duplicate", `same question as pair #${standing[of].index + 1}`);

  // 2. near-duplicates: embedding cosine when an endpoint is configured, else MinHash / Jaccard
  if (models.embedTexts) {
    const rest = alive();
    const vectors = await models.embedTexts(rest.map((p) => p.question));
    const kept: number[] = [];
    rest.forEach((pair, i) => {
      let best = -1;
      let bestSim = -Infinity;
      for (const k of kept) {
        const sim = cosine(vectors[i], vectors[k]);
        if (sim > bestSim) [best, bestSim] = [k, sim];
      }
      if (best >= 0 && bestSim >= filters.nearDuplicate.cosine) remove(pair, "near_duplicate", `embedding cosine ${bestSim.toFixed(3)} ≥ ${filters.nearDuplicate.cosine} with pair #${rest[best].index + 1}`);
      else kept.push(i);
    });
  } else {
    const index: NearDuplicateIndex = filters.nearDuplicate.scope === "job" && jobIndex ? jobIndex : new ExactJaccardIndex({ threshold: filters.nearDuplicate.jaccard, ngram: filters.nearDuplicate.ngram });
    for (const pair of alive()) {
      const hit = index.check(pair.index, pair.question, filters.nearDuplicate.scope === "job" ? "" : (caption.scope ?? ""), normalized[pair.index]);
      if (hit) remove(pair, "near_duplicate", `word ${filters.nearDuplicate.ngram}-gram Jaccard ${hit.similarity.toFixed(2)} ≥ ${filters.nearDuplicate.jaccard} with ${filters.nearDuplicate.scope === "job" ? "an earlier question" : `pair #${hit.of + 1}`}`);
    }
  }

  // 3. reference words
  for (const pair of alive()) {
    const word = referenceWord(pair, filters.referenceWords);
    if (word) remove(pair, "reference", `refers to the description ("${word}")`);
  }

  // 4. answer–caption consistency
  const vocabulary = captionVocabulary(caption.text, analysis.tokens);
  for (const pair of alive()) {
    const reason = inconsistentAnswer(pair, vocabulary, filters.consistency, pairText(pair).words);
    if (reason) remove(pair, "inconsistent_answer", reason);
  }

  // 5. CLIPScore: needs an image-text embedding endpoint and the image
  if (!models.clipScores) outcome.clipSkipped = "no image-text embedding endpoint configured";
  else if (!caption.image) outcome.clipSkipped = caption.imageProblem ?? "no image";
  else if (alive().length > 0) {
    const rest = alive();
    const scores = await models.clipScores(caption.image, rest.map((p) => p.question));
    rest.forEach((pair, i) => {
      const reason = clipScoreReason(scores[i], filters.clipScore);
      if (reason) remove(pair, "clip_score", reason);
    });
  }

  // 6. spatial re-check: the classifier on the pair
  for (const pair of alive()) {
    const { text, analysis: pairAnalysis } = pairText(pair);
    const recheck = await models.classify(text, pairAnalysis);
    if (!recheck.spatial) remove(pair, "not_spatial", `re-check: ${recheck.reason}`);
  }
  return outcome;
}

export type { SynthesizedPair };
