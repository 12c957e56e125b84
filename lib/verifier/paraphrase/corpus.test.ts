import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { scoreCorpus } from "@/lib/verifier/paraphrase/corpus";
import { buildSplit, corpusLines } from "@/lib/verifier/paraphrase/fixtures";

// The paraphrase corpus's acceptance figures (docs/claims-grammar.md, "Measuring the reader"): on
// the held-out phrasing families claim precision ≥ 0.97, recall ≥ 0.95, ≥ 90% of reasoning steps
// checked and no failing step on texts whose claims are all true; never a function word as a
// conclusion. The same bars hold on the development families and the blind ones.

const root = path.resolve(import.meta.dirname, "../../..");
const splits = { dev: buildSplit(root, "dev"), heldout: buildSplit(root, "heldout"), blind: buildSplit(root, "blind") };

describe("paraphrase corpus", () => {
  it("is ≥ 600 texts over real CLEVR scenes in 6 styles, half of them false, held-out = 1/3 by phrasing family", () => {
    const main = [...splits.dev, ...splits.heldout];
    expect(main.length).toBeGreaterThanOrEqual(600);
    expect(splits.heldout.length / main.length).toBeCloseTo(1 / 3, 2);
    for (const texts of Object.values(splits)) {
      expect(new Set(texts.map((t) => t.style))).toEqual(new Set(["terse", "verbose-cot", "hedged", "list", "gpt", "qwen"]));
      const falseTexts = texts.filter((t) => t.claims.some((c) => !c.truth)).length;
      expect(falseTexts / texts.length).toBeCloseTo(0.5, 1);
    }
    // no phrasing family is shared between the splits
    const families = (texts: typeof main) => new Set(texts.flatMap((t) => t.families));
    for (const family of families(splits.heldout)) expect(families(splits.dev).has(family), family).toBe(false);
    for (const family of families(splits.blind)) expect(families(splits.dev).has(family) || families(splits.heldout).has(family), family).toBe(false);
  });

  it("the fixture files are the corpus the generator writes", () => {
    for (const [split, texts] of Object.entries(splits)) {
      expect(fs.readFileSync(path.join(root, `fixtures/paraphrase/${split}.jsonl`), "utf8"), `${split}: run npx tsx lib/verifier/paraphrase/fixtures.ts`).toBe(corpusLines(texts));
    }
  });

  for (const split of ["dev", "heldout", "blind"] as const) {
    it(`${split}: claim precision ≥ 0.97, recall ≥ 0.95, ≥ 90% of steps checked, no failing clean step, conclusions right`, () => {
      const f = scoreCorpus(splits[split]);
      expect(f.precision, f.misses.slice(0, 5).join("\n")).toBeGreaterThanOrEqual(0.97);
      expect(f.recall, f.misses.slice(0, 5).join("\n")).toBeGreaterThanOrEqual(0.95);
      expect(f.checked).toBeGreaterThanOrEqual(0.9);
      expect(f.cleanFailing).toBe(0);
      expect(f.stepPrecision).toBeGreaterThanOrEqual(0.97);
      expect(f.conclusions.functionWords).toBe(0);
      expect(f.conclusions.wrong).toBe(0);
      expect(f.conclusions.right).toBeGreaterThan(0);
    });
  }

  it("scoring can fail: a corpus whose labels disagree with its text scores low", () => {
    const tampered = splits.heldout.slice(0, 40).map((t) => ({ ...t, claims: t.claims.map((c) => (c.kind === "count" ? { ...c, n: c.n + 7 } : c.kind === "attribute" ? { ...c, id: c.id + 20 } : c)) }));
    const f = scoreCorpus(tampered);
    expect(f.recall).toBeLessThan(0.95);
  });
});
