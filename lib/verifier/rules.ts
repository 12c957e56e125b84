import { MAX_RULES, type RuleDefinition } from "@/lib/verifier/rule";
import { argsRefs } from "@/lib/verifier/rules/args-refs";
import { argsSchema } from "@/lib/verifier/rules/args-schema";
import { crossAnswer } from "@/lib/verifier/rules/cross-answer";
import { crossPairing } from "@/lib/verifier/rules/cross-pairing";
import { crossPropagation } from "@/lib/verifier/rules/cross-propagation";
import { finalCorrect } from "@/lib/verifier/rules/final-correct";
import { reasoningClaims } from "@/lib/verifier/rules/reasoning-claims";
import { reasoningJudge } from "@/lib/verifier/rules/reasoning-judge";
import { resultReexec } from "@/lib/verifier/rules/result-reexec";

// The rule registry (docs/design.md §5, §17 "How to extend"): one file per rule under
// lib/verifier/rules/, one entry here. A rule's position is its index in the verdict encoding and
// in calibration's bit masks, and the order rules are listed in (settings, UI, ablations): append
// new rules at the end. Ids are stable: they are stored in verdicts and configs.

export const RULE_DEFINITIONS = [
  argsSchema,
  argsRefs,
  resultReexec,
  reasoningClaims,
  crossPairing,
  crossPropagation,
  crossAnswer,
  finalCorrect,
  reasoningJudge,
] as const;

export type RuleId = (typeof RULE_DEFINITIONS)[number]["id"];

export const RULE_IDS = RULE_DEFINITIONS.map((r) => r.id) as unknown as readonly [RuleId, ...RuleId[]];

export const RULES = Object.fromEntries(RULE_DEFINITIONS.map((r) => [r.id, r])) as Record<RuleId, RuleDefinition<RuleId>>;

export const STEP_RULES = RULE_IDS.filter((id) => RULES[id].scope === "step");
export const CROSS_RULES = RULE_IDS.filter((id) => RULES[id].scope === "cross");

if (RULE_DEFINITIONS.length > MAX_RULES) throw new Error(`${RULE_DEFINITIONS.length} rules registered; the verdict encoding holds ${MAX_RULES} (widen RULE_BITS in lib/verifier/rule.ts)`);
