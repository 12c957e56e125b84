import type { ExportStatus } from "@/lib/schemas/exports";

const TONE: Record<ExportStatus, string> = {
  queued: "bg-slate-400",
  running: "bg-brand",
  done: "bg-green-600",
  failed: "bg-red-600",
  cancelled: "bg-slate-400",
};

/** Determinate progress bar; state lives in data attributes (e2e reads them, not pixels). */
export function ProgressBar({ value, status, label }: { value: number; status: ExportStatus; label: string }) {
  const percent = Math.round(Math.max(0, Math.min(1, value)) * 100);
  return (
    <div
      role="progressbar"
      aria-label={label}
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={percent}
      data-status={status}
      className="h-2 w-full overflow-hidden rounded-full bg-slate-200"
    >
      <div className={`h-full rounded-full transition-[width] duration-300 ${TONE[status]}`} style={{ width: `${percent}%` }} />
    </div>
  );
}
