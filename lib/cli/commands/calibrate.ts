import type { z } from "zod";
import { defineCommand, percent, table } from "@/lib/cli/command";
import type { Agreement } from "@/lib/calibration/agreement";
import type { Interval } from "@/lib/calibration/intervals";
import { AppError } from "@/lib/errors";
import {
  calibrationQuery,
  failuresQuery,
  fitQuery,
  flipsQuery,
  type CalibrationReport,
  type FailuresReport,
  type FitProposalDto,
  type FlipsReport,
  type ReverifyResultDto,
  type SavedConfigDto,
} from "@/lib/schemas/calibration";
import { getCalibration, getFailures, getFitProposal, getFlips, reverify, saveFittedConfig } from "@/lib/services/calibration/calibration";

// `stepwise calibrate [report|fit|flips|failures]`: verifier-vs-human agreement (docs/calibration.md).

const ACTIONS = ["report", "fit", "flips", "failures"] as const;

type FitResult = FitProposalDto & { saved?: SavedConfigDto; reverified?: ReverifyResultDto };
type Result = CalibrationReport | FitResult | FlipsReport | FailuresReport;

function parse<S extends z.ZodType>(schema: S, input: Record<string, unknown>): z.infer<S> {
  const result = schema.safeParse(Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined)));
  if (result.success) return result.data;
  const flag = (path: PropertyKey[]) => `--${String(path[0] ?? "").replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
  throw new AppError("invalid_input", result.error.issues.map((i) => `${flag(i.path)}: ${i.message}`).join("; "));
}

const pct = (x: number | null) => percent(x) ?? "—";
const num = (x: number | null, digits = 3) => (x === null ? "—" : x.toFixed(digits));
const ci = (i: Interval, format = pct) => (i.value === null ? "—" : `${format(i.value)} [${format(i.lo)}, ${format(i.hi)}]`);
const ciNum = (i: Interval) => ci(i, (x) => num(x));

function agreementRow(name: string, a: Agreement): Array<string | number> {
  return [name, a.n, a.tp, a.fp, a.fn, a.tn, ci(a.precision), ci(a.recall), num(a.f1), ciNum(a.kappa), a.warnings.length ? "⚠" : ""];
}
const AGREEMENT_HEADERS = ["", "n", "tp", "fp", "fn", "tn", "precision [95% CI]", "recall [95% CI]", "F1", "κ [95% CI]", ""];

function renderReport(r: CalibrationReport): string {
  if (!r.run) return `Dataset "${r.dataset}" has no verifier run yet: run \`stepwise verify --dataset ${r.dataset}\`.`;
  const l = r.labels;
  const lines = [
    `Calibration of ${r.dataset}, run ${r.run.id} (verifier config v${r.run.config}); positive = the step is bad (verifier fail / human reject)`,
    `Labelled steps ${l.labelled}: accept ${l.accept}, reject ${l.reject}, neutral ${l.neutral} (${r.options.neutral === "exclude" ? "excluded" : `counted as ${r.options.neutral}`}), ties ${l.ties}, verifier skipped ${l.skipped}; in the matrix ${l.included}`,
    "",
    table(AGREEMENT_HEADERS, [agreementRow("all steps", r.steps), agreementRow("  checked", r.coverage.checked), agreementRow("  unchecked", r.coverage.unchecked), ...r.ruleOrder.map((rule) => agreementRow(rule, r.rules[rule]))]),
    `Coverage: ${r.coverage.checked.labelled} labelled steps checked, ${r.coverage.unchecked.labelled} unchecked (no rule read them: counted as a pass when cross.pairing passed them, else skipped — ${r.coverage.unchecked.skipped} left out of the matrix)`,
  ];
  const warnings = [...r.steps.warnings.map((w) => `all steps: ${w.message}`), ...r.ruleOrder.flatMap((rule) => r.rules[rule].warnings.map((w) => `${rule}: ${w.message}`))];
  if (warnings.length) lines.push("", ...warnings.map((w) => `⚠ ${w}`));
  const t = r.traces;
  lines.push("", `Traces with a decision: ${t.n} (accepted ${t.accepted}, rejected ${t.rejected}, ties ${t.ties}); quality ROC AUC ${ci(t.aucInterval, (x) => num(x))}`);
  lines.push(t.recommended
    ? `Recommended threshold for precision ≥ ${pct(t.targetPrecision)}: ${num(t.recommended.threshold)} (precision ${pct(t.recommended.precision)}, recall ${pct(t.recommended.recall)}, keeps ${t.recommended.kept})`
    : `No threshold reaches precision ${pct(t.targetPrecision)} on the labelled traces.`);
  if (t.reliability.ece !== null) lines.push(`Expected calibration error (10 bins): ${num(t.reliability.ece)}`);
  return lines.join("\n");
}

