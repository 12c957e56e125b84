import { Badge, type BadgeTone } from "@/components/ui/badge";
import type { GenerationJobDto } from "@/lib/schemas/generation";

// Small pieces shared by the generation job list and the job page.

export const JOB_TONE: Record<GenerationJobDto["status"], BadgeTone> = { queued: "neutral", running: "info", cancelling: "warn", done: "pass", failed: "fail", cancelled: "warn" };

export function JobStatus({ job }: { job: Pick<GenerationJobDto, "status" | "stale"> }) {
  if (job.stale) return <Badge tone="fail" title="its process is gone (a crash or restart): resume it">interrupted</Badge>;
  return <Badge tone={JOB_TONE[job.status]}>{job.status}</Badge>;
}

/** Progress of done (green) and failed (red) items; state in data attributes for tests. */
export function JobProgress({ job }: { job: Pick<GenerationJobDto, "id" | "done" | "failed" | "total" | "status"> }) {
  const total = Math.max(1, job.total);
  const done = Math.round((job.done / total) * 1000) / 10;
  const failed = Math.round((job.failed / total) * 1000) / 10;
  return (
    <div
      role="progressbar"
      aria-label={`Generation job ${job.id} progress`}
      aria-valuemin={0}
      aria-valuemax={job.total}
      aria-valuenow={job.done}
      data-status={job.status}
      className="flex h-2 w-full overflow-hidden rounded-full bg-slate-200"
    >
      <div className="h-full bg-green-600 transition-[width] duration-300" style={{ width: `${done}%` }} />
      <div className="h-full bg-red-500 transition-[width] duration-300" style={{ width: `${failed}%` }} />
    </div>
  );
}

export function duration(seconds: number | null): string {
  if (seconds === null) return "—";
  if (seconds < 60) return `${Math.round(seconds)} s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s`;
  return `${Math.floor(seconds / 3600)} h ${Math.round((seconds % 3600) / 60)} min`;
}

export const fmt = (n: number) => n.toLocaleString("en-US");
