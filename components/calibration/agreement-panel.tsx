"use client";

import { NoRelationTags } from "@/components/calibration/no-relation-tags";
import { AgreementStats, agreementColumns, ConfusionMatrix } from "@/components/calibration/agreement-view";
import { count, interval, fixed } from "@/components/calibration/format";
import { SortableTable, type Column } from "@/components/calibration/sortable-table";
import type { CalibrationReport } from "@/lib/schemas/calibration";
import type { BreakdownRow, CoverageAgreement, RuleAgreement } from "@/lib/calibration/steps";

// Step-level agreement: the matrix, its statistics, every rule, and the breakdowns.

export function AgreementPanel({ report, onRule }: { report: CalibrationReport; onRule: (rule: string) => void }) {
  const l = report.labels;
  const neutral = report.options.neutral === "exclude" ? "excluded" : `counted as ${report.options.neutral}`;
  const ruleColumns: Array<Column<RuleAgreement>> = [
    { key: "rule", header: "Rule", value: (r) => r.rule, render: (r) => <span className="font-mono text-xs">{r.rule}</span> },
    ...agreementColumns<RuleAgreement>(),
    { key: "skipped", header: "Not run", value: (r) => r.skipped, align: "right", title: "labelled steps on which the rule skipped or does not apply: excluded for this rule" },
    { key: "coverage", header: "Coverage", value: (r) => r.coverage.value, render: (r) => interval(r.coverage), align: "right", title: "EvalGen coverage: share of all human-rejected steps this rule fails" },
    { key: "ffr", header: "False-failure", value: (r) => r.falseFailureRate.value, render: (r) => interval(r.falseFailureRate), align: "right", title: "EvalGen false-failure rate: share of all human-accepted steps this rule fails" },
    { key: "alignment", header: "Alignment", value: (r) => r.alignment, render: (r) => fixed(r.alignment), align: "right", title: "harmonic mean of coverage and 1 − false-failure rate" },
  ];
  const breakdownColumns = (header: string): Array<Column<BreakdownRow>> => [
    { key: "key", header, value: (r) => r.key, render: (r) => <span className="font-mono text-xs">{r.key}</span> },
    ...agreementColumns<BreakdownRow>(),
  ];
  const coverageColumns: Array<Column<CoverageAgreement & { key: string }>> = [
    { key: "key", header: "Steps", value: (r) => r.key },
    { key: "labelled", header: "Labelled", value: (r) => r.labelled, align: "right", title: "labelled steps in this bucket" },
    ...agreementColumns<CoverageAgreement & { key: string }>(),
    { key: "skipped", header: "Skipped", value: (r) => r.skipped, align: "right", title: "labelled steps with no verifier pass or fail: not in the matrix" },
  ];
  const coverageRows = [
    { key: "checked", ...report.coverage.checked },
    { key: "unchecked", ...report.coverage.unchecked },
  ];
  const rules = report.ruleOrder.map((rule) => report.rules[rule]);
  return (
    <div className="space-y-6" data-testid="agreement-panel">
      <p className="text-sm text-slate-600" data-testid="label-summary" data-labelled={l.labelled} data-included={l.included}>
        <strong>{count(l.labelled)}</strong> labelled steps: {count(l.accept)} accept, {count(l.reject)} reject, {count(l.neutral)} neutral ({neutral}),{" "}
        {count(l.ties)} reviewer ties, {count(l.skipped)} the verifier skipped — <strong>{count(l.included)}</strong> in the matrix.{" "}
        <span className="text-slate-400">Positive = the step is bad (verifier fail / human reject).</span>
      </p>
      {l.labelled === 0 ? (
        <div className="rounded-lg border border-dashed border-slate-300 bg-white px-6 py-8 text-center text-sm text-slate-500">
          No step of this dataset has a human label yet. Open a trace, label its steps (accept <kbd>a</kbd>, reject <kbd>r</kbd>, neutral <kbd>n</kbd>), and come back.
        </div>
      ) : null}
      <div className="flex flex-wrap items-start gap-8">
        <ConfusionMatrix agreement={report.steps} caption="All steps" />
        <AgreementStats agreement={report.steps} />
        {report.steps.neutralOutcomes.pass + report.steps.neutralOutcomes.fail + report.steps.neutralOutcomes.skip > 0 ? (
          <div className="text-sm text-slate-600" data-testid="neutral-outcomes">
            <div className="text-xs font-medium uppercase tracking-wide text-slate-500">Neutral steps</div>
            verifier fail {report.steps.neutralOutcomes.fail}, pass {report.steps.neutralOutcomes.pass}, skip {report.steps.neutralOutcomes.skip}
          </div>
        ) : null}
      </div>
      <SortableTable
        name="agreement-coverage"
        caption="Checked vs unchecked steps (docs/design.md §5). A step is checked when a rule read its content (a rule failed, or a rule other than cross.pairing passed). An unchecked step counts as the verifier's pass when cross.pairing passed it (its call was answered), and is skipped — left out of the matrix — when no rule gave a pass or fail. The two rows add up to “All steps”."
        columns={coverageColumns}
        rows={coverageRows}
        rowKey={(r) => r.key}
        rowProps={(r) => ({ "data-key": r.key, "data-labelled": r.labelled, "data-included": r.included, "data-tp": r.tp, "data-fp": r.fp, "data-fn": r.fn, "data-tn": r.tn })}
        json={report.coverage}
      />
      <SortableTable
        name="agreement-rules"
        caption="Per rule — positive = this rule fails on the step; steps where it skipped are left out. Click a rule to explore its failures."
        columns={ruleColumns}
        rows={rules}
        rowKey={(r) => r.rule}
        rowProps={(r) => ({ "data-rule": r.rule, "data-tp": r.tp, "data-fp": r.fp, "data-fn": r.fn, "data-tn": r.tn })}
        onRowClick={(r) => onRule(r.rule)}
        json={report.rules}
      />
      <div className="grid gap-6 2xl:grid-cols-2">
        <SortableTable name="agreement-kind" caption="By step kind" columns={breakdownColumns("Kind")} rows={report.breakdowns.kind} rowKey={(r) => r.key} rowProps={(r) => ({ "data-key": r.key })} />
        <SortableTable name="agreement-tool" caption="By tool (a result counts under its call's tool)" columns={breakdownColumns("Tool")} rows={report.breakdowns.tool} rowKey={(r) => r.key} rowProps={(r) => ({ "data-key": r.key })} />
        {report.breakdowns.relationClass ? (
          <SortableTable name="agreement-relation" caption="By relation class (a step counts under each class of its question)" columns={breakdownColumns("Class")} rows={report.breakdowns.relationClass} rowKey={(r) => r.key} rowProps={(r) => ({ "data-key": r.key })} />
        ) : (
          <NoRelationTags dataset={report.dataset} taggedTraces={report.taggedTraces} scope="labelled" />
        )}
      </div>
    </div>
  );
}
