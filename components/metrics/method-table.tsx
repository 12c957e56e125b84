import type { MethodMetrics } from "@/lib/verifier/metrics";

// SpatialTraceGen Table 1, per generation method: average quality, quality variance, valid trace
// ratio, plus step completeness and tool-call accuracy.

const pct = (v: number | null) => (v === null ? "—" : `${(v * 100).toFixed(1)}%`);

export const METHOD_LABELS: Record<string, string> = {
  direct: "Direct (no verification)",
  "final-answer": "Final-answer verification",
  "step-level": "Step-level verification",
  "best-of-n": "Best of n (verifier-ranked)",
  program: "Program conversion (faithful)",
};

export function MethodTable({ overall, byMethod }: { overall: MethodMetrics; byMethod: MethodMetrics[] }) {
  const best = (key: "avgQuality" | "validRatio") => Math.max(...byMethod.map((m) => m[key]));
  return (
    <div className="overflow-x-auto rounded-lg border border-slate-200 bg-white">
      <table data-testid="method-table" className="w-full text-sm">
        <caption className="sr-only">Quality metrics per generation method</caption>
        <thead className="bg-slate-50 text-left text-xs uppercase tracking-wide text-slate-500">
          <tr>
            <th className="px-3 py-2 font-medium">Method</th>
            {["Traces", "Avg quality", "Quality variance", "Valid ratio", "Step completeness", "Tool-call accuracy"].map((h) => (
              <th key={h} className="px-3 py-2 text-right font-medium">{h}</th>
            ))}
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">
          {[...byMethod, overall].map((m) => (
            <tr key={m.method} data-method={m.method} className={m.method === "all" ? "bg-slate-50 font-medium" : undefined}>
              <td className="px-3 py-2">
                {m.method === "all" ? "All traces" : METHOD_LABELS[m.method] ?? m.method}
                {m.method !== "all" ? <span className="ml-1 font-mono text-xs text-slate-400">{m.method}</span> : null}
              </td>
              <td className="px-3 py-2 text-right tabular-nums">{m.traces.toLocaleString("en-US")}</td>
              <td className={`px-3 py-2 text-right tabular-nums ${m.method !== "all" && m.avgQuality === best("avgQuality") ? "font-semibold text-green-700" : ""}`}>{m.avgQuality.toFixed(3)}</td>
              <td className="px-3 py-2 text-right tabular-nums">{m.qualityVariance.toFixed(4)}</td>
              <td className={`px-3 py-2 text-right tabular-nums ${m.method !== "all" && m.validRatio === best("validRatio") ? "font-semibold text-green-700" : ""}`}>{pct(m.validRatio)}</td>
              <td className="px-3 py-2 text-right tabular-nums">{pct(m.stepCompleteness)}</td>
              <td className="px-3 py-2 text-right tabular-nums">{pct(m.toolCallAccuracy)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
