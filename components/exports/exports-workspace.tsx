"use client";

import { useQuery } from "@tanstack/react-query";
import { useEffect, useMemo, useState } from "react";
import { ClassBars } from "@/components/exports/class-bars";
import { ExportForm } from "@/components/exports/export-form";
import { ExportList } from "@/components/exports/export-list";
import { defaultForm, toConfig, type FormState } from "@/components/exports/form-state";
import { SkippedList } from "@/components/exports/skipped-list";
import { useShortcuts } from "@/components/ui/use-shortcuts";
import { exportQueries, useStartExport } from "@/lib/queries/exports";
import { shortcutFor } from "@/lib/shortcuts";
import { SPLITS, type ExportDto, type ExportOptionsDto } from "@/lib/schemas/exports";

function useDebounced<T>(value: T, ms: number): T {
  const [debounced, setDebounced] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setDebounced(value), ms);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return debounced;
}

export function ExportsWorkspace({ options: initialOptions, exports }: { options: ExportOptionsDto; exports: ExportDto[] }) {
  const { data: options } = useQuery({ ...exportQueries.options(), initialData: initialOptions });
  const [form, setForm] = useState<FormState>(() => defaultForm(initialOptions));
  const config = useMemo(() => toConfig(form), [form]);
  const debounced = useDebounced(config, 350);
  const preview = useQuery({ ...exportQueries.preview(debounced), enabled: debounced.datasets.length > 0 });
  const start = useStartExport();
  const canStart = config.datasets.length > 0 && !start.isPending;
  const submit = () => canStart && start.mutate(config);

  // Ctrl/⌘+Enter (the keymap's startExport) starts the export from anywhere on the page.
  useShortcuts("exports", (command) => command === "startExport" && submit());

  const counts = preview.data?.counts;
  return (
    <div className="grid gap-6 xl:grid-cols-[minmax(0,3fr)_minmax(0,2fr)]">
      <section aria-label="New export">
        <ExportForm form={form} options={options} preview={preview.data} onChange={(patch) => setForm((f) => ({ ...f, ...patch }))} />
      </section>
      <aside className="space-y-4 xl:sticky xl:top-4 xl:self-start">
        <section aria-label="Preview" className="space-y-3 rounded-lg border border-slate-200 bg-white p-4" data-testid="export-preview" data-rows={counts?.rows ?? ""} aria-busy={preview.isFetching}>
          <div className="flex items-baseline justify-between">
            <h2 className="text-sm font-semibold">Preview</h2>
            <span className="text-xs text-slate-400">{preview.isFetching ? "updating…" : ""}</span>
          </div>
          {config.datasets.length === 0 ? (
            <p className="text-sm text-slate-500">Pick at least one dataset.</p>
          ) : preview.error ? (
            <p role="alert" className="rounded bg-red-50 p-2 text-sm text-red-700">{(preview.error as Error).message}</p>
          ) : counts ? (
            <>
              <p className="text-2xl font-semibold tabular-nums">
                {counts.rows.toLocaleString("en-US")} <span className="text-sm font-normal text-slate-500">rows from {counts.traces.toLocaleString("en-US")} traces{counts.images ? ` on ${counts.images.toLocaleString("en-US")} images` : ""}</span>
              </p>
              <dl className="grid grid-cols-3 gap-2 text-center text-xs">
                {SPLITS.map((s) => (
                  <div key={s} className="rounded bg-slate-50 p-2" data-split={s}>
                    <dt className="text-slate-500">{s}</dt>
                    <dd className="text-base font-semibold tabular-nums">{(counts.splits[s] ?? 0).toLocaleString("en-US")}</dd>
                  </div>
                ))}
              </dl>
              {preview.data!.warnings.length ? (
                <ul className="space-y-1 rounded border border-amber-200 bg-amber-50 p-2 text-xs text-amber-900" data-testid="export-warnings">
                  {preview.data!.warnings.map((w) => (
                    <li key={w}>⚠ {w}</li>
                  ))}
                </ul>
              ) : null}
              <ClassBars counts={counts} />
              <p className="text-xs text-slate-500" data-testid="export-licences">
                Licence in the card:{" "}
                {preview.data!.sources.map((s, i) => (
                  <span key={s.dataset}>
                    {i ? "; " : ""}
                    {s.dataset} — {s.license ?? "not declared (stepwise datasets license NAME ID)"}
                  </span>
                ))}
              </p>
              <div>
                <h3 className="mb-1 text-xs font-semibold text-slate-600">Left out</h3>
                <SkippedList skipped={preview.data!.skipped} />
              </div>
            </>
          ) : (
            <p className="text-sm text-slate-500">Computing…</p>
          )}
          {start.error ? <p role="alert" className="rounded bg-red-50 p-2 text-sm text-red-700">{(start.error as Error).message}</p> : null}
          <button
            id="start-export"
            type="button"
            aria-keyshortcuts={shortcutFor("startExport").label}
            onClick={submit}
            disabled={!canStart}
            className="w-full rounded bg-brand px-4 py-2 text-sm font-semibold text-white hover:opacity-90 disabled:opacity-50"
          >
            {start.isPending ? "Starting…" : "Start export"} <kbd aria-hidden className="ml-1 rounded bg-white/20 px-1 text-[10px] font-normal">{shortcutFor("startExport").label}</kbd>
          </button>
        </section>
        <section aria-label="Exports list" className="space-y-2">
          <h2 className="text-sm font-semibold">Exports</h2>
          <ExportList initial={exports} />
        </section>
      </aside>
    </div>
  );
}
