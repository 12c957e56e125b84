// Human labels and verifier outcomes as calibration sees them.
//
// Several reviewers: each reviewer's current label counts once (Review.current = latest per
// reviewer and item, external sources such as PRM800K raters included). The item's label is the
// strict plurality among accept / reject / neutral; a tie for the top count is "tie" and left out
// of agreement (reported as a count). Restricting calibration to one reviewer makes every item a
// single vote. After-error markers (stop-at-first-error mode) are not labels and never count.
//
// Neutral: PRM800K's 0 and our "neutral" mean "neither clearly right nor wrong". Excluded by
// default (counted separately); a policy can fold them into accept or reject instead.

export type ResolvedLabel = "accept" | "reject" | "neutral" | "tie";
export type BinaryLabel = "accept" | "reject";
export type NeutralPolicy = "exclude" | "accept" | "reject";
export const NEUTRAL_POLICIES = ["exclude", "accept", "reject"] as const;

export interface Votes {
  accept: number;
  reject: number;
  neutral: number;
}

export function resolveVotes(votes: Votes): ResolvedLabel {
  const { accept, reject, neutral } = votes;
  if (reject > accept && reject > neutral) return "reject";
  if (accept > reject && accept > neutral) return "accept";
  if (neutral > accept && neutral > reject) return "neutral";
  return "tie";
}

/** The binary label agreement uses, or null when the item is left out. */
export function binaryLabel(label: ResolvedLabel, neutral: NeutralPolicy): BinaryLabel | null {
  if (label === "accept" || label === "reject") return label;
  if (label === "neutral" && neutral !== "exclude") return neutral;
  return null;
}

export type StepOutcome = "pass" | "fail" | "skip";

/** A step fails when any rule fails on it; passes when no rule fails and one passes; else skip. */
export function outcomeOf(failMask: number, passMask: number): StepOutcome {
  if (failMask !== 0) return "fail";
  return passMask !== 0 ? "pass" : "skip";
}

/**
 * Rule outcomes travel as bit masks (bit i = rules[i]) so SQL can fold a step's verdicts into two
 * integers (SUM(DISTINCT bit) of failing and of passing rules) and group by them.
 */
export function ruleBits(rules: readonly string[]): Map<string, number> {
  if (rules.length > 52) throw new RangeError("at most 52 rules fit in a mask");
  return new Map(rules.map((rule, i) => [rule, 2 ** i]));
}

export function hasBit(mask: number, bit: number): boolean {
  return Math.floor(mask / bit) % 2 === 1;
}

export function rulesIn(mask: number, rules: readonly string[]): string[] {
  return rules.filter((_, i) => hasBit(mask, 2 ** i));
}