function renderFit(f: FitResult): string {
  const lines = [
    `Fit on ${f.proposal.n} labelled ${f.target} (${f.proposal.rejects} rejected) of ${f.dataset}, run ${f.run.id}, parent config v${f.parent.version}; ridge λ = ${f.proposal.l2}`,
    "",
    table(["rule", "β", "95% CI", "odds ×", "failures", "rejected", "now", "proposed"], f.proposal.coefficients.map((c) => [
      c.rule, num(c.beta, 2), c.lo === null ? "—" : `[${num(c.lo, 2)}, ${num(c.hi, 2)}]`, num(c.oddsRatio, 2), c.failures, c.failuresRejected,
      c.current.enabled ? `on ${c.current.weight}` : "off", c.proposed.enabled ? `on ${c.proposed.weight}` : "off",
    ])),
    "",
    f.threshold.proposed ? `Threshold: ${num(f.threshold.current)} now → ${num(f.threshold.proposed.threshold)} for precision ≥ ${pct(f.threshold.targetPrecision)}` : `Threshold: ${num(f.threshold.current)} (no threshold reaches the target precision)`,
  ];
  if (f.agreement) lines.push(`Step agreement on the labelled steps: κ ${num(f.agreement.current.kappa.value)} now → ${num(f.agreement.proposed.kappa.value)} with the proposal`);
  if (f.saved) lines.push(`Saved as verifier config v${f.saved.version} (parent v${f.saved.parentVersion}).`);
  if (f.reverified) lines.push(`Re-verified: run ${f.reverified.run} with v${f.reverified.config} (${f.reverified.steps} steps). Flips: stepwise calibrate flips --dataset ${f.dataset}`);
  else if (f.saved) lines.push(`Re-verify with: stepwise verify --dataset ${f.dataset} --config ${f.saved.version}`);
  return lines.join("\n");
}

function renderFlips(f: FlipsReport): string {
  return [
    `Flips in ${f.dataset}: run ${f.before.id} (v${f.before.config}) → run ${f.after.id} (v${f.after.config}): ${f.total} labelled steps changed outcome, ${f.fixed} now agree with the human, ${f.broken} no longer do, ${f.unscored} are no longer judged`,
    `Config changes: ${f.configChanges.map((c) => `${c.rule} ${c.before?.enabled ? `on ${c.before.weight}` : "off"} → ${c.after?.enabled ? `on ${c.after.weight}` : "off"}`).join(", ") || "none"}`,
    "",
    table(AGREEMENT_HEADERS, [agreementRow("before", f.agreement.before), agreementRow("after", f.agreement.after)]),
    "",
    table(["trace", "step", "kind", "human", "before", "after", "effect"], f.items.map((i) => [i.externalId, i.stepIndex, i.kind, i.human, `${i.before.outcome} ${i.before.failing.join(",")}`.trim(), `${i.after.outcome} ${i.after.failing.join(",")}`.trim(), i.effect])),
  ].join("\n");
}

function renderFailures(f: FailuresReport): string {
  if (!f.run) return `Dataset "${f.dataset}" has no verifier run yet.`;
  const rows = (list: FailuresReport["breakdowns"]["rule"]) => list.map((r) => [r.key, r.failures, r.steps, r.humans.reject, r.humans.accept, ci(r.confirmed)]);
  const headers = ["", "failures", "steps", "human reject", "human accept", "confirmed"];
  return [
    `Failures in ${f.dataset}, run ${f.run.id}: ${f.totalFailures} failing (step, rule) pairs on ${f.totalFailingSteps} steps`,
    "", table(headers, rows(f.breakdowns.rule)),
    "", table(headers, rows(f.breakdowns.kind)),
    "", table(headers, rows(f.breakdowns.tool)),
    "", f.breakdowns.relationClass ? table(headers, rows(f.breakdowns.relationClass)) : "No relation tags on this dataset's questions.",
    "", table(["trace", "step", "rule", "human", "message"], f.examples.map((e) => [e.externalId, e.stepIndex, e.rule, e.human ?? "—", e.message ?? ""])),
  ].join("\n");
}

