"use client";

import { Bar, BarChart, CartesianGrid, Legend, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { METHOD_LABELS } from "@/components/metrics/method-table";
import type { HistogramBin } from "@/lib/verifier/metrics";

// Quality-score histogram, stacked by generation method, with the quality threshold marked.
// Rendered with recharts (see docs/verifier.md for why); the data also sits in a table for
// screen readers.

const COLORS = ["#6366f1", "#f59e0b", "#10b981", "#ef4444", "#0ea5e9", "#8b5cf6"];

export function QualityHistogram({ bins, methods, threshold }: { bins: HistogramBin[]; methods: string[]; threshold: number | null }) {
  // the bins span where the scores are (lib/verifier/histogram.ts): edges need three digits when narrow
  const digits = bins.length && bins[0].to - bins[0].from < 0.0099 ? 3 : 2;
  const data = bins.map((b) => ({ bin: b.from.toFixed(digits), label: `${b.from.toFixed(digits)}–${b.to.toFixed(digits)}`, ...b.counts }));
  const thresholdBin = threshold === null ? undefined : bins.find((b, i) => threshold >= b.from && (threshold < b.to || i === bins.length - 1) && threshold <= b.to);
  const total = bins.reduce((s, b) => s + Object.values(b.counts).reduce((x, y) => x + y, 0), 0);
  return (
    <figure data-testid="quality-histogram" data-total={total} className="rounded-lg border border-slate-200 bg-white p-3">
      <figcaption className="mb-2 text-sm font-medium text-slate-700">
        Quality score distribution ({total.toLocaleString("en-US")} traces
        {bins.length ? `, ${bins[0].from.toFixed(digits)}–${bins[bins.length - 1].to.toFixed(digits)}` : ""})
        {threshold !== null && !thresholdBin && bins.length ? <span className="ml-1 font-normal text-slate-500">· threshold {threshold} lies outside the range shown</span> : null}
      </figcaption>
      <div className="h-64 w-full">
        <ResponsiveContainer width="100%" height="100%">
          <BarChart data={data} margin={{ top: 20, right: 8, bottom: 8, left: 0 }}>
            <CartesianGrid strokeDasharray="3 3" vertical={false} />
            <XAxis dataKey="bin" tick={{ fontSize: 11 }} interval={1} />
            <YAxis allowDecimals={false} tick={{ fontSize: 11 }} width={40} />
            <Tooltip labelFormatter={(_, payload) => `quality ${payload?.[0]?.payload?.label ?? ""}`} />
            <Legend wrapperStyle={{ fontSize: 12 }} formatter={(value) => METHOD_LABELS[String(value)] ?? value} />
            {thresholdBin ? <ReferenceLine x={thresholdBin.from.toFixed(digits)} stroke="#334155" strokeDasharray="4 2" label={{ value: "threshold", fontSize: 11, position: "top" }} /> : null}
            {methods.map((m, i) => (
              <Bar key={m} dataKey={m} stackId="q" fill={COLORS[i % COLORS.length]} isAnimationActive={false} />
            ))}
          </BarChart>
        </ResponsiveContainer>
      </div>
      <table className="sr-only">
        <caption>Traces per quality bin and method</caption>
        <thead>
          <tr>
            <th>Quality</th>
            {methods.map((m) => <th key={m}>{m}</th>)}
          </tr>
        </thead>
        <tbody>
          {bins.map((b) => (
            <tr key={b.from} data-bin={b.from.toFixed(digits)}>
              <td>{b.from.toFixed(digits)}–{b.to.toFixed(digits)}</td>
              {methods.map((m) => <td key={m}>{b.counts[m] ?? 0}</td>)}
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
}
