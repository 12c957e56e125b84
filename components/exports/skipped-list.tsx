import { SKIP_REASON_LABELS, type SkipCounts, type SkipReason } from "@/lib/schemas/exports";

export function SkippedList({ skipped }: { skipped: SkipCounts }) {
  const entries = (Object.entries(skipped) as Array<[SkipReason, number]>).filter(([, n]) => n > 0);
  if (entries.length === 0) return <p className="text-xs text-slate-500">Nothing left out.</p>;
  return (
    <ul className="space-y-0.5 text-xs" data-testid="skipped">
      {entries.map(([reason, n]) => (
        <li key={reason} data-reason={reason} className="flex justify-between gap-4">
          <span className="text-slate-600">{SKIP_REASON_LABELS[reason]}</span>
          <span className="tabular-nums text-slate-800">{n.toLocaleString("en-US")}</span>
        </li>
      ))}
    </ul>
  );
}
