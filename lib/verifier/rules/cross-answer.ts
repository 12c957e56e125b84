import type { RuleDefinition } from "@/lib/verifier/rule";

export const crossAnswer: RuleDefinition<"cross.answer"> = {
  id: "cross.answer",
  scope: "cross",
  kinds: ["answer"],
  needs: {},
  description: "The final answer is what the last reasoning concluded (and is not empty).",
  defaults: { enabled: true, weight: 1 },
  evaluate: (p) => {
    const { answer, conclusion, step } = p;
    if (!answer) p.fail("no answer given", { expected: conclusion, found: step.text ?? "" });
    else if (conclusion === null) p.skip("no earlier reasoning states a conclusion");
    else if (answer === conclusion) p.pass("matches the last reasoning's conclusion");
    else p.fail(`the last reasoning concluded "${conclusion}"`, { expected: conclusion, found: step.text });
  },
};
