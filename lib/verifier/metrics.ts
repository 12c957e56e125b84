import { combineParts, stepsPart, type ScoreParts } from "@/lib/verifier/score";
import type { VerifierSettings } from "@/lib/verifier/config";
import { CROSS_RULES, RULE_IDS, STEP_RULES, type RuleId } from "@/lib/verifier/rules";
import { binEdges, binIndex, histogramRange } from "@/lib/verifier/histogram";

// The papers' metrics over verified traces (SpatialTraceGen Table 1 and its ablation), computed
// from TraceScores alone — no verdict joins — so they are cheap on any dataset.

export interface ScoredTrace {
  method: string;
  quality: number;
  valid: boolean;
  parts: ScoreParts;
}

export interface MethodMetrics {
  method: string;
  traces: number;
  avgQuality: number;
  qualityVariance: number;
  validRatio: number;
  /** Mean share of program nodes covered, over traces with a known program. */
  stepCompleteness: number | null;
  /** Share of tool calls whose call and result steps pass (all traces pooled). */
  toolCallAccuracy: number | null;
}

function summarise(method: string, traces: ScoredTrace[]): MethodMetrics {
  const n = traces.length;
  const mean = n ? traces.reduce((s, t) => s + t.quality, 0) / n : 0;
  const variance = n ? traces.reduce((s, t) => s + (t.quality - mean) ** 2, 0) / n : 0;
  const withProgram = traces.filter((t) => t.parts.completeness !== null && t.parts.completeness !== undefined);
  let calls = 0;
  let accurate = 0;
  for (const t of traces) {
    calls += t.parts.calls ?? 0;
    accurate += t.parts.accurateCalls ?? 0;
  }
  return {
    method,
    traces: n,
    avgQuality: mean,
    qualityVariance: variance,
    validRatio: n ? traces.filter((t) => t.valid).length / n : 0,
    stepCompleteness: withProgram.length ? withProgram.reduce((s, t) => s + (t.parts.completeness ?? 0), 0) / withProgram.length : null,
    toolCallAccuracy: calls ? accurate / calls : null,
  };
}

export interface PaperMetrics {
  overall: MethodMetrics;
  byMethod: MethodMetrics[];
}

export function paperMetrics(traces: ScoredTrace[]): PaperMetrics {
  const groups = new Map<string, ScoredTrace[]>();
  for (const t of traces) {
    const group = groups.get(t.method);
    if (group) group.push(t);
    else groups.set(t.method, [t]);
  }
  return {
    overall: summarise("all", traces),
    byMethod: [...groups.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([method, group]) => summarise(method, group)),
  };
}

export const ABLATIONS = ["full", "no step-level checks", "no cross-step checks", "no quality filtering"] as const;
export type AblationName = (typeof ABLATIONS)[number];

export interface AblationRow {
  variant: AblationName;
  /** The enabled rules the variant switches off (from the registry's scopes); empty for full and no quality filtering. */
  off: RuleId[];
  /** Traces the pipeline keeps under this variant. */
  kept: number;
  /** Mean quality (full verifier) of the kept traces. */
  avgQuality: number;
  /** Share of the kept traces that are valid under the full verifier. */
  validRatio: number;
  deltaQuality: number;
  deltaValid: number;
}

/**
 * The ablation table. The pipeline keeps a trace when it is valid and its quality reaches the
 * threshold, both judged with the variant's rules (or keeps everything without quality
 * filtering); the kept set is then scored with the full verifier. Δ = variant − full.
 */
export function ablationTable(traces: ScoredTrace[], settings: VerifierSettings): AblationRow[] {
  const enabled = RULE_IDS.filter((r) => settings.rules[r]?.enabled);
  const variants: Record<AblationName, RuleId[] | null> = {
    full: enabled,
    "no step-level checks": enabled.filter((r) => !STEP_RULES.includes(r)),
    "no cross-step checks": enabled.filter((r) => !CROSS_RULES.includes(r)),
    "no quality filtering": null,
  };
  const rows = ABLATIONS.map((variant) => {
    const rules = variants[variant];
    const kept = rules === null ? traces : traces.filter((t) => keeps(t, rules, settings));
    const n = kept.length;
    return {
      variant,
      off: rules === null ? [] : enabled.filter((r) => !rules.includes(r)),
      kept: n,
      avgQuality: n ? kept.reduce((s, t) => s + t.quality, 0) / n : 0,
      validRatio: n ? kept.filter((t) => t.valid).length / n : 0,
      deltaQuality: 0,
      deltaValid: 0,
    };
  });
  const full = rows[0];
  for (const row of rows) {
    row.deltaQuality = row.avgQuality - full.avgQuality;
    row.deltaValid = row.validRatio - full.validRatio;
  }
  return rows;
}

function keeps(trace: ScoredTrace, rules: RuleId[], settings: VerifierSettings): boolean {
  const tallies = trace.parts.rules ?? {};
  for (const rule of rules) if ((tallies[rule]?.[1] ?? 0) > 0) return false;
  const final = rules.includes("final.correct") ? trace.parts.final : null;
  const quality = combineParts(stepsPart(tallies, settings, rules), trace.parts.completeness, final ?? null, settings);
  return quality >= settings.threshold;
}

export interface HistogramBin {
  from: number;
  to: number;
  counts: Record<string, number>;
}

/**
 * Quality histogram, at most `bins` equal bins over the range the scores span (histogramRange:
 * scaled to where the data is, not 0–1 with everything in one bar), counts per method.
 */
export function qualityHistogram(traces: ScoredTrace[], bins = 20): HistogramBin[] {
  let min: number | null = null;
  let max: number | null = null;
  for (const t of traces) {
    min = min === null ? t.quality : Math.min(min, t.quality);
    max = max === null ? t.quality : Math.max(max, t.quality);
  }
  const range = histogramRange(min, max, bins);
  const result: HistogramBin[] = binEdges(range).map((e) => ({ ...e, counts: {} }));
  for (const t of traces) {
    const index = binIndex(range, t.quality);
    result[index].counts[t.method] = (result[index].counts[t.method] ?? 0) + 1;
  }
  return result;
}
