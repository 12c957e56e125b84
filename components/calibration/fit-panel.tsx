"use client";

import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useState } from "react";
import { ConfusionMatrix, Warnings } from "@/components/calibration/agreement-view";
import { CoefficientChart } from "@/components/calibration/charts";
import { fixed, interval, pct } from "@/components/calibration/format";
import { SortableTable } from "@/components/calibration/sortable-table";
import { Button } from "@/components/ui/button";
import { RunError, RunProgress } from "@/components/verdicts/run-progress";
import { fitWarnings } from "@/lib/calibration/agreement";
import type { Coefficient, RuleSetting } from "@/lib/calibration/proposal";
import { calibrationKeys, calibrationMutations, calibrationQueries, type CalibrationParams } from "@/lib/queries/calibration";
import type { FitProposalDto } from "@/lib/schemas/calibration";

// Fit: logistic regression of human labels on rule failures → proposed rule switches, weights and
// threshold (editable), saved as a new immutable verifier config version, then re-verify.

interface FitPanelProps {
  params: CalibrationParams;
  onParams: (changes: Record<string, string | number | null>) => void;
  onReverified: (before: number, after: number) => void;
}

export function FitPanel({ params, onParams, onReverified }: FitPanelProps) {
  const fit = useQuery(calibrationQueries.fit(params));
  if (fit.error) return <p role="alert" className="rounded-md border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-800">{fit.error.message}</p>;
  if (!fit.data) return <p className="text-sm text-slate-500" role="status">Fitting…</p>;
  // the editor's state starts from the proposal: a new fit (other target, λ, labels) starts over
  return <FitEditor key={JSON.stringify(calibrationKeys.fit(params))} fit={fit.data} onParams={onParams} onReverified={onReverified} />;
}

