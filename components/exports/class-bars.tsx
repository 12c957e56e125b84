import { EXPORT_CLASSES, SPLITS, type ExportCounts } from "@/lib/schemas/exports";

const SPLIT_TONE: Record<string, string> = { train: "bg-brand", validation: "bg-sky-500", test: "bg-amber-500" };

/** Rows per relation class, stacked by split: the long tail at a glance. */
export function ClassBars({ counts }: { counts: ExportCounts }) {
  const rows = EXPORT_CLASSES.map((cls) => ({
    cls,
    parts: SPLITS.map((split) => ({ split, n: counts.classes[split]?.[cls] ?? 0 })),
  })).map((r) => ({ ...r, total: r.parts.reduce((n, p) => n + p.n, 0) }));
  const max = Math.max(1, ...rows.map((r) => r.total));
  return (
    <div className="space-y-1.5" data-testid="class-bars">
      {rows.map((r) => (
        <div key={r.cls} className="grid grid-cols-[7.5rem_1fr_3.5rem] items-center gap-2 text-xs" data-class={r.cls} data-rows={r.total}>
          <span className="text-slate-600">{r.cls}</span>
          <div className="flex h-3 overflow-hidden rounded bg-slate-100" title={r.parts.map((p) => `${p.split} ${p.n}`).join(" · ")}>
            {r.parts.map((p) => (p.n > 0 ? <div key={p.split} className={SPLIT_TONE[p.split]} style={{ width: `${(100 * p.n) / max}%` }} /> : null))}
          </div>
          <span className="text-right tabular-nums text-slate-700">{r.total.toLocaleString("en-US")}</span>
        </div>
      ))}
      <div className="flex gap-3 pt-1 text-[11px] text-slate-500">
        {SPLITS.map((s) => (
          <span key={s} className="inline-flex items-center gap-1">
            <span className={`inline-block h-2 w-2 rounded-sm ${SPLIT_TONE[s]}`} /> {s}
          </span>
        ))}
      </div>
    </div>
  );
}
