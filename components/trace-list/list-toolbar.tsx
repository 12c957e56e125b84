"use client";

import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { BulkActions } from "@/components/trace-list/bulk-actions";
import { SavedViews } from "@/components/trace-list/saved-views";
import { TRACE_COLUMNS, traceViewState, type TraceColumn } from "@/lib/schemas/trace-list";

// Above the list: table or gallery, the table's columns, your saved views and (for reviewers) bulk
// actions on the current filter. Mode and columns are URL state like the filters, so a view is
// exactly its URL.

const COLUMN_LABELS: Record<TraceColumn, string> = { question: "Question", method: "Method", steps: "Steps", answer: "Answer", quality: "Quality", verifier: "Verifier", human: "Human" };

export function ListToolbar({ canReview, total }: { canReview: boolean; total: number }) {
  const router = useRouter();
  const pathname = usePathname();
  const params = useSearchParams();
  const view = traceViewState.parse({ mode: params.get("mode") ?? undefined, cols: params.get("cols") ?? undefined });

  const set = (key: string, value: string | null) => {
    const next = new URLSearchParams(params.toString());
    if (value === null) next.delete(key);
    else next.set(key, value);
    router.push(`${pathname}?${next.toString()}`);
  };
  const toggleColumn = (column: TraceColumn) => {
    const cols = view.cols.includes(column) ? view.cols.filter((c) => c !== column) : TRACE_COLUMNS.filter((c) => c === column || view.cols.includes(c));
    set("cols", cols.length === TRACE_COLUMNS.length ? null : cols.join(","));
  };
  const modeButton = (mode: "table" | "gallery", label: string) => (
    <button
      type="button"
      aria-pressed={view.mode === mode}
      onClick={() => set("mode", mode === "table" ? null : mode)}
      className={`px-3 py-1 text-sm font-medium ${view.mode === mode ? "bg-brand text-white" : "bg-white text-slate-700 hover:bg-slate-50"}`}
    >
      {label}
    </button>
  );

  return (
    <div className="flex flex-wrap items-center gap-3" data-testid="list-toolbar">
      <div role="group" aria-label="Show as" className="inline-flex overflow-hidden rounded-md border border-slate-300 shadow-sm">
        {modeButton("table", "Table")}
        {modeButton("gallery", "Gallery")}
      </div>
      {view.mode === "table" ? (
        <details className="relative">
          <summary className="cursor-pointer list-none rounded-md border border-slate-300 bg-white px-3 py-1 text-sm text-slate-700 shadow-sm hover:bg-slate-50">
            Columns ({view.cols.length}/{TRACE_COLUMNS.length}) ▾
          </summary>
          <fieldset className="absolute z-20 mt-1 w-44 space-y-1 rounded-md border border-slate-200 bg-white p-2 shadow-lg">
            <legend className="sr-only">Columns</legend>
            {TRACE_COLUMNS.map((column) => (
              <label key={column} className="flex items-center gap-2 text-sm text-slate-700">
                <input type="checkbox" checked={view.cols.includes(column)} onChange={() => toggleColumn(column)} />
                {COLUMN_LABELS[column]}
              </label>
            ))}
          </fieldset>
        </details>
      ) : null}
      <SavedViews />
      {canReview ? <BulkActions total={total} /> : null}
    </div>
  );
}