function FitEditor({ fit, onParams, onReverified }: Omit<FitPanelProps, "params"> & { fit: FitProposalDto }) {
  const queryClient = useQueryClient();
  const [rules, setRules] = useState<Record<string, RuleSetting>>(fit.proposal.rules);
  const [threshold, setThreshold] = useState(String(fit.threshold.proposed?.threshold ?? fit.threshold.current));
  const [name, setName] = useState("");
  const [saveAnyway, setSaveAnyway] = useState(false);
  const p = fit.proposal;
  const warnings = fitWarnings(p.n, p.rejects);
  const notes = `Fitted on ${p.n} labelled ${fit.target} of ${fit.dataset} (run ${fit.run.id}, ${p.rejects} rejected); ridge λ = ${p.l2}; threshold for precision ≥ ${fit.threshold.targetPrecision}.`;

  const save = useMutation({
    mutationFn: () => calibrationMutations.saveFit({ dataset: fit.dataset, run: fit.run.id, rules, threshold: Number(threshold), name: name.trim() || undefined, notes }),
  });
  const reverify = useMutation({
    mutationFn: (config: number) => calibrationMutations.reverify({ dataset: fit.dataset, config }),
    onSuccess: async (result) => {
      await queryClient.invalidateQueries({ queryKey: calibrationKeys.all });
      onReverified(fit.run.id, result.run);
    },
  });

  const changed = fit.ruleOrder.filter((rule) => JSON.stringify(rules[rule]) !== JSON.stringify(fit.parent.rules[rule]));
  const thresholdValue = Number(threshold);
  const thresholdValid = threshold !== "" && thresholdValue >= 0 && thresholdValue <= 1;
  const setRule = (rule: string, change: Partial<RuleSetting>) => setRules((r) => ({ ...r, [rule]: { ...r[rule], ...change } }));

  return (
    <div className="space-y-6" data-testid="fit-panel" data-n={p.n}>
      <div className="flex flex-wrap items-end gap-4 text-sm">
        <label className="flex flex-col gap-0.5 text-xs text-slate-500">
          Fit on
          <select value={fit.target} onChange={(e) => onParams({ target: e.target.value })} data-testid="fit-target" className="rounded-md border border-slate-300 bg-white px-2 py-1 text-sm text-slate-800">
            <option value="steps">step labels</option>
            <option value="traces">trace decisions (rule failing anywhere in the trace)</option>
          </select>
        </label>
        <label className="flex flex-col gap-0.5 text-xs text-slate-500" title="ridge penalty: keeps coefficients finite with few labels or a rule whose every failure is rejected">
          Ridge λ
          <input type="number" min={0} step={0.1} defaultValue={p.l2} onBlur={(e) => onParams({ l2: e.target.value })} className="w-20 rounded-md border border-slate-300 bg-white px-2 py-1 text-sm text-slate-800" />
        </label>
        <p className="text-slate-600">
          {p.n} labelled {fit.target} ({p.rejects} rejected) of run {fit.run.id}, parent config <strong>v{fit.parent.version}</strong>.{" "}
          {p.converged ? `Converged in ${p.iterations} Newton steps` : "Did not converge"}; McFadden pseudo-R² {fixed(p.pseudoR2)}.
        </p>
      </div>
      {p.n === 0 ? (
        <p className="rounded-md border border-amber-200 bg-amber-50 px-3 py-2 text-sm text-amber-900">No labelled {fit.target} with a verifier outcome: label some first. The proposal below is the parent config unchanged.</p>
      ) : null}

      <SortableTable<Coefficient>
        name="fit-coefficients"
        caption="Fitted coefficients and the proposal — edit before saving"
        rows={p.coefficients}
        rowKey={(c) => c.rule}
        rowProps={(c) => ({ "data-rule": c.rule, "data-proposed-enabled": String(rules[c.rule]?.enabled ?? false), "data-beta": c.beta ?? "" })}
        json={p}
        columns={[
          { key: "rule", header: "Rule", value: (c) => c.rule, render: (c) => <span className="font-mono text-xs">{c.rule}</span> },
          { key: "failures", header: "Failures", value: (c) => c.failures, align: "right", title: "labelled items on which the rule failed" },
          { key: "rejected", header: "…rejected", value: (c) => c.failuresRejected, align: "right" },
          { key: "beta", header: "Coef. β [95% CI]", value: (c) => c.beta, render: (c) => (c.beta === null ? "—" : `${c.beta.toFixed(2)} [${fixed(c.lo, 2)}, ${fixed(c.hi, 2)}]`), align: "right" },
          { key: "odds", header: "Odds ×", value: (c) => c.oddsRatio, render: (c) => fixed(c.oddsRatio, 2), align: "right" },
          { key: "current", header: "Now", value: (c) => (c.current.enabled ? c.current.weight : null), render: (c) => (c.current.enabled ? `on · ${c.current.weight}` : "off") },
          {
            key: "proposed",
            header: "Proposed",
            value: (c) => (rules[c.rule]?.enabled ? rules[c.rule].weight : null),
            render: (c) => (
              <span className="inline-flex items-center gap-2" onClick={(e) => e.stopPropagation()}>
                <label className="inline-flex items-center gap-1">
                  <input type="checkbox" checked={rules[c.rule]?.enabled ?? false} onChange={(e) => setRule(c.rule, { enabled: e.target.checked })} aria-label={`${c.rule} enabled`} />
                  on
                </label>
                <input
                  type="number"
                  min={0}
                  step={0.1}
                  value={rules[c.rule]?.weight ?? 0}
                  onChange={(e) => setRule(c.rule, { weight: Math.max(0, Number(e.target.value)) })}
                  aria-label={`${c.rule} weight`}
                  className="w-16 rounded border border-slate-300 px-1 py-0.5 text-right text-xs"
                />
              </span>
            ),
          },
          { key: "reason", header: "Why", value: (c) => c.reason, render: (c) => <span className="whitespace-normal text-xs text-slate-500">{c.reason}</span> },
        ]}
      />

      <div className="grid gap-6 xl:grid-cols-2">
        <CoefficientChart coefficients={p.coefficients} />
        <div className="space-y-4">
          {fit.agreement ? (
            <div>
              <div className="mb-2 text-sm font-medium text-slate-700">Step agreement on the same labelled steps (predicted: a switched-off rule emits no verdict)</div>
              <div className="flex flex-wrap gap-6">
                <div>
                  <ConfusionMatrix agreement={fit.agreement.current} testId="fit-current-matrix" caption={`Now (v${fit.parent.version})`} />
                  <p className="mt-1 text-xs text-slate-600">κ {interval(fit.agreement.current.kappa, "num")} · precision {pct(fit.agreement.current.precision.value)}</p>
                </div>
                <div>
                  <ConfusionMatrix agreement={fit.agreement.proposed} testId="fit-proposed-matrix" caption="With the proposal" />
                  <p className="mt-1 text-xs text-slate-600">κ {interval(fit.agreement.proposed.kappa, "num")} · precision {pct(fit.agreement.proposed.precision.value)}</p>
                </div>
              </div>
            </div>
          ) : null}
          <div className="rounded-lg border border-slate-200 bg-white p-3 text-sm">
            <label className="flex items-center gap-2">
              Quality threshold
              <input type="number" min={0} max={1} step={0.01} value={threshold} onChange={(e) => setThreshold(e.target.value)} data-testid="fit-threshold" className="w-24 rounded border border-slate-300 px-1.5 py-0.5" />
            </label>
            <p className="mt-1 text-xs text-slate-500">
              now {fixed(fit.threshold.current)};{" "}
              {fit.threshold.proposed
                ? `recommended ${fixed(fit.threshold.proposed.threshold)} for precision ≥ ${pct(fit.threshold.targetPrecision)} (recall ${pct(fit.threshold.proposed.recall)}) on the quality scores under the proposed weights`
                : `no threshold reaches precision ${pct(fit.threshold.targetPrecision)} on the labelled traces`}
            </p>
          </div>
        </div>
      </div>

      <div className="rounded-lg border border-slate-200 bg-white p-4" data-testid="fit-save">
        <div className="flex flex-wrap items-end gap-3">
          <label className="flex flex-col gap-0.5 text-xs text-slate-500">
            Name of the new version
            <input value={name} onChange={(e) => setName(e.target.value)} placeholder={`fit of run ${fit.run.id}`} className="w-64 rounded-md border border-slate-300 px-2 py-1 text-sm text-slate-800" />
          </label>
          <Button variant="primary" onClick={() => save.mutate()} disabled={save.isPending || save.isSuccess || !thresholdValid || (warnings.length > 0 && !saveAnyway)}>
            {save.isPending ? "Saving…" : `Save as a new version (parent v${fit.parent.version})`}
          </Button>
          <span className="text-xs text-slate-500">
            {changed.length ? `changes ${changed.join(", ")}` : "no rule changes"}{thresholdValid && thresholdValue !== fit.threshold.current ? `; threshold ${fit.threshold.current} → ${thresholdValue}` : ""}
          </span>
        </div>
        {warnings.length ? (
          <div className="mt-3 rounded-md border border-amber-200 bg-amber-50 px-3 py-2" data-testid="fit-warnings">
            <Warnings warnings={warnings} />
            <label className="mt-2 flex items-center gap-2 text-sm text-amber-900">
              <input type="checkbox" checked={saveAnyway} onChange={(e) => setSaveAnyway(e.target.checked)} data-testid="fit-save-anyway" />
              Save anyway (label more {fit.target} for a fit you can trust)
            </label>
          </div>
        ) : null}
        <FitEffect dataset={fit.dataset} run={fit.run.id} rules={rules} threshold={thresholdValid ? thresholdValue : null} />
        {save.error ? <p role="alert" className="mt-2 text-sm text-red-700">{save.error.message}</p> : null}
        {save.data ? (
          <div className="mt-3 flex flex-wrap items-center gap-3 text-sm" data-testid="fit-saved" data-version={save.data.version}>
            <span>
              Saved <strong>v{save.data.version}</strong> “{save.data.name}” (parent v{save.data.parentVersion}). Configs are immutable once used: further changes make further versions.
            </span>
            <Button variant="primary" onClick={() => reverify.mutate(save.data.version)} disabled={reverify.isPending || reverify.isSuccess}>
              {reverify.isPending ? `Verifying ${fit.dataset}…` : `Re-verify ${fit.dataset} with v${save.data.version}`}
            </Button>
            {reverify.isPending ? <RunProgress dataset={fit.dataset} /> : null}
            {reverify.error ? <RunError error={reverify.error} /> : null}
          </div>
        ) : null}
      </div>
    </div>
  );
}

