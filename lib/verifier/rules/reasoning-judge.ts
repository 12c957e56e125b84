import { NO_SCENE, type RuleDefinition } from "@/lib/verifier/rule";

// reasoning.judge (docs/design.md §5 "reasoning.judge"): for a reasoning or plan step that no other
// rule could check, the verdict of an LLM judge asked about it (the scene as JSON, the question,
// the steps so far). The rule itself stays pure: the verify service asks the judge — or finds its
// answer in the cache, by content hash — before the pass and hands the answers in as
// VerifyInput.judgments. Off by default; calibrated against people like every rule.

export const NO_JUDGMENT = "not judged (no judge endpoint for this run)";

export const reasoningJudge: RuleDefinition<"reasoning.judge"> = {
  id: "reasoning.judge",
  scope: "step",
  kinds: ["reasoning", "plan"],
  needs: { scene: true },
  description: "An LLM judge (OpenAI-compatible endpoint), given the scene as JSON and the steps so far, finds a step no other rule could check correct; its rationale is the evidence.",
  defaults: { enabled: false, weight: 1 },
  // after every other rule on the step: it judges only what they left unchecked
  order: { reasoning: 100, plan: 100 },
  evaluate: (p) => {
    if (p.stepChecked) return p.skip("checked by another rule");
    if (!p.scene) return p.skip(NO_SCENE);
    const judgment = p.input.judgments?.[p.index];
    if (judgment === undefined) return p.skip(NO_JUDGMENT);
    if (typeof judgment === "string") return p.skip(judgment);
    const evidence = { rationale: judgment.rationale, model: judgment.model };
    if (judgment.verdict === "correct") p.pass(`judge: correct — ${judgment.rationale}`, { ...evidence, found: "correct" });
    else if (judgment.verdict === "incorrect") p.fail(`judge: incorrect — ${judgment.rationale}`, { ...evidence, expected: "a step the judge finds correct", found: "incorrect" });
    else p.skip(`judge unsure — ${judgment.rationale}`);
  },
};
