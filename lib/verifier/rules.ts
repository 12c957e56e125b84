import type { StepKind } from "@/lib/schemas/trace";

// The rule catalogue (docs/design.md §5). Ids are stable: they are stored in verdicts and configs, shown in
// the UI and used by calibration. A rule evaluates to pass / fail / skip with evidence.

export const RULE_IDS = [
  "args.schema",
  "args.refs",
  "result.reexec",
  "reasoning.claims",
  "cross.pairing",
  "cross.propagation",
  "cross.answer",
  "final.correct",
] as const;

export type RuleId = (typeof RULE_IDS)[number];
export type RuleScope = "step" | "cross" | "final";

export interface RuleInfo {
  id: RuleId;
  scope: RuleScope;
  kinds: StepKind[];
  /** Needs a scene graph; traces without one (VisProg, PRM800K) get `skip`. */
  needsScene: boolean;
  description: string;
}

export const RULES: Record<RuleId, RuleInfo> = {
  "args.schema": {
    id: "args.schema", scope: "step", kinds: ["tool_call"], needsScene: false,
    description: "The tool exists and its arguments are valid against the tool's JSON schema (values inside the attribute and relation vocabularies).",
  },
  "args.refs": {
    id: "args.refs", scope: "step", kinds: ["tool_call"], needsScene: true,
    description: "Every object the call names exists in the scene.",
  },
  "result.reexec": {
    id: "result.reexec", scope: "step", kinds: ["tool_result"], needsScene: true,
    description: "Re-executing the call on the scene reproduces the recorded result (id lists as sets, boxes by IoU or centre-in-box, numbers within tolerance; an error result is right when re-execution fails too).",
  },
  "reasoning.claims": {
    id: "reasoning.claims", scope: "step", kinds: ["reasoning"], needsScene: true,
    description: "Every claim the reasoning makes (claims grammar) is true of the scene and agrees with the tool results it cites.",
  },
  "cross.pairing": {
    id: "cross.pairing", scope: "cross", kinds: ["tool_call", "tool_result"], needsScene: false,
    description: "Every result answers an earlier call that has no result yet, and every call gets a result.",
  },
  "cross.propagation": {
    id: "cross.propagation", scope: "cross", kinds: ["tool_call"], needsScene: false,
    description: "Object ids, id lists and variables a call uses were produced by earlier steps (tool results or stated in reasoning).",
  },
  "cross.answer": {
    id: "cross.answer", scope: "cross", kinds: ["answer"], needsScene: false,
    description: "The final answer is what the last reasoning concluded (and is not empty).",
  },
  "final.correct": {
    id: "final.correct", scope: "final", kinds: ["answer"], needsScene: false,
    description: "The final answer equals the ground truth when it is known (yes/no/true/false, numbers and synonyms normalised).",
  },
};

export const STEP_RULES = RULE_IDS.filter((id) => RULES[id].scope === "step");
export const CROSS_RULES = RULE_IDS.filter((id) => RULES[id].scope === "cross");
