import type { VerifierSettings } from "@/lib/verifier/config";
import type { RuleId } from "@/lib/verifier/rules";
import { combineParts, stepsPart, type RuleTally } from "@/lib/verifier/score";

// What a proposed verifier config changes on a run's traces (docs/calibration.md), from the run's
// stored score parts — no re-verification needed. A trace is valid when no enabled rule fails on
// it and its final answer is not wrong (lib/verifier/verify.ts); the pipeline keeps a valid trace
// whose quality reaches the threshold (the ablation's definition, lib/verifier/metrics.ts). Rule
// switches change validity and quality; the threshold changes only which valid traces are kept.

export interface StoredScore {
  traceId: number;
  quality: number;
  valid: boolean;
  parts: { completeness?: number | null; final?: number | null; rules?: Partial<Record<RuleId, RuleTally>> } | null;
}

export interface SideFigures {
  valid: number;
  validRatio: number;
  /** valid and quality ≥ threshold */
  kept: number;
  keptRatio: number;
  threshold: number;
  avgQuality: number;
}

export interface ConfigEffect {
  traces: number;
  before: SideFigures;
  after: SideFigures;
  /** traces whose validity flips, and whose kept status flips (ids, at most `limit` each) */
  becomeValid: { count: number; ids: number[] };
  becomeInvalid: { count: number; ids: number[] };
  enterKept: { count: number; ids: number[] };
  leaveKept: { count: number; ids: number[] };
  /** traces without stored parts: counted with their stored figures on both sides */
  unscored: number;
  /** rules the proposal switches on that did not run: their failures show only after re-verifying */
  notRun: string[];
}

/** A trace's validity and quality under `settings`, from its stored parts; null without parts. */
export function judgeUnder(score: StoredScore, settings: VerifierSettings): { valid: boolean; quality: number } | null {
  const parts = score.parts;
  if (!parts?.rules) return null;
  let failing = false;
  for (const [rule, tally] of Object.entries(parts.rules) as Array<[RuleId, RuleTally | undefined]>) {
    if (rule === "final.correct") continue;
    if (settings.rules[rule]?.enabled && (tally?.[1] ?? 0) > 0) failing = true;
  }
  const finalChecked = settings.rules["final.correct"]?.enabled !== false;
  const wrongAnswer = finalChecked && parts.final === 0;
  const final = finalChecked ? (parts.final ?? null) : null;
  return { valid: !failing && !wrongAnswer, quality: combineParts(stepsPart(parts.rules, settings), parts.completeness ?? null, final, settings) };
}

export function configEffect(scores: readonly StoredScore[], current: VerifierSettings, proposed: VerifierSettings, limit = 20): ConfigEffect {
  const flips = () => ({ count: 0, ids: [] as number[] });
  const effect: ConfigEffect = { traces: scores.length, before: side(current.threshold), after: side(proposed.threshold), becomeValid: flips(), becomeInvalid: flips(), enterKept: flips(), leaveKept: flips(), unscored: 0,
    notRun: (Object.keys(proposed.rules) as RuleId[]).filter((rule) => proposed.rules[rule]?.enabled && !current.rules[rule]?.enabled).sort(),
  };
  const add = (into: { count: number; ids: number[] }, id: number) => {
    into.count++;
    if (into.ids.length < limit) into.ids.push(id);
  };
  let qBefore = 0;
  let qAfter = 0;
  for (const score of scores) {
    // both sides judged the same way from the parts, so an unchanged config flips nothing
    const stored = { valid: score.valid, quality: score.quality };
    const judged = judgeUnder(score, proposed);
    if (!judged) effect.unscored++;
    const before = judged ? judgeUnder(score, current)! : stored;
    const after = judged ?? stored;
    const keptBefore = before.valid && before.quality >= current.threshold;
    const keptAfter = after.valid && after.quality >= proposed.threshold;
    if (before.valid) effect.before.valid++;
    if (after.valid) effect.after.valid++;
    if (keptBefore) effect.before.kept++;
    if (keptAfter) effect.after.kept++;
    qBefore += before.quality;
    qAfter += after.quality;
    if (!before.valid && after.valid) add(effect.becomeValid, score.traceId);
    if (before.valid && !after.valid) add(effect.becomeInvalid, score.traceId);
    if (!keptBefore && keptAfter) add(effect.enterKept, score.traceId);
    if (keptBefore && !keptAfter) add(effect.leaveKept, score.traceId);
  }
  const n = scores.length;
  for (const [s, q] of [[effect.before, qBefore], [effect.after, qAfter]] as const) {
    s.validRatio = n ? s.valid / n : 0;
    s.keptRatio = n ? s.kept / n : 0;
    s.avgQuality = n ? q / n : 0;
  }
  return effect;
}

function side(threshold: number): SideFigures {
  return { valid: 0, validRatio: 0, kept: 0, keptRatio: 0, threshold, avgQuality: 0 };
}