/**
 * What saving would change on the fitted run (POST /api/calibration/fit/effect, nothing written):
 * valid ratio and kept traces before → after, and the traces that flip. Validity follows the rule
 * switches; the threshold decides which valid traces are kept.
 */
function FitEffect({ dataset, run, rules, threshold }: { dataset: string; run: number; rules: Record<string, RuleSetting>; threshold: number | null }) {
  const effect = useQuery({
    queryKey: [...calibrationKeys.all, "fit-effect", dataset, run, rules, threshold],
    queryFn: () => calibrationMutations.fitEffect({ dataset, run, rules, threshold: threshold ?? 0 }),
    enabled: threshold !== null,
    placeholderData: keepPreviousData,
  });
  const e = effect.data;
  const ids = (list: { count: number; ids: number[] }) =>
    list.ids.map((id, i) => (
      <span key={id}>
        {i ? ", " : ""}
        <Link href={`/traces/${id}`} className="text-brand hover:underline">#{id}</Link>
      </span>
    ));
  return (
    <div className="mt-3 rounded-md border border-slate-200 bg-slate-50 px-3 py-2 text-sm" data-testid="fit-threshold-effect" data-valid-before={e?.before.valid ?? ""} data-valid-after={e?.after.valid ?? ""} data-kept-before={e?.before.kept ?? ""} data-kept-after={e?.after.kept ?? ""}>
      <div className="font-medium text-slate-700">What saving changes on run {run}</div>
      {effect.error ? <p role="alert" className="text-red-700">{effect.error.message}</p> : null}
      {!e ? (
        <p className="text-slate-500" role="status">{threshold === null ? "Enter a threshold between 0 and 1." : "Working it out…"}</p>
      ) : (
        <ul className="mt-1 space-y-1 text-slate-700">
          <li>
            Valid ratio <strong>{pct(e.before.validRatio)} → {pct(e.after.validRatio)}</strong> of {e.traces.toLocaleString("en-US")} traces
            {e.becomeValid.count || e.becomeInvalid.count ? (
              <>: {e.becomeValid.count} become valid{e.becomeValid.count ? <> ({ids(e.becomeValid)}{e.becomeValid.count > e.becomeValid.ids.length ? ", …" : ""})</> : null}, {e.becomeInvalid.count} invalid{e.becomeInvalid.count ? <> ({ids(e.becomeInvalid)}{e.becomeInvalid.count > e.becomeInvalid.ids.length ? ", …" : ""})</> : null}</>
            ) : " (no trace changes validity: a trace is valid when no enabled rule fails on it, so only rule switches change it)"}
            .
          </li>
          <li>
            Kept (valid, quality ≥ threshold {fixed(e.before.threshold)} → {fixed(e.after.threshold)}): <strong>{e.before.kept.toLocaleString("en-US")} → {e.after.kept.toLocaleString("en-US")}</strong>
            {e.enterKept.count || e.leaveKept.count ? <>; {e.enterKept.count} enter{e.enterKept.count ? <> ({ids(e.enterKept)})</> : null}, {e.leaveKept.count} leave{e.leaveKept.count ? <> ({ids(e.leaveKept)})</> : null}</> : ""}. Average quality {fixed(e.before.avgQuality)} → {fixed(e.after.avgQuality)}.
          </li>
          {e.notRun.length ? <li className="text-amber-800">Switched on but not run in run {run}: {e.notRun.join(", ")} — their failures show only after re-verifying.</li> : null}
          <li className="text-xs text-slate-500">The review queue&apos;s borderline band follows the threshold; exports filter by the <code>min quality</code> you give them.</li>
        </ul>
      )}
    </div>
  );
}
