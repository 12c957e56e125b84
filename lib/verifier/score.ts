import type { VerifierSettings } from "@/lib/verifier/config";
import { RULE_IDS, type RuleId } from "@/lib/verifier/rules";

// Quality score ∈ [0, 1] (docs/design.md §5): a weighted mean of three parts, each dropped when unknown —
//   steps        weighted share of passing verdicts (rule weights; skips do not count),
//   completeness share of the program's nodes the trace covers (when a program is known),
//   final        1 when the answer equals the ground truth, 0 when not (when it is known).
// final.correct feeds the `final` part only, so a wrong answer is not counted twice.

export type RuleTally = [pass: number, fail: number, skip: number];

export interface ScoreParts {
  steps: number | null;
  completeness: number | null;
  final: number | null;
  /** Per rule: pass, fail and skip counts over the trace's steps (ablations recompute from these). */
  rules: Partial<Record<RuleId, RuleTally>>;
  /** Tool calls, and those whose call and result both have no failing rule (tool-call accuracy). */
  calls?: number;
  accurateCalls?: number;
}

/** The steps part from rule tallies, counting only `rules` (enabled ones by default). */
export function stepsPart(tallies: Partial<Record<RuleId, RuleTally>>, settings: VerifierSettings, rules: readonly RuleId[] = RULE_IDS): number | null {
  let weighted = 0;
  let total = 0;
  for (const rule of rules) {
    if (rule === "final.correct") continue;
    const setting = settings.rules[rule];
    const tally = tallies[rule];
    if (!setting?.enabled || !tally) continue;
    weighted += setting.weight * tally[0];
    total += setting.weight * (tally[0] + tally[1]);
  }
  return total > 0 ? finiteScore(weighted / total) : null;
}

/**
 * A score as stored: a finite number in [0, 1]. Weights are bounded (lib/verifier/config.ts), so a
 * non-finite value cannot arise from a valid config; if one ever does, the run fails with a clear
 * message instead of writing NaN (which SQLite stores as NULL: "NOT NULL constraint failed").
 */
export function finiteScore(value: number): number {
  if (!Number.isFinite(value)) throw new RangeError(`quality score is not a finite number (${value}); check the verifier config's weights`);
  return Math.min(1, Math.max(0, value));
}

export function combineParts(steps: number | null, completeness: number | null, final: number | null, settings: VerifierSettings): number {
  // Weights scaled by the largest one: the same mean, and no product or sum can overflow.
  const raw = settings.scoring;
  const largest = Math.max(raw.steps, raw.completeness, raw.final);
  const w = largest > 0 && Number.isFinite(largest) ? { steps: raw.steps / largest, completeness: raw.completeness / largest, final: raw.final / largest } : raw;
  let sum = 0;
  let weight = 0;
  if (steps !== null) {
    sum += w.steps * steps;
    weight += w.steps;
  }
  if (completeness !== null) {
    sum += w.completeness * completeness;
    weight += w.completeness;
  }
  if (final !== null) {
    sum += w.final * final;
    weight += w.final;
  }
  return weight > 0 ? finiteScore(sum / weight) : 0;
}

export function scoreTrace(
  rules: Partial<Record<RuleId, RuleTally>>,
  completeness: number | null,
  finalCorrect: boolean | null,
  settings: VerifierSettings,
): { quality: number; parts: ScoreParts } {
  const steps = stepsPart(rules, settings);
  const final = finalCorrect === null ? null : finalCorrect ? 1 : 0;
  return { quality: combineParts(steps, completeness, final, settings), parts: { steps, completeness, final, rules } };
}
