"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { ConfusionMatrix } from "@/components/calibration/agreement-view";
import { fixed, interval, runLabel } from "@/components/calibration/format";
import { SortableTable } from "@/components/calibration/sortable-table";
import { Badge } from "@/components/ui/badge";
import type { Agreement } from "@/lib/calibration/agreement";
import { calibrationQueries, type CalibrationParams } from "@/lib/queries/calibration";
import type { FlipItem, RunRef } from "@/lib/schemas/calibration";

// Flips: labelled steps whose verifier outcome differs between two runs (typically two config
// versions), with agreement before and after side by side.

const OUTCOME_TONE = { fail: "fail", pass: "pass", skip: "neutral" } as const;
const EFFECT_TONE = { fixed: "pass", broken: "fail", unscored: "warn", changed: "neutral" } as const;

interface FlipsPanelProps {
  params: CalibrationParams;
  runs: RunRef[];
  onParams: (changes: Record<string, string | number | null>) => void;
}

export function FlipsPanel({ params, runs, onParams }: FlipsPanelProps) {
  const router = useRouter();
  // with fewer than two runs there is nothing to compare: no request (it would answer 404)
  const flips = useQuery({ ...calibrationQueries.flips({ ...params, limit: params.limit ?? 500 }), placeholderData: keepPreviousData, enabled: runs.length >= 2 });
  if (runs.length < 2) {
    return (
      <div className="rounded-lg border border-dashed border-slate-300 bg-white px-6 py-10 text-center text-sm text-slate-500" data-testid="flips-empty">
        <p className="font-medium text-slate-800">Flips compare two verifier runs; this dataset has {runs.length}</p>
        <p className="mt-2">Fit weights on the Fit tab, save them as a new version and re-verify — or run the verifier with another config.</p>
      </div>
    );
  }
  if (flips.error) return <p role="alert" className="rounded-md border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-800">{flips.error.message}</p>;
  const f = flips.data;
  const runSelect = (label: string, key: "before" | "after", value: number | undefined) => (
    <label className="flex flex-col gap-0.5 text-xs text-slate-500">
      {label}
      <select value={value ?? ""} onChange={(e) => onParams({ [key]: e.target.value })} data-testid={`flips-${key}`} className="rounded-md border border-slate-300 bg-white px-2 py-1 text-sm text-slate-800">
        {runs.map((r) => <option key={r.id} value={r.id}>{runLabel(r)}</option>)}
      </select>
    </label>
  );
  return (
    <div className="space-y-6" data-testid="flips-panel" data-total={f?.total ?? ""}>
      <div className="flex flex-wrap items-end gap-3">
        {runSelect("Before", "before", f?.before.id)}
        <span className="pb-1 text-slate-400">→</span>
        {runSelect("After", "after", f?.after.id)}
      </div>
      {!f ? (
        <p className="text-sm text-slate-500" role="status">Comparing runs…</p>
      ) : (
        <>
          <div className="space-y-1 text-sm text-slate-700">
            <p data-testid="flips-summary" data-fixed={f.fixed} data-broken={f.broken} data-unscored={f.unscored}>
              <strong>{f.total}</strong> labelled steps changed outcome from run {f.before.id} (v{f.before.config}) to run {f.after.id} (v{f.after.config}):{" "}
              <span className="text-green-700">{f.fixed} now agree with the human</span>, <span className="text-red-700">{f.broken} no longer do</span>,{" "}
              <span className="text-amber-700">{f.unscored} are no longer judged</span>
              {f.transitions.length ? ` (${f.transitions.map((t) => `${t.from}→${t.to} ${t.n}`).join(", ")})` : ""}.
            </p>
            <p className="text-slate-500">
              Config changes: {f.configChanges.length
                ? f.configChanges.map((c) => `${c.rule} ${c.before?.enabled ? `on ${c.before.weight}` : "off"} → ${c.after?.enabled ? `on ${c.after.weight}` : "off"}`).join("; ")
                : "none"}
              {f.thresholds.before !== f.thresholds.after ? `; threshold ${f.thresholds.before} → ${f.thresholds.after}` : ""}
            </p>
          </div>
          <div className="flex flex-wrap items-start gap-8">
            <ConfusionMatrix agreement={f.agreement.before} testId="flips-before-matrix" caption={`Before: run ${f.before.id} (v${f.before.config})`} />
            <ConfusionMatrix agreement={f.agreement.after} testId="flips-after-matrix" caption={`After: run ${f.after.id} (v${f.after.config})`} />
            <SideBySide before={f.agreement.before} after={f.agreement.after} />
          </div>
          <SortableTable
            name="flips-rules"
            caption="Per rule, before → after"
            rows={f.ruleOrder.map((rule) => ({ rule, before: f.rules.before[rule], after: f.rules.after[rule] }))}
            rowKey={(r) => r.rule}
            columns={[
              { key: "rule", header: "Rule", value: (r) => r.rule, render: (r) => <span className="font-mono text-xs">{r.rule}</span> },
              { key: "nb", header: "n before", value: (r) => r.before.n, align: "right" },
              { key: "na", header: "n after", value: (r) => r.after.n, align: "right" },
              { key: "pb", header: "Precision before", value: (r) => r.before.precision.value, render: (r) => interval(r.before.precision), align: "right" },
              { key: "pa", header: "Precision after", value: (r) => r.after.precision.value, render: (r) => interval(r.after.precision), align: "right" },
              { key: "kb", header: "Kappa before", value: (r) => r.before.kappa.value, render: (r) => fixed(r.before.kappa.value), align: "right" },
              { key: "ka", header: "Kappa after", value: (r) => r.after.kappa.value, render: (r) => fixed(r.after.kappa.value), align: "right" },
            ]}
          />
          <SortableTable<FlipItem>
            name="flips"
            caption={`Flipped steps (${f.items.length} of ${f.total}) — click a row to open the step`}
            rows={f.items}
            rowKey={(i) => String(i.stepId)}
            rowProps={(i) => ({ "data-flip-step": i.stepId, "data-trace": i.externalId, "data-step-index": i.stepIndex, "data-effect": i.effect })}
            onRowClick={(i) => router.push(`/traces/${i.traceId}?step=${i.stepIndex}`)}
            maxHeight={640}
            empty="No labelled step changed outcome between these runs."
            columns={[
              { key: "trace", header: "Trace", value: (i) => i.externalId, render: (i) => <Link href={`/traces/${i.traceId}?step=${i.stepIndex}`} className="font-mono text-xs text-brand hover:underline">{i.externalId}</Link> },
              { key: "step", header: "Step", value: (i) => i.stepIndex, align: "right" },
              { key: "kind", header: "Kind", value: (i) => i.kind },
              { key: "tool", header: "Tool", value: (i) => i.tool },
              { key: "human", header: "Human", value: (i) => i.human, render: (i) => <Badge tone={i.human === "reject" ? "fail" : i.human === "accept" ? "pass" : "neutral"}>{i.human}</Badge> },
              { key: "before", header: "Before", value: (i) => i.before.outcome, render: (i) => <Outcome outcome={i.before.outcome} rules={i.before.failing} /> },
              { key: "after", header: "After", value: (i) => i.after.outcome, render: (i) => <Outcome outcome={i.after.outcome} rules={i.after.failing} /> },
              { key: "effect", header: "Effect", value: (i) => i.effect, render: (i) => <Badge tone={EFFECT_TONE[i.effect]}>{i.effect}</Badge> },
            ]}
          />
          {f.items.length < f.total ? (
            <button type="button" className="text-sm text-brand hover:underline" onClick={() => onParams({ limit: Math.min(5000, f.limit * 2) })}>
              Show more ({f.total - f.items.length} not shown)
            </button>
          ) : null}
        </>
      )}
    </div>
  );
}

