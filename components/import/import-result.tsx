import Link from "next/link";
import { Badge } from "@/components/ui/badge";
import type { ImportSummaryDto, SkippedLineDto } from "@/lib/schemas/imports";

const COUNT_LABELS = ["traces", "steps", "questions", "images", "scenes", "boxes"] as const;

export function LineErrors({ rows, caption }: { rows: SkippedLineDto[]; caption: string }) {
  if (!rows.length) return null;
  return (
    <div className="overflow-hidden rounded-lg border border-red-200">
      <table className="w-full text-left text-sm" data-testid="line-errors">
        <caption className="bg-red-50 px-3 py-2 text-left text-sm font-medium text-red-800">{caption}</caption>
        <thead className="bg-slate-50 text-xs uppercase tracking-wide text-slate-500">
          <tr>
            <th className="px-3 py-1.5 font-medium">File</th>
            <th className="px-3 py-1.5 text-right font-medium">Line</th>
            <th className="px-3 py-1.5 font-medium">Field</th>
            <th className="px-3 py-1.5 font-medium">Problem</th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">
          {rows.map((row, i) => (
            <tr key={i} data-line={row.line} data-path={row.path}>
              <td className="px-3 py-1.5 font-mono text-xs">{row.file}</td>
              <td className="px-3 py-1.5 text-right font-mono text-xs tabular-nums">{row.line}</td>
              <td className="px-3 py-1.5 font-mono text-xs">{row.path}</td>
              <td className="px-3 py-1.5">{row.error}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** Problems are listed one per field; a record with three bad fields is still one skipped record. */
export function countRecords(rows: SkippedLineDto[]): number {
  return new Set(rows.map((r) => `${r.file}\u0000${r.line}`)).size;
}

function VerificationLine({ verification: v }: { verification: NonNullable<ImportSummaryDto["verification"]> }) {
  if ("error" in v) return <p className="text-sm text-red-700" data-testid="import-verification">{v.error}</p>;
  return (
    <p className="text-sm text-slate-700" data-testid="import-verification" data-run={v.run}>
      Verified with config v{v.config} (run {v.run}): {v.traces.toLocaleString("en-US")} traces of the dataset, {(100 * v.validRatio).toFixed(1)}% valid, mean quality {v.avgQuality.toFixed(2)}.
    </p>
  );
}

export function ImportResult({ summary }: { summary: ImportSummaryDto }) {
  const labels = summary.created.labels ?? 0;
  const nothing = labels === 0 && COUNT_LABELS.every((k) => summary.created[k] === 0);
  const skippedRecords = countRecords(summary.skipped);
  return (
    <section aria-label="Import result" data-testid="import-result" data-dry-run={summary.dryRun} className="space-y-4 rounded-lg border border-slate-200 bg-white p-4">
      <header className="flex flex-wrap items-center gap-2">
        <h2 className="text-lg font-semibold">{summary.dryRun ? "Dry run: the input is valid" : "Imported"}</h2>
        {summary.dryRun ? <Badge tone="info">nothing was written</Badge> : <Badge tone="pass">committed</Badge>}
        <span className="text-sm text-slate-500">into <strong className="text-slate-800">{summary.dataset}</strong></span>
        {summary.files.map((f) => (
          <Badge key={f.file} title={`${f.bytes.toLocaleString("en-US")} bytes`}>{f.file} · {f.format}</Badge>
        ))}
      </header>
      <dl className="grid grid-cols-3 gap-3 sm:grid-cols-7">
        {COUNT_LABELS.map((k) => (
          <div key={k} className="rounded border border-slate-100 bg-slate-50 px-3 py-2">
            <dt className="text-xs uppercase tracking-wide text-slate-500">{summary.dryRun ? `would create ${k}` : k}</dt>
            <dd className="text-xl font-semibold tabular-nums" data-count={k}>{summary.created[k].toLocaleString("en-US")}</dd>
          </div>
        ))}
        {labels ? (
          <div className="rounded border border-slate-100 bg-slate-50 px-3 py-2">
            <dt className="text-xs uppercase tracking-wide text-slate-500">{summary.dryRun ? "would create step labels" : "step labels"}</dt>
            <dd className="text-xl font-semibold tabular-nums" data-count="labels">{labels.toLocaleString("en-US")}</dd>
          </div>
        ) : null}
        <div className="rounded border border-slate-100 bg-slate-50 px-3 py-2">
          <dt className="text-xs uppercase tracking-wide text-slate-500">duplicates</dt>
          <dd className="text-xl font-semibold tabular-nums" data-count="duplicates">{summary.duplicates.toLocaleString("en-US")}</dd>
        </div>
      </dl>
      {summary.unverifiable ? (
        <p role="alert" data-testid="unverifiable" className="rounded-lg border border-amber-300 bg-amber-50 px-3 py-2 text-sm font-medium text-amber-900">
          {summary.unverifiable.toLocaleString("en-US")} {summary.unverifiable === 1 ? "trace" : "traces"} cannot be verified against a scene: no scene was found for {summary.unverifiable === 1 ? "it" : "them"}, so the verifier&apos;s scene rules will skip {summary.unverifiable === 1 ? "it" : "them"}. Import the scene file into the same dataset (details under warnings).
        </p>
      ) : null}
      {summary.verification ? <VerificationLine verification={summary.verification} /> : null}
      {nothing && summary.duplicates > 0 ? <p className="text-sm text-slate-600">Everything was already imported: re-importing the same content changes nothing.</p> : null}
      <LineErrors rows={summary.skipped} caption={`${skippedRecords} skipped ${skippedRecords === 1 ? "record" : "records"}${summary.skipped.length !== skippedRecords ? ` (${summary.skipped.length} problems)` : ""}; imported the rest`} />
      {summary.warnings.length ? (
        <details className="rounded-lg border border-amber-200 bg-amber-50 px-3 py-2 text-sm" open={summary.warnings.length <= 5}>
          <summary className="cursor-pointer font-medium text-amber-900">{summary.warnings.length} {summary.warnings.length === 1 ? "warning" : "warnings"}</summary>
          <ul className="mt-2 list-disc space-y-1 pl-5 text-amber-900" data-testid="import-warnings">
            {summary.warnings.map((w, i) => <li key={i}>{w}</li>)}
          </ul>
        </details>
      ) : null}
      {!summary.dryRun ? (
        <Link href={`/traces?dataset=${encodeURIComponent(summary.dataset)}`} className="inline-block text-sm font-medium text-brand hover:underline">
          Open the traces of {summary.dataset} →
        </Link>
      ) : null}
    </section>
  );
}
