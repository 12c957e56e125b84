import { describe, expect, it } from "vitest";
import { captionVocabulary, clipScoreReason, exactDuplicates, inconsistentAnswer, referenceWord } from "@/lib/spare/filters";
import { ExactJaccardIndex, jaccard, MinHashIndex, shingles } from "@/lib/spare/near-duplicates";

describe("SpaRE filters, each with hand-made positive and negative cases", () => {
  it("exact duplicate: same question up to case, punctuation and spacing", () => {
    expect([...exactDuplicates(["Where is the cup?", "where is  the cup", "Where is the plate?", "WHERE IS THE CUP!"])]).toEqual([
      [1, 0],
      [3, 0],
    ]);
    expect(exactDuplicates(["Is the cup left of the plate?", "Is the cup right of the plate?"]).size).toBe(0);
  });

  it("near duplicate (MinHash over word bigrams): rewordings go, different relations stay", () => {
    const index = new MinHashIndex({ threshold: 0.7 });
    expect(index.check(0, "Where is the red cup relative to the white plate on the table?")).toBeNull();
    expect(index.check(1, "Where is the red cup relative to the white plate on the table ?")).toMatchObject({ of: 0, similarity: 1 });
    expect(index.check(2, "So where is the red cup relative to the white plate on the table?")?.of).toBe(0);
    expect(index.check(3, "Is the lamp to the left of the sofa?")).toBeNull();
    expect(index.check(4, "Is the lamp to the right of the sofa?")).toBeNull();
    expect(index.size).toBe(3);
  });

  it("near duplicate within a caption (exact Jaccard): the same cases, and the most similar kept question is named", () => {
    const index = new ExactJaccardIndex({ threshold: 0.7, ngram: 2 });
    expect(index.check(0, "Where is the red cup relative to the white plate on the table?")).toBeNull();
    expect(index.check(1, "Where is the red cup relative to the white plate on the table ?")).toMatchObject({ of: 0, similarity: 1 });
    expect(index.check(2, "So where is the red cup relative to the white plate on the table?")?.of).toBe(0);
    expect(index.check(3, "Is the lamp to the left of the sofa?")).toBeNull();
    expect(index.check(4, "Is the lamp to the right of the sofa?")).toBeNull();
    expect(index.check(5, "Is the lamp to the left of the sofa now?")?.of).toBe(3);
  });

  it("near duplicate job-wide: a hot bucket is scanned only up to the cap, so templated questions stay linear", () => {
    // one band of one row: every question sharing the minimum bigram hash lands in the same bucket
    const index = new MinHashIndex({ bands: 1, rows: 1, bucketCap: 4, threshold: 0.95 });
    const n = 2000;
    for (let i = 0; i < n; i++) index.check(i, `Is the cup ${i} on the table near the ${i % 7} door?`);
    expect(index.size).toBe(n); // none is a near-duplicate at 0.95
    expect(index.comparisons).toBeLessThanOrEqual(n * 4);
    const uncapped = new MinHashIndex({ bands: 1, rows: 1, bucketCap: Number.MAX_SAFE_INTEGER, threshold: 0.95 });
    for (let i = 0; i < n; i++) uncapped.check(i, `Is the cup ${i} on the table near the ${i % 7} door?`);
    expect(uncapped.comparisons).toBeGreaterThan(n * 4); // without the cap the scan grows with the bucket
  });

  it("near duplicate: scopes keep captions apart", () => {
    const index = new MinHashIndex();
    expect(index.check(0, "Where is the cup relative to the plate?", "caption-1")).toBeNull();
    expect(index.check(1, "Where is the cup relative to the plate?", "caption-2")).toBeNull();
    expect(index.check(2, "Where is the cup relative to the plate?", "caption-1")).not.toBeNull();
  });

  it("Jaccard of word n-gram sets", () => {
    expect(jaccard(shingles("a b c d", 2), shingles("a b c d", 2))).toBe(1);
    expect(jaccard(shingles("a b c d", 2), shingles("a b x y", 2))).toBeCloseTo(1 / 5);
    expect(jaccard(shingles("yes", 2), shingles("no", 2))).toBe(0);
  });

  it("reference words: talk about the description is removed, the same words inside other words are not", () => {
    expect(referenceWord({ question: "What is mentioned to the left of the door?", answer: "A lamp." })).toBe("mentioned");
    expect(referenceWord({ question: "Where is the cup?", answer: "As the caption says, on the table." })).toBe("caption");
    expect(referenceWord({ question: "According to the text, where is the cat?", answer: "Under the bed." })).toBe("according to");
    expect(referenceWord({ question: "Where is the descriptive sign?", answer: "Above the captioning booth." })).toBeNull();
    expect(referenceWord({ question: "Where is the cup?", answer: "On the table." })).toBeNull();
    expect(referenceWord({ question: "Where is the word mentioned?", answer: "x" }, [])).toBeNull();
  });

  it("answer–caption consistency: answers must reuse the caption's key words", () => {
    const vocabulary = captionVocabulary("Three white towels hang from a rack above the toilet, and two rolls of toilet paper are on the right wall.");
    expect(inconsistentAnswer({ question: "Where are the towels?", answer: "The towels hang above the toilet." }, vocabulary, 0.5)).toBeNull();
    expect(inconsistentAnswer({ question: "What is on the right wall?", answer: "Rolls of toilet paper." }, vocabulary, 0.5)).toBeNull();
    expect(inconsistentAnswer({ question: "Where is the cat?", answer: "The cat sleeps beside a red sofa." }, vocabulary, 0.5)).toMatch(/^0% .*missing: cat, sleeps, beside, red, sofa$/);
    expect(inconsistentAnswer({ question: "Is the dog under the sink?", answer: "Yes." }, vocabulary, 0.5)).toMatch(/missing: dog, under, sink$/);
    expect(inconsistentAnswer({ question: "Is the rack above the toilet?", answer: "Yes." }, vocabulary, 0.5)).toBeNull();
  });

  it("CLIPScore threshold", () => {
    expect(clipScoreReason(0.31, 0.25)).toBeNull();
    expect(clipScoreReason(0.25, 0.25)).toBeNull();
    expect(clipScoreReason(0.12, 0.25)).toBe("CLIPScore 0.120 < 0.25");
  });
});
