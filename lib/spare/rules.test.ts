import { describe, expect, it } from "vitest";
import { classifyText, oppositePhrase, synthesizePairs } from "@/lib/spare/rules";
import { captionVocabulary, inconsistentAnswer } from "@/lib/spare/filters";

describe("rule synthesizer", () => {
  const caption = "Three white towels hang from a rack above the toilet. Two rolls of toilet paper are on the right wall. The dog sleeps under the kitchen table.";

  it("makes open, yes/no, negative and what questions from each spatial phrase", () => {
    const pairs = synthesizePairs(caption);
    const about = pairs.filter((p) => p.relation === "above");
    expect(about.map((p) => [p.kind, p.question, p.answer])).toEqual([
      ["open", "Where is a rack relative to the toilet?", "A rack is above the toilet."],
      ["yes", "Is a rack above the toilet?", "Yes, a rack is above the toilet."],
      ["no", "Is a rack below the toilet?", "No, a rack is above the toilet."],
      ["what", "What is above the toilet?", "A rack."],
    ]);
    expect(caption.slice(about[0].spanStart, about[0].spanEnd)).toBe("a rack above the toilet");
    const under = pairs.filter((p) => p.relation === "below");
    expect(under[0].question).toBe("Where is the dog relative to the kitchen table?");
    expect(under.find((p) => p.kind === "no")?.question).toBe("Is the dog over the kitchen table?");
  });

  it("answers are grounded in the caption's words", () => {
    const vocabulary = captionVocabulary(caption);
    for (const pair of synthesizePairs(caption)) expect(inconsistentAnswer(pair, vocabulary, 1), pair.answer).toBeNull();
  });

  it("makes nothing from a caption with no spatial phrase, and respects the cap", () => {
    expect(synthesizePairs("A close-up portrait of a smiling woman.")).toEqual([]);
    expect(synthesizePairs(caption, { maxPairs: 3 })).toHaveLength(3);
    expect(synthesizePairs(caption, { negatives: false }).some((p) => p.kind === "no")).toBe(false);
  });

  it("flips relation phrases", () => {
    expect(oppositePhrase("to the left of", "left")).toBe("to the right of");
    expect(oppositePhrase("in front of", "front")).toBe("behind");
    expect(oppositePhrase("on top of", "on")).toBe("under");
    expect(oppositePhrase("next to", "next_to_beside_adjacent")).toBe("far from");
    expect(oppositePhrase("between", "between")).toBeNull();
  });

  it("classifies texts", () => {
    expect(classifyText("A cup sits on the table.").spatial).toBe(true);
    expect(classifyText("A cup of coffee.").spatial).toBe(false);
  });
});
