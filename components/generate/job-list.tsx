"use client";

import Link from "next/link";
import { useQuery } from "@tanstack/react-query";
import { fmt, JobProgress, JobStatus } from "@/components/generate/job-parts";
import { EmptyState } from "@/components/ui/empty-state";
import { generationQueries } from "@/lib/queries/generation";
import type { GenerationJobDto } from "@/lib/schemas/generation";

// Every generation job, newest first; polls while one is running.

export function GenerationJobList({ initial }: { initial: GenerationJobDto[] }) {
  const { data: jobs } = useQuery({ ...generationQueries.list(), initialData: initial });
  if (jobs.length === 0) {
    return <EmptyState title="No generation jobs yet">Start one with the form: the built-in teacher needs no model.</EmptyState>;
  }
  return (
    <ul aria-label="Generation jobs" className="divide-y divide-slate-100 rounded-lg border border-slate-200 bg-white">
      {jobs.map((job) => (
        <li key={job.id} className="space-y-1.5 px-4 py-3" data-job-id={job.id} data-status={job.status}>
          <div className="flex flex-wrap items-center justify-between gap-2">
            <Link href={`/generate/${job.id}`} className="min-w-0 truncate font-medium text-slate-900 hover:underline">
              #{job.id} {job.title ?? `${job.method} · ${job.model}`}
            </Link>
            <JobStatus job={job} />
          </div>
          <JobProgress job={job} />
          <div className="flex flex-wrap gap-3 text-xs text-slate-500">
            <span>{fmt(job.done)} / {fmt(job.total)} traces</span>
            {job.failed ? <span className="text-red-700">{fmt(job.failed)} failed</span> : null}
            <span>{job.teacher === "builtin" ? "built-in teacher" : job.teacher}</span>
            <span>→ {job.dataset}</span>
            <time dateTime={job.createdAt}>{new Date(job.createdAt).toLocaleString()}</time>
          </div>
        </li>
      ))}
    </ul>
  );
}
