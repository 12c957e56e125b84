"use client";

import Link from "next/link";
import { useQuery } from "@tanstack/react-query";
import { Badge, type BadgeTone } from "@/components/ui/badge";
import { EmptyState } from "@/components/ui/empty-state";
import { ProgressBar } from "@/components/exports/progress-bar";
import { archiveUrl, exportQueries, useCancelExport, useDeleteExport } from "@/lib/queries/exports";
import { EXPORT_FORMAT_INFO, isActiveExport, type ExportDto, type ExportStatus } from "@/lib/schemas/exports";

export const STATUS_TONE: Record<ExportStatus, BadgeTone> = { queued: "neutral", running: "info", done: "pass", failed: "fail", cancelled: "warn" };

function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MB`;
  return `${(n / 1024 ** 3).toFixed(2)} GB`;
}

function ExportRow({ item }: { item: ExportDto }) {
  const cancel = useCancelExport();
  const remove = useDeleteExport();
  const active = isActiveExport(item.status);
  const size = item.files.reduce((n, f) => n + f.bytes, 0);
  return (
    <li className="space-y-2 px-4 py-3" data-export-id={item.id} data-status={item.status}>
      <div className="flex flex-wrap items-center justify-between gap-2">
        <div className="min-w-0">
          <Link href={`/exports/${item.id}`} className="font-medium text-slate-900 hover:underline">{item.name}</Link>
          <div className="mt-0.5 flex flex-wrap items-center gap-2 text-xs text-slate-500">
            <Badge tone={STATUS_TONE[item.status]}>{item.status}</Badge>
            <span>{EXPORT_FORMAT_INFO[item.format]?.label ?? item.format}</span>
            <span>#{item.id}</span>
            <time dateTime={item.createdAt}>{new Date(item.createdAt).toLocaleString()}</time>
          </div>
        </div>
        <div className="flex items-center gap-2">
          {item.status === "done" ? (
            <a href={archiveUrl(item.id)} download={item.archiveName ?? undefined} className="rounded bg-brand px-3 py-1 text-sm font-medium text-white hover:opacity-90">
              Download
            </a>
          ) : null}
          {active ? (
            <button type="button" onClick={() => cancel.mutate(item.id)} disabled={cancel.isPending} className="rounded border border-slate-300 px-3 py-1 text-sm hover:bg-slate-50">
              Cancel
            </button>
          ) : (
            <button
              type="button"
              aria-label={`Delete export ${item.id}`}
              onClick={() => window.confirm(`Delete export #${item.id} and its files?`) && remove.mutate(item.id)}
              className="rounded px-2 py-1 text-sm text-slate-500 hover:bg-red-50 hover:text-red-700"
            >
              Delete
            </button>
          )}
        </div>
      </div>
      <ProgressBar value={item.progress} status={item.status} label={`Export ${item.id} progress`} />
      <div className="flex flex-wrap justify-between gap-2 text-xs text-slate-500">
        <span data-testid="export-stage">
          {active ? item.stage ?? "Queued" : item.status === "done" ? `${item.rows.toLocaleString("en-US")} rows · ${item.files.length} files · ${bytes(size)}` : item.error ?? item.status}
        </span>
        <span className="tabular-nums">{Math.round(item.progress * 100)}%</span>
      </div>
    </li>
  );
}

export function ExportList({ initial }: { initial: ExportDto[] }) {
  const { data: items } = useQuery({ ...exportQueries.list(), initialData: initial });
  if (items.length === 0) return <EmptyState title="No exports yet">Pick datasets and a format, check the preview, then start the export.</EmptyState>;
  return (
    <ul className="divide-y divide-slate-100 rounded-lg border border-slate-200 bg-white" aria-label="Exports">
      {items.map((item) => <ExportRow key={item.id} item={item} />)}
    </ul>
  );
}
