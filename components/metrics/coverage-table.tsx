import Link from "next/link";
import type { CoverageDto } from "@/lib/schemas/verifier";

// Coverage of a verifier run (docs/design.md §5 Coverage): per step kind the steps some rule
// checked and those none could, as numbers and a bar, then why steps were left unchecked, and a
// link to the traces that have such steps.

const KIND_ORDER = ["plan", "tool_call", "tool_result", "reasoning", "answer"];
const pct = (part: number, whole: number) => (whole ? `${((part / whole) * 100).toFixed(1)}%` : "—");

export function CoverageTable({ coverage, dataset }: { coverage: CoverageDto; dataset: string }) {
  const kinds = Object.entries(coverage.kinds).sort((a, b) => (KIND_ORDER.indexOf(a[0]) + 99) % 99 - ((KIND_ORDER.indexOf(b[0]) + 99) % 99) || a[0].localeCompare(b[0]));
  const total = coverage.checked + coverage.unchecked;
  return (
    <div className="space-y-3">
      <p className="text-sm text-slate-600" data-testid="coverage-summary">
        {coverage.checked.toLocaleString("en-US")} of {total.toLocaleString("en-US")} steps checked ({pct(coverage.checked, total)});{" "}
        <strong>{coverage.unchecked.toLocaleString("en-US")} unchecked</strong> in {coverage.tracesWithUnchecked.toLocaleString("en-US")} traces.{" "}
        {coverage.tracesWithUnchecked > 0 ? (
          <Link href={`/traces?dataset=${encodeURIComponent(dataset)}&unchecked=true`} className="text-brand hover:underline">
            Traces with unchecked steps →
          </Link>
        ) : null}
      </p>
      <div className="overflow-x-auto rounded-lg border border-slate-200 bg-white">
        <table data-testid="coverage-table" className="w-full text-sm">
          <caption className="sr-only">Steps checked and unchecked per step kind</caption>
          <thead className="bg-slate-50 text-left text-xs uppercase tracking-wide text-slate-500">
            <tr>
              <th className="px-3 py-2 font-medium">Step kind</th>
              <th className="px-3 py-2 text-right font-medium">Checked</th>
              <th className="px-3 py-2 text-right font-medium">Unchecked</th>
              <th className="px-3 py-2 font-medium">Share checked</th>
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100">
            {kinds.map(([kind, row]) => {
              const all = row.checked + row.unchecked;
              return (
                <tr key={kind} data-kind={kind}>
                  <td className="px-3 py-2 font-mono text-xs">{kind}</td>
                  <td className="px-3 py-2 text-right tabular-nums" data-col="checked">{row.checked.toLocaleString("en-US")}</td>
                  <td className={`px-3 py-2 text-right tabular-nums ${row.unchecked ? "text-amber-700" : ""}`} data-col="unchecked">{row.unchecked.toLocaleString("en-US")}</td>
                  <td className="px-3 py-2">
                    <div className="flex items-center gap-2" title={`${pct(row.checked, all)} checked`}>
                      <div className="h-2 w-32 overflow-hidden rounded bg-amber-200" aria-hidden>
                        <div className="h-full bg-green-600" style={{ width: all ? `${(row.checked / all) * 100}%` : "0%" }} />
                      </div>
                      <span className="tabular-nums text-xs text-slate-500">{pct(row.checked, all)}</span>
                    </div>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      {coverage.reasons.length ? (
        <div>
          <h3 className="text-sm font-medium text-slate-700">Why steps are unchecked</h3>
          <ul data-testid="coverage-reasons" className="mt-1 space-y-0.5 text-sm text-slate-600">
            {coverage.reasons.slice(0, 10).map((r) => (
              <li key={`${r.kind}:${r.reason}`}>
                <span className="tabular-nums">{r.steps.toLocaleString("en-US")}</span> <span className="font-mono text-xs">{r.kind}</span> — {r.reason}
              </li>
            ))}
            {coverage.reasons.length > 10 ? <li className="text-slate-400">and {coverage.reasons.length - 10} more reasons</li> : null}
          </ul>
        </div>
      ) : null}
    </div>
  );
}
