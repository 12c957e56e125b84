"use client";

import Link from "next/link";
import { useQuery } from "@tanstack/react-query";
import { DeleteImportButton } from "@/components/import/delete-import";
import { Badge } from "@/components/ui/badge";
import { EmptyState } from "@/components/ui/empty-state";
import { importQueries } from "@/lib/queries/imports";
import type { ImportHistoryItem } from "@/lib/schemas/imports";

function statusOf(item: ImportHistoryItem) {
  if (item.status === "failed") return <Badge tone="fail">failed</Badge>;
  if (item.status === "deleted") return <Badge>deleted</Badge>;
  if (item.status === "running") {
    const p = item.progress;
    if (!p) return <Badge tone="info">running</Badge>;
    const percent = Math.round(p.fraction * 100);
    const what = p.phase === "write" ? `writing, ${p.bytes.toLocaleString("en-US")} of ${p.totalBytes.toLocaleString("en-US")} records` : p.phase === "verify" ? "verifying" : p.phase === "validate" ? "checking" : "received";
    return (
      <div className="min-w-[8rem] space-y-0.5" data-testid="import-row-progress" title={`${what} (${percent}%)`}>
        <div role="progressbar" aria-label={`Import ${item.id} progress`} aria-valuemin={0} aria-valuemax={100} aria-valuenow={percent} className="h-1.5 overflow-hidden rounded bg-slate-200">
          <div className="h-full bg-brand transition-[width] duration-300" style={{ width: `${percent}%` }} />
        </div>
        <div className="text-xs text-slate-500">{what} · {percent}%</div>
      </div>
    );
  }
  if (item.dryRun) return <Badge tone="info">dry run</Badge>;
  return <Badge tone="pass">done</Badge>;
}

export function ImportHistory({ initial }: { initial: ImportHistoryItem[] }) {
  const { data: items } = useQuery({ ...importQueries.history(), initialData: initial });
  if (!items.length) return <EmptyState title="No imports yet">Imports from the CLI, the API and this page are listed here.</EmptyState>;
  return (
    <div className="overflow-hidden rounded-lg border border-slate-200 bg-white">
      <table className="w-full text-sm" data-testid="import-history">
        <thead className="bg-slate-50 text-left text-xs uppercase tracking-wide text-slate-500">
          <tr>
            <th className="px-3 py-2 font-medium">When</th>
            <th className="px-3 py-2 font-medium">Dataset</th>
            <th className="px-3 py-2 font-medium">Files</th>
            <th className="px-3 py-2 font-medium">Status</th>
            <th className="px-3 py-2 text-right font-medium">Traces</th>
            <th className="px-3 py-2 text-right font-medium">Steps</th>
            <th className="px-3 py-2 text-right font-medium">Other</th>
            <th className="px-3 py-2 text-right font-medium">Duplicates</th>
            <th className="px-3 py-2 text-right font-medium" title="records skipped as invalid (a record with several problems counts once)">Skipped</th>
            <th className="px-3 py-2 text-right font-medium">Time</th>
            <th className="px-3 py-2"><span className="sr-only">Actions</span></th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">
          {items.map((item) => {
            const c = item.created;
            const other = c ? [c.images && `${c.images} images`, c.scenes && `${c.scenes} scenes`, c.questions && `${c.questions} questions`, c.boxes && `${c.boxes} boxes`, c.labels && `${c.labels} step labels`].filter(Boolean).join(", ") : "";
            return (
              <tr key={item.id} data-import-id={item.id} data-status={item.status} title={item.error ?? undefined}>
                <td className="whitespace-nowrap px-3 py-1.5 text-xs text-slate-500">{new Date(item.createdAt).toLocaleString()}</td>
                <td className="px-3 py-1.5">
                  {item.dataset && item.status === "done" && !item.dryRun ? (
                    <Link href={`/traces?dataset=${encodeURIComponent(item.dataset)}`} className="text-brand hover:underline">{item.dataset}</Link>
                  ) : (
                    item.dataset ?? "—"
                  )}
                </td>
                <td className="max-w-[18rem] truncate px-3 py-1.5 font-mono text-xs" title={item.files.map((f) => `${f.file} (${f.format})`).join("\n")}>
                  {item.files.map((f) => f.file.split("/").at(-1)).join(", ")}
                  {item.source ? <span className="ml-1 text-slate-400">· {item.source}</span> : null}
                </td>
                <td className="px-3 py-1.5">{statusOf(item)}</td>
                <td className="px-3 py-1.5 text-right tabular-nums">{c?.traces.toLocaleString("en-US") ?? "—"}</td>
                <td className="px-3 py-1.5 text-right tabular-nums">{c?.steps.toLocaleString("en-US") ?? "—"}</td>
                <td className="px-3 py-1.5 text-right text-xs text-slate-500">{other || "—"}</td>
                <td className="px-3 py-1.5 text-right tabular-nums">{item.duplicates.toLocaleString("en-US")}</td>
                <td className="px-3 py-1.5 text-right tabular-nums">{item.skippedCount ? <span className="text-red-700">{item.skippedCount}</span> : 0}</td>
                <td className="px-3 py-1.5 text-right text-xs tabular-nums text-slate-500">{item.durationMs !== null ? `${(item.durationMs / 1000).toFixed(1)} s` : "—"}</td>
                <td className="px-3 py-1.5 text-right"><DeleteImportButton item={item} /></td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
