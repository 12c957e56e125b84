"use client";

import Link from "next/link";
import { Bar, BarChart, CartesianGrid, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { DatasetActions } from "@/components/datasets/dataset-actions";
import type { DatasetDashboard, DatasetSummary } from "@/lib/schemas/datasets";

// One dataset on the datasets dashboard (docs/design.md §5, §6): the latest run's quality histogram
// (bins over the span the scores cover), the valid ratio of each finished run, review progress, the
// most failing rules and coverage. Charts are recharts (the repo's chart library); each has its
// figures in text beside it for screen readers and tests.

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

export function DatasetCard({ dataset, dashboard, canRename, canDelete }: { dataset: DatasetSummary; dashboard: DatasetDashboard | undefined; canRename: boolean; canDelete: boolean }) {
  const name = encodeURIComponent(dataset.name);
  const review = dashboard?.review ?? { traces: dataset.traces, complete: 0, partial: 0, decided: 0 };
  const histogram = dashboard?.histogram ?? [];
  const digits = histogram.length && histogram[0].to - histogram[0].from < 0.0099 ? 3 : 2;
  const bins = histogram.map((b) => ({ bin: b.from.toFixed(digits), label: `${b.from.toFixed(digits)}–${b.to.toFixed(digits)}`, traces: b.count }));
  const runs = (dashboard?.runs ?? []).filter((r) => r.validRatio !== null).map((r) => ({ run: `#${r.run}`, valid: Math.round((r.validRatio ?? 0) * 1000) / 10, traces: r.traces }));
  const coverage = dashboard?.coverage;
  return (
    <li data-dataset-card={dataset.name} className="flex flex-col gap-3 rounded-lg border border-slate-200 bg-white p-4">
      <div className="flex items-start justify-between gap-2">
        <div>
          <Link href={`/traces?dataset=${name}`} className="font-medium text-brand hover:underline">{dataset.name}</Link>
          <p className="text-xs text-slate-500">
            {dataset.traces.toLocaleString("en-US")} traces · {dataset.steps.toLocaleString("en-US")} steps · {dataset.images.toLocaleString("en-US")} images
          </p>
        </div>
        <DatasetActions name={dataset.name} canRename={canRename} canDelete={canDelete} />
      </div>

      {!dashboard?.latestRun ? (
        <p data-testid="card-unverified" className="rounded border border-dashed border-slate-300 px-3 py-4 text-center text-sm text-slate-500">
          {dataset.traces === 0 ? "No traces yet: import or generate some." : <>Not verified yet. <Link href={`/datasets/${name}/metrics`} className="text-brand hover:underline">Run the verifier</Link> to see quality, failing rules and coverage.</>}
        </p>
      ) : (
        <div className="grid grid-cols-2 gap-3">
          <figure data-testid="card-histogram" data-bins={bins.length} data-total={histogram.reduce((s, b) => s + b.count, 0)} className="col-span-2">
            <figcaption className="text-xs text-slate-500">
              Quality, run #{dashboard.latestRun}
              {histogram.length ? ` (${histogram[0].from.toFixed(digits)}–${histogram[histogram.length - 1].to.toFixed(digits)})` : ""}
            </figcaption>
            <div className="h-24 w-full">
              <ResponsiveContainer width="100%" height="100%">
                <BarChart data={bins} margin={{ top: 4, right: 4, bottom: 0, left: 0 }}>
                  <CartesianGrid strokeDasharray="3 3" vertical={false} />
                  <XAxis dataKey="bin" tick={{ fontSize: 10 }} interval="preserveStartEnd" />
                  <YAxis allowDecimals={false} tick={{ fontSize: 10 }} width={28} />
                  <Tooltip labelFormatter={(_, payload) => `quality ${payload?.[0]?.payload?.label ?? ""}`} />
                  <Bar dataKey="traces" fill="#6366f1" isAnimationActive={false} />
                </BarChart>
              </ResponsiveContainer>
            </div>
          </figure>
          <figure data-testid="card-runs" data-runs={runs.length} className="col-span-2">
            <figcaption className="text-xs text-slate-500">
              Valid ratio per run{runs.length ? `: ${runs.map((r) => `${r.run} ${r.valid}%`).slice(-3).join(", ")}` : ""}
            </figcaption>
            {runs.length > 1 ? (
              <div className="h-16 w-full">
                <ResponsiveContainer width="100%" height="100%">
                  <LineChart data={runs} margin={{ top: 4, right: 4, bottom: 0, left: 0 }}>
                    <XAxis dataKey="run" hide />
                    <YAxis domain={[0, 100]} hide />
                    <Tooltip formatter={(value) => [`${value}%`, "valid"]} />
                    <Line type="monotone" dataKey="valid" stroke="#10b981" strokeWidth={2} dot={{ r: 2 }} isAnimationActive={false} />
                  </LineChart>
                </ResponsiveContainer>
              </div>
            ) : null}
          </figure>
          <div>
            <p className="text-xs text-slate-500">Top failing rules</p>
            {dashboard.topRules.length ? (
              <ol data-testid="card-rules" className="mt-1 space-y-0.5 text-xs">
                {dashboard.topRules.map((r) => (
                  <li key={r.rule}>
                    <Link href={`/traces?dataset=${name}&rule=${encodeURIComponent(r.rule)}`} className="font-mono text-brand hover:underline">{r.rule}</Link>{" "}
                    <span className="text-slate-500">{r.steps.toLocaleString("en-US")} steps · {r.traces.toLocaleString("en-US")} traces</span>
                  </li>
                ))}
              </ol>
            ) : (
              <p className="mt-1 text-xs text-green-700">No rule fails.</p>
            )}
          </div>
          <div>
            <p className="text-xs text-slate-500">Coverage</p>
            {coverage && coverage.steps ? (
              <p data-testid="card-coverage" data-checked={coverage.checked} data-steps={coverage.steps} className="mt-1 text-sm tabular-nums" title="steps some rule checked, of all steps (latest run)">
                {pct(coverage.checked / coverage.steps)} <span className="text-xs text-slate-500">of steps checked</span>
              </p>
            ) : (
              <p className="mt-1 text-xs text-slate-500">—</p>
            )}
          </div>
        </div>
      )}

      <div data-testid="card-review" data-complete={review.complete} data-partial={review.partial} data-traces={review.traces}>
        <div className="flex justify-between text-xs text-slate-500">
          <span>Review</span>
          <span className="tabular-nums">
            {review.complete.toLocaleString("en-US")} complete · {review.partial.toLocaleString("en-US")} partial · {review.decided.toLocaleString("en-US")} decided of {review.traces.toLocaleString("en-US")}
          </span>
        </div>
        <div className="mt-1 flex h-2 overflow-hidden rounded bg-slate-100" role="img" aria-label={`${review.complete} of ${review.traces} traces fully labelled, ${review.partial} partly`}>
          <div className="bg-green-500" style={{ width: review.traces ? `${(review.complete / review.traces) * 100}%` : 0 }} />
          <div className="bg-amber-400" style={{ width: review.traces ? `${(review.partial / review.traces) * 100}%` : 0 }} />
        </div>
      </div>
      <div className="flex gap-3 text-xs">
        <Link href={`/traces?dataset=${name}&label=unlabeled`} className="text-brand hover:underline">review</Link>
        <Link href={`/datasets/${name}/metrics`} className="text-brand hover:underline">metrics</Link>
        <Link href={`/calibration?dataset=${name}`} className="text-brand hover:underline">calibration</Link>
      </div>
    </li>
  );
}
