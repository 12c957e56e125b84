import { z } from "zod";
import { RULE_DEFINITIONS, RULE_IDS, type RuleId } from "@/lib/verifier/rules";

// A verifier configuration's content: which rules run, their weights in the quality score,
// tolerances and the quality threshold. Stored as VerifierConfig rows (immutable once a run used
// them); v1 is inserted by the migration that introduced the verifier, with exactly these values.
// The rules' defaults come from their definitions (lib/verifier/rules/*.ts).

// Bounds (docs/limits.md): weights are finite and at most 1000, so no sum of weighted tallies can
// overflow to Infinity and turn a quality score into NaN (1e308 used to pass, and the next run failed).
export const MAX_WEIGHT = 1000;
export const ruleWeight = z.number().min(0).max(MAX_WEIGHT);
export const partWeight = z.number().min(0).max(MAX_WEIGHT);
/** Absolute numeric tolerances. */
export const tolerance = z.number().min(0).max(1e6);

export const ruleSetting = z.object({ enabled: z.boolean(), weight: ruleWeight }).strict();

export const verifierSettings = z
  .object({
    rules: z.record(z.enum(RULE_IDS), ruleSetting),
    tolerances: z
      .object({
        /** Boxes match at IoU ≥ this, or when the recorded box contains the object's centre. */
        iou: z.number().min(0).max(1),
        centreInBox: z.boolean(),
        /** Absolute tolerance for numeric tool results (distance). */
        number: tolerance,
        /** Absolute tolerance for numbers stated in reasoning (distances rounded in text). */
        claimNumber: tolerance,
      })
      .strict(),
    /** Weights of the quality score's parts; a part that is unknown for a trace drops out. */
    scoring: z.object({ steps: partWeight, completeness: partWeight, final: partWeight }).strict(),
    threshold: z.number().min(0).max(1),
  })
  .strict();

export type VerifierSettings = z.infer<typeof verifierSettings>;

export const DEFAULT_SETTINGS: VerifierSettings = {
  rules: Object.fromEntries(RULE_DEFINITIONS.map((r) => [r.id, { ...r.defaults }])) as VerifierSettings["rules"],
  tolerances: { iou: 0.5, centreInBox: true, number: 1e-6, claimNumber: 0.01 },
  scoring: { steps: 0.6, completeness: 0.2, final: 0.2 },
  threshold: 0.8,
};

export function isEnabled(settings: VerifierSettings, rule: RuleId): boolean {
  return settings.rules[rule]?.enabled ?? false;
}

/** The same settings with some rules switched off (ablations, step-level resampling). */
export function withRules(settings: VerifierSettings, disabled: readonly RuleId[]): VerifierSettings {
  const rules = { ...settings.rules };
  for (const id of disabled) if (rules[id]) rules[id] = { ...rules[id], enabled: false };
  return { ...settings, rules };
}
