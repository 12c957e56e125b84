"use client";

import { Bar, BarChart, CartesianGrid, Legend, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { METHOD_LABELS } from "@/components/metrics/method-table";
import type { HistogramBin } from "@/lib/verifier/metrics";

// Quality-score histogram, stacked by generation method, with the quality threshold marked.
// Rendered with recharts (see docs/verifier.md for why); the data also sits in a table for
// screen readers.

const COLORS = ["#6366f1", "#f59e0b", "#10b981", "#ef4444", "#0ea5e9", "#8b5cf6"];

export function QualityHistogram({ bins, methods, threshold }: { bins: HistogramBin[]; methods: string[]; threshold: number | null }) {
  const data = bins.map((b) => ({ bin: b.from.toFixed(2), label: `${b.from.toFixed(2)}–${b.to.toFixed(2)}`, ...b.counts }));
  const total = bins.reduce((s, b) => s + Object.values(b.counts).reduce((x, y) => x + y, 0), 0);
  return (
    <figure data-testid="quality-histogram" data-total={total} className="rounded-lg border border-slate-200 bg-white p-3">
      <figcaption className="mb-2 text-sm font-medium text-slate-700">Quality score distribution ({total.toLocaleString("en-US")} traces)</figcaption>
      <div className="h-64 w-full">
        <ResponsiveContainer width="100%" height="100%">
          <BarChart data={data} margin={{ top: 20, right: 8, bottom: 8, left: 0 }}>
            <CartesianGrid strokeDasharray="3 3" vertical={false} />
            <XAxis dataKey="bin" tick={{ fontSize: 11 }} interval={1} />
            <YAxis allowDecimals={false} tick={{ fontSize: 11 }} width={40} />
            <Tooltip labelFormatter={(_, payload) => `quality ${payload?.[0]?.payload?.label ?? ""}`} />
            <Legend wrapperStyle={{ fontSize: 12 }} formatter={(value) => METHOD_LABELS[String(value)] ?? value} />
            {threshold !== null ? <ReferenceLine x={threshold.toFixed(2)} stroke="#334155" strokeDasharray="4 2" label={{ value: "threshold", fontSize: 11, position: "top" }} /> : null}
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
            <tr key={b.from} data-bin={b.from.toFixed(2)}>
              <td>{b.from.toFixed(2)}–{b.to.toFixed(2)}</td>
              {methods.map((m) => <td key={m}>{b.counts[m] ?? 0}</td>)}
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
}
