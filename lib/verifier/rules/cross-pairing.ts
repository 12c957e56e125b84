import type { RuleDefinition } from "@/lib/verifier/rule";

export const crossPairing: RuleDefinition<"cross.pairing"> = {
  id: "cross.pairing",
  scope: "cross",
  kinds: ["tool_call", "tool_result"],
  needs: {},
  description: "Every result answers an earlier call that has no result yet, and every call gets a result.",
  defaults: { enabled: true, weight: 1 },
  // on a result, pairing is checked before re-execution (the order verdicts have always been stored in)
  order: { tool_result: -1 },
  // "this call was answered" says nothing of what it computed: a step it alone passes is unchecked
  covers: false,
  evaluate: (p) => {
    const { callId } = p;
    if (p.step.kind === "tool_call") {
      const earlier = callId ? p.slot!.call : null;
      if (earlier) p.fail(`call id "${callId}" is used by an earlier call (step ${earlier.index})`, { found: callId });
      else if (p.answeredLater(callId)) p.pass("a later step records its result");
      else p.fail(`call ${callId || "(no id)"} gets no result`, { expected: `a tool_result for ${callId}`, found: null });
      return;
    }
    if (!p.call) p.fail(`answers no earlier call (no tool_call "${callId}" before it)`, { found: callId });
    else if (p.slot!.answered) p.fail(`call ${callId} already has a result`, { found: callId });
    else p.pass("answers an earlier call");
  },
};
