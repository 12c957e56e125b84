import type { AblationRow } from "@/lib/verifier/metrics";

// The ablation table: what the kept (filtered) dataset looks like, scored with the full verifier,
// when step-level checks, cross-step checks or quality filtering are switched off.

// Which rules a variant switches off comes with the row (derived from the rule registry's scopes).
function describe(row: AblationRow): string {
  if (row.variant === "full") return "valid under every rule and quality ≥ threshold";
  if (row.variant === "no quality filtering") return "every trace kept";
  return row.off.length ? `${row.off.join(", ")} off` : "no enabled rule of this scope";
}

const signed = (v: number, scale = 1, digits = 3, unit = "") => `${v > 0 ? "+" : v < 0 ? "−" : "±"}${Math.abs(v * scale).toFixed(digits)}${unit}`;

export function AblationTable({ rows, threshold }: { rows: AblationRow[]; threshold: number }) {
  return (
    <div className="overflow-x-auto rounded-lg border border-slate-200 bg-white">
      <table data-testid="ablation-table" className="w-full text-sm">
        <caption className="px-3 pt-2 text-left text-xs text-slate-500">
          Kept = valid and quality ≥ {threshold} under the variant; the kept traces are then scored with the full verifier.
        </caption>
        <thead className="bg-slate-50 text-left text-xs uppercase tracking-wide text-slate-500">
          <tr>
            <th className="px-3 py-2 font-medium">Variant</th>
            {["Kept", "Avg quality", "Δ quality", "Valid ratio", "Δ valid"].map((h) => (
              <th key={h} className="px-3 py-2 text-right font-medium">{h}</th>
            ))}
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">
          {rows.map((r) => (
            <tr key={r.variant} data-variant={r.variant}>
              <td className="px-3 py-2">
                {r.variant}
                <div className="text-xs text-slate-400">{describe(r)}</div>
              </td>
              <td className="px-3 py-2 text-right tabular-nums">{r.kept.toLocaleString("en-US")}</td>
              <td className="px-3 py-2 text-right tabular-nums">{r.avgQuality.toFixed(3)}</td>
              <td className={`px-3 py-2 text-right tabular-nums ${r.deltaQuality < 0 ? "text-red-700" : "text-slate-500"}`}>{r.variant === "full" ? "—" : signed(r.deltaQuality)}</td>
              <td className="px-3 py-2 text-right tabular-nums">{(r.validRatio * 100).toFixed(1)}%</td>
              <td className={`px-3 py-2 text-right tabular-nums ${r.deltaValid < 0 ? "text-red-700" : "text-slate-500"}`}>{r.variant === "full" ? "—" : signed(r.deltaValid, 100, 1, " pt")}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