function Outcome({ outcome, rules }: { outcome: "pass" | "fail" | "skip"; rules: string[] }) {
  return (
    <span className="inline-flex items-center gap-1">
      <Badge tone={OUTCOME_TONE[outcome]}>{outcome}</Badge>
      {rules.length ? <span className="font-mono text-[11px] text-slate-500">{rules.join(", ")}</span> : null}
    </span>
  );
}

function SideBySide({ before, after }: { before: Agreement; after: Agreement }) {
  const rows: Array<[string, string, string]> = [
    ["n", String(before.n), String(after.n)],
    ["Precision", interval(before.precision), interval(after.precision)],
    ["Recall", interval(before.recall), interval(after.recall)],
    ["F1", fixed(before.f1), fixed(after.f1)],
    ["Cohen's κ", interval(before.kappa, "num"), interval(after.kappa, "num")],
  ];
  return (
    <table className="text-sm" data-testid="flips-side-by-side">
      <thead>
        <tr className="text-xs text-slate-500">
          <th />
          <th className="px-3 text-right font-medium">Before</th>
          <th className="px-3 text-right font-medium">After</th>
        </tr>
      </thead>
      <tbody>
        {rows.map(([name, b, a]) => (
          <tr key={name}>
            <th scope="row" className="pr-3 text-left font-normal text-slate-500">{name}</th>
            <td className="px-3 text-right tabular-nums">{b}</td>
            <td className="px-3 text-right tabular-nums">{a}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
