"use client";

import { useQuery } from "@tanstack/react-query";
import { Badge } from "@/components/ui/badge";
import { ClassBars } from "@/components/exports/class-bars";
import { STATUS_TONE } from "@/components/exports/export-list";
import { ProgressBar } from "@/components/exports/progress-bar";
import { SkippedList } from "@/components/exports/skipped-list";
import { archiveUrl, exportQueries, useCancelExport } from "@/lib/queries/exports";
import { EXPORT_FORMAT_INFO, isActiveExport, SPLITS, type ExportDetailDto } from "@/lib/schemas/exports";

function settings(item: ExportDetailDto): Array<[string, string]> {
  const c = item.config;
  const classes = (values: Record<string, number | undefined>) => Object.entries(values).map(([k, v]) => `${k} ${v}`).join(", ") || "—";
  return [
    ["labels", c.labels],
    ["verifier version", c.verifierVersion === null ? "latest finished run" : `v${c.verifierVersion}`],
    ["min quality", c.minQuality === null ? "—" : String(c.minQuality)],
    ["valid only", c.validOnly ? "yes" : "no"],
    ["human-accepted only", c.humanAcceptedOnly ? "yes" : "no"],
    ["wrong steps", `${c.rejectedSteps}${c.truncateAfterFirstError ? ", truncated after the first error" : ""}`],
    ["dedupe", c.dedupe ? "image + normalised question" : "off"],
    ["split", `train ${c.split.train} · validation ${c.split.validation} · test ${c.split.test} · seed ${c.seed}`],
    ["relation caps", classes(c.relationCaps)],
    ["relation weights", classes(c.relationWeights)],
    ["images", c.images],
  ];
}

export function ExportDetail({ initial }: { initial: ExportDetailDto }) {
  const { data: item } = useQuery({ ...exportQueries.detail(initial.id), initialData: initial });
  const cancel = useCancelExport();
  const active = isActiveExport(item.status);
  return (
    <div className="space-y-6" data-export-id={item.id} data-status={item.status}>
      <header className="space-y-3 rounded-lg border border-slate-200 bg-white p-4">
        <div className="flex flex-wrap items-start justify-between gap-3">
          <div>
            <h1 className="text-xl font-semibold">{item.name}</h1>
            <div className="mt-1 flex flex-wrap items-center gap-2 text-xs text-slate-500">
              <Badge tone={STATUS_TONE[item.status]}>{item.status}</Badge>
              <span>{EXPORT_FORMAT_INFO[item.format]?.label ?? item.format}</span>
              <span>{item.datasets.join(", ")}</span>
            </div>
          </div>
          <div className="flex gap-2">
            {item.status === "done" ? (
              <a href={archiveUrl(item.id)} download={item.archiveName ?? undefined} className="rounded bg-brand px-3 py-1.5 text-sm font-medium text-white hover:opacity-90">
                Download {item.archiveName}
              </a>
            ) : null}
            {active ? (
              <button type="button" onClick={() => cancel.mutate(item.id)} className="rounded border border-slate-300 px-3 py-1.5 text-sm hover:bg-slate-50">Cancel</button>
            ) : null}
          </div>
        </div>
        <ProgressBar value={item.progress} status={item.status} label={`Export ${item.id} progress`} />
        <p className="text-xs text-slate-500">{active ? item.stage ?? "Queued" : item.error ?? `${item.rows.toLocaleString("en-US")} rows`}</p>
      </header>

      {item.counts ? (
        <div className="grid gap-6 lg:grid-cols-3">
          <section className="space-y-3 rounded-lg border border-slate-200 bg-white p-4" aria-label="Counts">
            <h2 className="text-sm font-semibold">Rows per split</h2>
            <dl className="grid grid-cols-3 gap-2 text-center text-xs">
              {SPLITS.map((s) => (
                <div key={s} className="rounded bg-slate-50 p-2" data-split={s}>
                  <dt className="text-slate-500">{s}</dt>
                  <dd className="text-base font-semibold tabular-nums">{(item.counts!.splits[s] ?? 0).toLocaleString("en-US")}</dd>
                </div>
              ))}
            </dl>
            <h2 className="text-sm font-semibold">Relation classes</h2>
            <ClassBars counts={item.counts} />
            <h2 className="text-sm font-semibold">Left out</h2>
            <SkippedList skipped={item.skipped} />
          </section>
          <section className="space-y-2 rounded-lg border border-slate-200 bg-white p-4 lg:col-span-2" aria-label="Files">
            <h2 className="text-sm font-semibold">Files</h2>
            <table className="w-full text-xs">
              <thead className="text-left text-slate-500"><tr><th className="font-medium">file</th><th className="text-right font-medium">rows</th><th className="text-right font-medium">bytes</th><th className="pl-3 font-medium">sha256</th></tr></thead>
              <tbody className="font-mono">
                {item.files.map((f) => (
                  <tr key={f.path} data-file={f.path}>
                    <td className="py-0.5">{f.path}</td>
                    <td className="py-0.5 text-right tabular-nums">{f.rows ?? ""}</td>
                    <td className="py-0.5 text-right tabular-nums">{f.bytes.toLocaleString("en-US")}</td>
                    <td className="py-0.5 pl-3 text-slate-500" title={f.sha256}>{f.sha256.slice(0, 16)}…</td>
                  </tr>
                ))}
              </tbody>
            </table>
            {item.counts.images && item.config.images === "copy" ? (
              <p className="text-xs text-slate-500">
                and {item.counts.images.toLocaleString("en-US")} image file{item.counts.images === 1 ? "" : "s"} under <code>images/</code>, named by their sha256.
              </p>
            ) : null}
            <h2 className="pt-2 text-sm font-semibold">Settings</h2>
            <dl className="grid grid-cols-[max-content_1fr] gap-x-4 gap-y-0.5 text-xs" data-testid="export-settings">
              {settings(item).map(([k, v]) => (
                <div key={k} className="contents">
                  <dt className="text-slate-500">{k}</dt>
                  <dd className="font-mono">{v}</dd>
                </div>
              ))}
            </dl>
          </section>
        </div>
      ) : null}

      {item.card ? (
        <section className="space-y-2" aria-label="Dataset card">
          <h2 className="text-sm font-semibold">Dataset card (README.md)</h2>
          <pre className="max-h-[36rem] overflow-auto whitespace-pre-wrap rounded-lg border border-slate-200 bg-white p-4 text-xs leading-relaxed">{item.card}</pre>
        </section>
      ) : null}
    </div>
  );
}
