"use client";

import { useMemo, useState, type ReactNode } from "react";
import { downloadCsv, downloadJson, type Cell } from "@/components/calibration/export";

export interface Column<T> {
  key: string;
  header: string;
  /** What the column sorts and exports by. */
  value: (row: T) => Cell;
  render?: (row: T) => ReactNode;
  align?: "left" | "right";
  title?: string;
}

interface SortableTableProps<T> {
  /** Names the table in test ids and export file names. */
  name: string;
  caption?: ReactNode;
  columns: Array<Column<T>>;
  rows: readonly T[];
  rowKey: (row: T) => string;
  rowProps?: (row: T) => Record<string, string | number | undefined>;
  onRowClick?: (row: T) => void;
  empty?: ReactNode;
  /** Extra payload for the JSON export (defaults to the rows). */
  json?: unknown;
  /** Long tables scroll inside this height (px) with a sticky header. */
  maxHeight?: number;
}

function compare(a: Cell, b: Cell): number {
  if (a === b) return 0;
  if (a === null || a === undefined) return 1; // empty cells last whichever the direction
  if (b === null || b === undefined) return -1;
  if (typeof a === "number" && typeof b === "number") return a - b;
  return String(a).localeCompare(String(b));
}

/** A table whose headers sort (click again to reverse) and whose rows export as CSV or JSON. */
export function SortableTable<T>({ name, caption, columns, rows, rowKey, rowProps, onRowClick, empty, json, maxHeight }: SortableTableProps<T>) {
  const [sort, setSort] = useState<{ key: string; direction: 1 | -1 } | null>(null);
  const sorted = useMemo(() => {
    if (!sort) return rows;
    const column = columns.find((c) => c.key === sort.key);
    if (!column) return rows;
    return [...rows].sort((a, b) => {
      const av = column.value(a);
      const bv = column.value(b);
      if (av === null || av === undefined || bv === null || bv === undefined) return compare(av, bv);
      return sort.direction * compare(av, bv);
    });
  }, [rows, columns, sort]);
  const toggle = (key: string) => setSort((s) => (s?.key === key ? { key, direction: s.direction === 1 ? -1 : 1 } : { key, direction: -1 }));
  const exportCsv = () => downloadCsv(`${name}.csv`, columns.map((c) => c.header), sorted.map((row) => columns.map((c) => c.value(row))));
  const exportJson = () => downloadJson(`${name}.json`, json ?? sorted);

  return (
    <div className="overflow-hidden rounded-lg border border-slate-200 bg-white" data-testid={`table-${name}`}>
      <div className="flex items-center justify-between gap-3 border-b border-slate-100 px-3 py-2">
        <div className="text-sm font-medium text-slate-700">{caption}</div>
        <div className="flex gap-1 text-xs">
          <button type="button" onClick={exportCsv} className="rounded border border-slate-200 px-2 py-0.5 text-slate-600 hover:bg-slate-50">CSV</button>
          <button type="button" onClick={exportJson} className="rounded border border-slate-200 px-2 py-0.5 text-slate-600 hover:bg-slate-50">JSON</button>
        </div>
      </div>
      {rows.length === 0 ? (
        <div className="px-3 py-6 text-center text-sm text-slate-500">{empty ?? "Nothing to show."}</div>
      ) : (
        <div className="overflow-auto" style={maxHeight ? { maxHeight } : undefined}>
          <table className="w-full text-[13px]">
            <thead className="sticky top-0 z-10 bg-slate-50 text-xs uppercase tracking-wide text-slate-500">
              <tr>
                {columns.map((c) => (
                  <th
                    key={c.key}
                    scope="col"
                    title={c.title}
                    aria-sort={sort?.key === c.key ? (sort.direction === 1 ? "ascending" : "descending") : "none"}
                    className={`px-2 py-2 font-medium ${c.align === "right" ? "text-right" : "text-left"}`}
                  >
                    <button type="button" onClick={() => toggle(c.key)} className="inline-flex items-center gap-1 uppercase hover:text-slate-900">
                      {c.header}
                      <span aria-hidden className="text-[10px]">{sort?.key === c.key ? (sort.direction === 1 ? "▲" : "▼") : "↕"}</span>
                    </button>
                  </th>
                ))}
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {sorted.map((row) => (
                <tr
                  key={rowKey(row)}
                  {...rowProps?.(row)}
                  onClick={onRowClick ? () => onRowClick(row) : undefined}
                  className={onRowClick ? "cursor-pointer hover:bg-indigo-50/50" : "hover:bg-slate-50"}
                >
                  {columns.map((c) => (
                    <td key={c.key} className={`whitespace-nowrap px-2 py-1.5 ${c.align === "right" ? "text-right tabular-nums" : ""}`}>
                      {c.render ? c.render(row) : (c.value(row) ?? "—")}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
