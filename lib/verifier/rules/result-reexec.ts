import { NO_SCENE, type RuleDefinition } from "@/lib/verifier/rule";

export const resultReexec: RuleDefinition<"result.reexec"> = {
  id: "result.reexec",
  scope: "step",
  kinds: ["tool_result"],
  needs: { scene: true },
  description: "Re-executing the call on the scene reproduces the recorded result (id lists as sets, boxes by IoU or centre-in-box, numbers within tolerance; an error result is right when re-execution fails too).",
  defaults: { enabled: true, weight: 2 },
  evaluate: (p) => {
    const call = p.call;
    if (!call) return p.skip("answers no call");
    if (!call.definition?.execute) return p.skip(`${call.definition?.name ?? "this tool"} cannot be re-executed here`);
    if (!p.scene) return p.skip(NO_SCENE);
    const comparison = p.reexecute(call, p.step.result, p.resultKey);
    // evidence is kept for failures only: a pass's "found" is the step itself
    if (comparison.skip) return p.skip(comparison.message);
    if (comparison.same) return p.pass(comparison.message);
    const outcome = p.execute(call)!;
    p.fail(comparison.message, { expected: outcome.ok ? outcome.value : { error: outcome.error }, found: p.step.result });
  },
};
