import type { Agreement, SmallSampleWarning } from "@/lib/calibration/agreement";
import { count, fixed, interval } from "@/components/calibration/format";
import type { Column } from "@/components/calibration/sortable-table";

// The confusion matrix and the statistics of one agreement table (positive = the step is bad).

export function ConfusionMatrix({ agreement: a, testId = "confusion-matrix", caption }: { agreement: Agreement; testId?: string; caption?: string }) {
  const cell = (value: number, label: string, tone: string, name: string) => (
    <td className={`px-4 py-3 text-center ${tone}`} data-cell={name} title={label}>
      <div className="text-xl font-semibold tabular-nums">{count(value)}</div>
      <div className="text-[11px] uppercase tracking-wide opacity-70">{label}</div>
    </td>
  );
  return (
    <figure className="inline-block" data-testid={testId} data-tp={a.tp} data-fp={a.fp} data-fn={a.fn} data-tn={a.tn} data-n={a.n}>
      {caption ? <figcaption className="mb-1 text-xs font-medium uppercase tracking-wide text-slate-500">{caption}</figcaption> : null}
      <table className="overflow-hidden rounded-lg border border-slate-200 bg-white text-sm">
        <thead>
          <tr className="bg-slate-50 text-xs text-slate-500">
            <th className="px-3 py-2" />
            <th scope="col" className="px-4 py-2 font-medium">Human: reject</th>
            <th scope="col" className="px-4 py-2 font-medium">Human: accept</th>
          </tr>
        </thead>
        <tbody>
          <tr>
            <th scope="row" className="bg-slate-50 px-3 py-2 text-left text-xs font-medium text-slate-500">Verifier: fail</th>
            {cell(a.tp, "true positive", "bg-green-50 text-green-900", "tp")}
            {cell(a.fp, "false positive", "bg-red-50 text-red-900", "fp")}
          </tr>
          <tr>
            <th scope="row" className="bg-slate-50 px-3 py-2 text-left text-xs font-medium text-slate-500">Verifier: pass</th>
            {cell(a.fn, "false negative", "bg-red-50 text-red-900", "fn")}
            {cell(a.tn, "true negative", "bg-green-50 text-green-900", "tn")}
          </tr>
        </tbody>
      </table>
    </figure>
  );
}

export function Warnings({ warnings }: { warnings: readonly SmallSampleWarning[] }) {
  if (warnings.length === 0) return null;
  return (
    <ul className="space-y-1 text-xs text-amber-800" data-testid="sample-warnings">
      {warnings.map((w) => (
        <li key={w.code} data-warning={w.code} className="flex gap-1">
          <span aria-hidden>⚠</span>
          {w.message}
        </li>
      ))}
    </ul>
  );
}

export function AgreementStats({ agreement: a }: { agreement: Agreement }) {
  const rows: Array<[string, string, string]> = [
    ["Precision", interval(a.precision), "of the steps the verifier fails, the share humans reject"],
    ["Recall", interval(a.recall), "of the steps humans reject, the share the verifier fails"],
    ["F1", interval(a.f1Interval, "num"), "harmonic mean of precision and recall (interval via the Jaccard index)"],
    ["Cohen's κ", interval(a.kappa, "num"), "agreement beyond chance (Fleiss–Cohen–Everitt interval)"],
    ["Accuracy", interval(a.accuracy), "share of steps where both agree"],
    ["Specificity", interval(a.specificity), "of the steps humans accept, the share the verifier passes"],
  ];
  return (
    <div className="space-y-2">
      <dl className="grid grid-cols-[auto_auto] gap-x-4 gap-y-1 text-sm" data-testid="agreement-stats">
        {rows.map(([name, value, help]) => (
          <div key={name} className="contents">
            <dt className="text-slate-500" title={help}>{name}</dt>
            <dd className="tabular-nums text-slate-900" data-stat={name}>{value}</dd>
          </div>
        ))}
      </dl>
      <p className="text-xs text-slate-400">95% intervals; Wilson for proportions.</p>
      <Warnings warnings={a.warnings} />
    </div>
  );
}

/** Standard columns for tables of agreement rows. */
export function agreementColumns<T extends Agreement>(): Array<Column<T>> {
  return [
    { key: "n", header: "n", value: (r) => r.n, align: "right" },
    { key: "tp", header: "tp", value: (r) => r.tp, align: "right" },
    { key: "fp", header: "fp", value: (r) => r.fp, align: "right" },
    { key: "fn", header: "fn", value: (r) => r.fn, align: "right" },
    { key: "tn", header: "tn", value: (r) => r.tn, align: "right" },
    { key: "precision", header: "Precision", value: (r) => r.precision.value, render: (r) => interval(r.precision), align: "right" },
    { key: "recall", header: "Recall", value: (r) => r.recall.value, render: (r) => interval(r.recall), align: "right" },
    { key: "f1", header: "F1", value: (r) => r.f1, render: (r) => fixed(r.f1), align: "right" },
    { key: "kappa", header: "Kappa", value: (r) => r.kappa.value, render: (r) => interval(r.kappa, "num"), align: "right", title: "Cohen's κ [95% CI]" },
    {
      key: "warnings",
      header: "Sample",
      value: (r) => r.warnings.map((w) => w.code).join(" "),
      render: (r) => (r.warnings.length ? <span className="text-amber-700" title={r.warnings.map((w) => w.message).join("\n")} data-small-sample="true">⚠ {r.warnings.length}</span> : <span className="text-slate-300">✓</span>),
    },
  ];
}

