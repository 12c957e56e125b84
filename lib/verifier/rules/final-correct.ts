import { normalizeAnswer } from "@/lib/verifier/normalize";
import type { RuleDefinition } from "@/lib/verifier/rule";

export const finalCorrect: RuleDefinition<"final.correct"> = {
  id: "final.correct",
  scope: "final",
  kinds: ["answer"],
  needs: { groundTruth: true },
  description: "The final answer equals the ground truth when it is known (yes/no/true/false, numbers and synonyms normalised).",
  defaults: { enabled: true, weight: 1 },
  evaluate: (p) => {
    const truth = normalizeAnswer(p.input.answer ?? null);
    if (truth === null || truth === "") {
      p.skip("no ground truth");
      p.setFinalCorrect(null);
    } else if (p.answer === truth) {
      p.pass("equals the ground truth");
      p.setFinalCorrect(true);
    } else {
      p.fail(`the ground truth is "${p.input.answer}"`, { expected: p.input.answer, found: p.step.text });
      p.setFinalCorrect(false);
    }
  },
};