export default defineCommand({
  name: "calibrate",
  summary: "Verifier-vs-human agreement with confidence intervals, rule-weight fit, flips, failures",
  usage: [
    "stepwise calibrate [report] --dataset NAME [--run ID] [--neutral exclude|accept|reject] [--reviewer NAME]",
    "                   [--source all|gold|human|external] [--target-precision 0.9] [--min-n 30] [--json]",
    "stepwise calibrate fit --dataset NAME [--run ID] [--target steps|traces] [--l2 1] [--save [--name NAME]] [--reverify]",
    "stepwise calibrate flips --dataset NAME [--before RUN] [--after RUN] [--limit 200]",
    "stepwise calibrate failures --dataset NAME [--run ID] [--rule R] [--kind K] [--tool T] [--class C] [--limit 50]",
    "",
    "report: confusion matrix, precision, recall, F1 and Cohen's κ with 95% intervals, overall and per rule;",
    "        quality score vs trace decisions (ROC AUC, threshold sweep, recommended threshold).",
    "        Positive class = the step is bad (verifier fail / human reject). Default run: the latest.",
    "fit:    logistic regression of human labels on rule failures → proposed weights and threshold;",
    "        --save creates a new verifier config version (parent: the run's config), --reverify runs it.",
    "flips:  labelled steps whose outcome differs between two runs (default: the latest two).",
  ].join("\n"),
  options: {
    dataset: { type: "string" },
    run: { type: "string" },
    neutral: { type: "string" },
    reviewer: { type: "string" },
    source: { type: "string" },
    "target-precision": { type: "string" },
    "min-n": { type: "string" },
    target: { type: "string" },
    l2: { type: "string" },
    save: { type: "boolean", default: false },
    name: { type: "string" },
    reverify: { type: "boolean", default: false },
    before: { type: "string" },
    after: { type: "string" },
    limit: { type: "string" },
    rule: { type: "string" },
    kind: { type: "string" },
    tool: { type: "string" },
    class: { type: "string" },
  },
  positionals: true,
  run: async ({ values, positionals, progress }): Promise<Result> => {
    const action = positionals[0] ?? "report";
    if (!(ACTIONS as readonly string[]).includes(action) || positionals.length > 1) {
      throw new AppError("invalid_input", `calibrate takes one of ${ACTIONS.join(", ")} (got ${positionals.join(" ")})`);
    }
    if (!values.dataset) throw new AppError("invalid_input", "--dataset NAME is required");
    const common = {
      dataset: values.dataset, neutral: values.neutral, reviewer: values.reviewer, source: values.source,
      minN: values["min-n"], targetPrecision: values["target-precision"],
    };
    if (action === "report") return getCalibration(parse(calibrationQuery, { ...common, run: values.run }));
    if (action === "flips") return getFlips(parse(flipsQuery, { ...common, before: values.before, after: values.after, limit: values.limit }));
    if (action === "failures") {
      return getFailures(parse(failuresQuery, { ...common, run: values.run, rule: values.rule, kind: values.kind, tool: values.tool, relationClass: values.class, limit: values.limit }));
    }
    const fit: FitResult = await getFitProposal(parse(fitQuery, { ...common, run: values.run, target: values.target, l2: values.l2 }));
    if (!values.save) {
      if (values.reverify) throw new AppError("invalid_input", "--reverify needs --save (it verifies with the saved version)");
      return fit;
    }
    fit.saved = await saveFittedConfig({
      dataset: fit.dataset,
      run: fit.run.id,
      rules: fit.proposal.rules,
      threshold: fit.threshold.proposed?.threshold ?? fit.threshold.current,
      name: values.name as string | undefined,
    });
    if (values.reverify) {
      progress(`verifying ${fit.dataset} with v${fit.saved.version}…`);
      fit.reverified = await reverify({ dataset: fit.dataset, config: fit.saved.version });
    }
    return fit;
  },
  render: (result: Result) => {
    if ("proposal" in result) return renderFit(result);
    if ("fixed" in result) return renderFlips(result);
    if ("examples" in result) return renderFailures(result);
    return renderReport(result);
  },
});
