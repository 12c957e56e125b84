"use client";

import Link from "next/link";
import { useQuery } from "@tanstack/react-query";
import { Bar, BarChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { duration, fmt, JobProgress, JobStatus } from "@/components/generate/job-parts";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { generationQueries, useCancelGeneration, useResumeGeneration } from "@/lib/queries/generation";
import { isActiveGeneration, type GenerationJobDetailDto } from "@/lib/schemas/generation";

// A generation job, live (polled every second while it runs): done / in flight / failed, retries,
// parse fallbacks, tokens, cost, errors by kind, stop reasons, ETA and a throughput chart (recharts,
// like the metrics page); cancel and resume; the latest traces open in the review workspace.

function Tile({ label, value, name, tone }: { label: string; value: string; name: string; tone?: string }) {
  return (
    <div className="rounded bg-slate-50 p-2" data-stat={name}>
      <dt className="text-xs text-slate-500">{label}</dt>
      <dd className={`text-lg font-semibold tabular-nums ${tone ?? ""}`}>{value}</dd>
    </div>
  );
}

function Counts({ title, counts, empty }: { title: string; counts: Record<string, number>; empty: string }) {
  const rows = Object.entries(counts).filter(([, n]) => n !== 0).sort((a, b) => b[1] - a[1]);
  return (
    <section aria-label={title} className="space-y-2 rounded-lg border border-slate-200 bg-white p-4">
      <h2 className="text-sm font-semibold">{title}</h2>
      {rows.length === 0 ? (
        <p className="text-xs text-slate-500">{empty}</p>
      ) : (
        <table className="w-full text-xs">
          <tbody className="divide-y divide-slate-100">
            {rows.map(([k, n]) => (
              <tr key={k} data-count={k}>
                <td className="py-1 font-mono">{k}</td>
                <td className="py-1 text-right tabular-nums">{fmt(n)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function Throughput({ job }: { job: GenerationJobDetailDto }) {
  const { bucketSeconds, points } = job.throughput;
  const data = points.map((p) => ({ t: p.t, rate: Math.round((p.traces / bucketSeconds) * 100) / 100, traces: p.traces }));
  return (
    <figure className="rounded-lg border border-slate-200 bg-white p-3" data-testid="throughput-chart" data-points={points.length}>
      <figcaption className="mb-2 text-sm font-medium text-slate-700">Throughput (traces per second, {bucketSeconds} s buckets)</figcaption>
      {data.length === 0 ? (
        <p className="py-8 text-center text-xs text-slate-500">No traces yet.</p>
      ) : (
        <div className="h-48 w-full">
          <ResponsiveContainer width="100%" height="100%">
            <BarChart data={data} margin={{ top: 8, right: 8, bottom: 8, left: 0 }}>
              <CartesianGrid strokeDasharray="3 3" vertical={false} />
              <XAxis dataKey="t" tick={{ fontSize: 11 }} tickFormatter={(t: number) => `${t}s`} />
              <YAxis tick={{ fontSize: 11 }} width={40} />
              <Tooltip labelFormatter={(t) => `${t} s after the start`} formatter={(value, _name, item) => [`${value}/s (${item.payload.traces} traces)`, "throughput"]} />
              <Bar dataKey="rate" fill="#6366f1" isAnimationActive={false} />
            </BarChart>
          </ResponsiveContainer>
        </div>
      )}
    </figure>
  );
}

export function GenerationJobDetail({ initial }: { initial: GenerationJobDetailDto }) {
  const { data: job } = useQuery({ ...generationQueries.detail(initial.id), initialData: initial });
  const cancel = useCancelGeneration();
  const resume = useResumeGeneration();
  const active = isActiveGeneration(job.status) && !job.stale;
  const actionError = cancel.error ?? resume.error;
  const fallbacks = Object.values(job.parseFallbacks).reduce((a, b) => a + b, 0);
  const tokens = job.tokens.prompt + job.tokens.completion;
  return (
    <div className="space-y-4" data-testid="generation-job" data-job-id={job.id} data-status={job.status} data-stale={job.stale} data-done={job.done} data-total={job.total} data-failed={job.failed}>
      <header className="space-y-3 rounded-lg border border-slate-200 bg-white p-4">
        <div className="flex flex-wrap items-start justify-between gap-3">
          <div className="min-w-0">
            <h1 className="text-xl font-semibold">#{job.id} {job.title}</h1>
            <div className="mt-1 flex flex-wrap items-center gap-2 text-xs text-slate-500">
              <JobStatus job={job} />
              <Badge tone="brand">{job.method}</Badge>
              <span>{job.teacher === "builtin" ? "built-in teacher" : job.teacher} · {job.model}</span>
              <span>k {job.k} · {job.samples} sample{job.samples === 1 ? "" : "s"} · concurrency {job.concurrency}</span>
              <span>questions: {job.source}</span>
              {job.runs > 1 ? <span>run {job.runs} times</span> : null}
            </div>
          </div>
          <div className="flex gap-2">
            {active ? (
              <Button onClick={() => cancel.mutate(job.id)} disabled={cancel.isPending || job.status === "cancelling"}>
                {job.status === "cancelling" ? "Cancelling…" : "Cancel"}
              </Button>
            ) : null}
            {job.resumable ? (
              <Button variant="primary" onClick={() => resume.mutate(job.id)} disabled={resume.isPending}>
                {resume.isPending ? "Checking the teacher…" : "Resume"}
              </Button>
            ) : null}
          </div>
        </div>
        <JobProgress job={job} />
        <p className="text-xs text-slate-500">
          {fmt(job.done)} of {fmt(job.total)} question × sample items done
          {active && job.etaSeconds !== null ? ` · about ${duration(job.etaSeconds)} left` : ""}
          {job.stale ? " · interrupted (the process running it is gone): Resume continues where it stopped, with no duplicate" : ""}
        </p>
        {job.error ? <p role="alert" className="text-sm text-red-700">{job.error}</p> : null}
        {actionError ? <p role="alert" className="text-sm text-red-700">{actionError.message}</p> : null}
      </header>

      <dl className="grid grid-cols-2 gap-2 rounded-lg border border-slate-200 bg-white p-4 text-center sm:grid-cols-4 lg:grid-cols-8">
        <Tile name="done" label="Done" value={fmt(job.done)} tone="text-green-700" />
        <Tile name="in-flight" label="In flight" value={fmt(job.inFlight)} />
        <Tile name="failed" label="Failed" value={fmt(job.failed)} tone={job.failed ? "text-red-700" : undefined} />
        <Tile name="retries" label="Retries" value={fmt(job.retries)} />
        <Tile name="fallbacks" label="Parse fallbacks" value={fmt(fallbacks)} />
        <Tile name="tokens" label="Tokens" value={fmt(tokens)} />
        <Tile name="cost" label="Cost" value={job.costUsd === null ? "—" : `$${job.costUsd.toFixed(4)}`} />
        <Tile name="rate" label="Traces / s" value={job.ratePerSecond === null ? "—" : job.ratePerSecond.toFixed(2)} />
      </dl>

      <Throughput job={job} />

      <div className="grid gap-4 lg:grid-cols-3">
        <Counts title="Errors by kind" counts={job.errors} empty="No request failed." />
        <Counts title="Parse fallbacks" counts={job.parseFallbacks} empty="Every tool call came as native tool_calls." />
        <Counts title="Stop reasons" counts={job.stopReasons} empty="No trace finished yet." />
      </div>

      <section aria-label="Generated traces" className="space-y-2 rounded-lg border border-slate-200 bg-white p-4">
        <div className="flex flex-wrap items-center justify-between gap-2">
          <h2 className="text-sm font-semibold">Latest traces</h2>
          <div className="flex gap-3 text-xs">
            <Link className="text-brand hover:underline" href={`/traces?dataset=${encodeURIComponent(job.dataset)}&method=${encodeURIComponent(job.method)}`}>All {job.method} traces of {job.dataset}</Link>
            <Link className="text-brand hover:underline" href={`/datasets/${encodeURIComponent(job.dataset)}/metrics`}>Metrics per method</Link>
          </div>
        </div>
        {job.traces.length === 0 ? (
          <p className="text-xs text-slate-500">No trace yet.</p>
        ) : (
          <ul className="divide-y divide-slate-100 text-sm">
            {job.traces.map((t) => (
              <li key={t.id} className="flex items-center justify-between gap-3 py-1.5" data-trace-id={t.id}>
                <Link href={`/traces/${t.id}`} className="min-w-0 truncate hover:underline" title="Open in review">{t.question || t.externalId}</Link>
                <span className="flex shrink-0 items-center gap-2 text-xs text-slate-500">
                  {t.stopReason ? <span className="font-mono">{t.stopReason}</span> : null}
                  {t.valid === null ? <Badge>not verified</Badge> : <Badge tone={t.valid ? "pass" : "fail"}>{t.valid ? "valid" : "invalid"}</Badge>}
                </span>
              </li>
            ))}
          </ul>
        )}
      </section>
    </div>
  );
}
