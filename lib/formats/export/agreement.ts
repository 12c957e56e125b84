import { agreement } from "@/lib/calibration/agreement";
import type { Interval } from "@/lib/calibration/intervals";
import type { StepLabel } from "@/lib/formats/export/types";

// Verifier-vs-human agreement on the exported steps for the dataset card: the count table and the
// calibration statistics (lib/calibration) over it — positive = "step is bad" (verifier fail,
// human reject), 95% Wilson intervals, Cohen's κ with its interval.

export interface AgreementCounts {
  /** [human label][verifier outcome] over steps that have both. */
  good_pass: number;
  good_fail: number;
  bad_pass: number;
  bad_fail: number;
  neutral_pass: number;
  neutral_fail: number;
}

export const emptyAgreement = (): AgreementCounts => ({ good_pass: 0, good_fail: 0, bad_pass: 0, bad_fail: 0, neutral_pass: 0, neutral_fail: 0 });

export function addAgreement(counts: AgreementCounts, label: Pick<StepLabel, "human" | "verifier">): void {
  if (label.human === null || label.verifier === null) return;
  counts[`${label.human}_${label.verifier}`]++;
}

export interface AgreementFigures {
  /** Steps with a human accept/reject and a verifier pass/fail. */
  compared: number;
  agree: number;
  /** agree / compared, null when nothing to compare. */
  rate: number | null;
  /** Human rejects the verifier passed (verifier misses) and human accepts it failed (false alarms). */
  verifierMissed: number;
  verifierFalseAlarms: number;
}

export function agreementFigures(counts: AgreementCounts): AgreementFigures {
  const compared = counts.good_pass + counts.good_fail + counts.bad_pass + counts.bad_fail;
  const agree = counts.good_pass + counts.bad_fail;
  return { compared, agree, rate: compared ? agree / compared : null, verifierMissed: counts.bad_pass, verifierFalseAlarms: counts.good_fail };
}

/** Markdown section of the dataset card. */
export function agreementSection(counts: AgreementCounts): string {
  const figures = agreementFigures(counts);
  const lines = ["## Verifier vs human agreement", ""];
  if (figures.compared === 0 && counts.neutral_pass + counts.neutral_fail === 0) {
    lines.push("No exported step has both a human label and a verifier verdict, so there is nothing to compare yet.");
    return lines.join("\n");
  }
  lines.push(
    "Steps of the exported traces that carry both a human label and a verifier outcome (the step fails when any rule fails in the chosen run).",
    "",
    "| human \\ verifier | pass | fail |",
    "|---|---:|---:|",
    `| accept | ${counts.good_pass} | ${counts.good_fail} |`,
    `| reject | ${counts.bad_pass} | ${counts.bad_fail} |`,
    `| neutral | ${counts.neutral_pass} | ${counts.neutral_fail} |`,
    "",
    figures.rate === null
      ? "Only neutral human labels overlap with verifier outcomes."
      : `Agreement on accept/reject: ${figures.agree} of ${figures.compared} steps (${(figures.rate * 100).toFixed(1)}%); the verifier passed ${figures.verifierMissed} step(s) a human rejected and failed ${figures.verifierFalseAlarms} step(s) a human accepted.`,
  );
  if (figures.compared > 0) {
    const stats = agreement({ tp: counts.bad_fail, fp: counts.good_fail, fn: counts.bad_pass, tn: counts.good_pass });
    const show = (i: Interval) => (i.value === null ? "n/a" : `${i.value.toFixed(3)} [${i.lo?.toFixed(3) ?? "?"}, ${i.hi?.toFixed(3) ?? "?"}]`);
    lines.push(
      "",
      "Positive = the step is bad (verifier fail / human reject); 95% intervals (Wilson for proportions, Fleiss–Cohen–Everitt for κ):",
      "",
      "| statistic | value [95% CI] |",
      "|---|---|",
      `| precision | ${show(stats.precision)} |`,
      `| recall | ${show(stats.recall)} |`,
      `| F1 | ${show(stats.f1Interval)} |`,
      `| Cohen's κ | ${show(stats.kappa)} |`,
    );
    if (stats.warnings.length) lines.push("", `Small sample: ${stats.warnings.map((w) => w.message).join("; ")}.`);
  }
  return lines.join("\n");
}
