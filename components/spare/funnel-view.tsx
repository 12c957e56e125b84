"use client";

import Link from "next/link";
import { useMemo, useState } from "react";
import { useQuery } from "@tanstack/react-query";
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { Badge, type BadgeTone } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { spareQueries, useCancelSpareRun, usePublishSpareRun } from "@/lib/queries/spare";
import type { FilterName } from "@/lib/spare/filters";
import { rebalance, suggestedClassCap } from "@/lib/spare/rebalance";
import type { SpareFunnelDetail } from "@/lib/schemas/spare";

// A SpaRE run's funnel (docs/spare.md): counts at each stage with the examples each filter removed
// (each links to the pair in review, its caption's phrase highlighted), the relation distribution
// next to the paper's SR % with the long tail visible, before and after class caps, and each
// filter's precision measured from review labels.

const STATUS_TONE: Record<string, BadgeTone> = { done: "pass", failed: "fail", cancelled: "warn", running: "info", queued: "info", cancelling: "warn" };
const CLASSES = ["projective", "topological", "metric", "orientation", "comparison", "none"];
const pct = (n: number, d: number) => (d > 0 ? `${((100 * n) / d).toFixed(1)}%` : "—");
const fmt = (n: number) => n.toLocaleString("en-US");

export function FunnelView({ job }: { job: number }) {
  const funnel = useQuery(spareQueries.funnel(job));
  if (funnel.isPending) return <p className="text-sm text-slate-500">Loading the run…</p>;
  if (funnel.error) return <p role="alert" className="text-sm text-red-700">{funnel.error.message}</p>;
  return <Funnel data={funnel.data} />;
}

function Funnel({ data }: { data: SpareFunnelDetail }) {
  const { job, summary } = data;
  const cancel = useCancelSpareRun(job.id);
  const publish = usePublishSpareRun(job.id);
  const running = job.status === "running" || job.status === "queued" || job.status === "cancelling";
  const [open, setOpen] = useState<FilterName | null>(null);

  return (
    <div className="space-y-6">
      <header className="flex flex-wrap items-start justify-between gap-4">
        <div>
          <h1 className="text-2xl font-semibold tracking-tight">SpaRE run #{job.id} · {summary.dataset}</h1>
          <p className="mt-1 flex flex-wrap items-center gap-2 text-sm text-slate-500">
            <Badge tone={STATUS_TONE[job.status] ?? "neutral"}>{job.status}</Badge>
            <span>generation: {job.synthesizer}</span>
            <span>· classifier: {job.classifier}</span>
            <span>· near-duplicates: {job.embeddings ? "embeddings" : "MinHash"}</span>
            <span>· CLIPScore: {job.clip ? "on" : "skipped (no image-text endpoint)"}</span>
          </p>
          {job.error ? <p role="alert" className="mt-1 text-sm text-red-700">{job.error}</p> : null}
        </div>
        <div className="flex flex-wrap gap-2">
          {running ? (
            <Button onClick={() => cancel.mutate()} disabled={cancel.isPending || job.status === "cancelling"}>Cancel</Button>
          ) : null}
          <Link href={`/spare/${job.id}/review`} className="rounded-md border border-slate-300 bg-white px-2.5 py-1 text-sm font-medium shadow-sm hover:bg-slate-50">Review pairs</Link>
          <Button variant="primary" onClick={() => publish.mutate()} disabled={job.status !== "done" || publish.isPending}>
            {publish.isPending ? "Publishing…" : "Publish to dataset"}
          </Button>
        </div>
      </header>

      {running ? (
        <div aria-label="progress" className="space-y-1">
          <div className="h-2 w-full overflow-hidden rounded bg-slate-100">
            <div className="h-2 bg-brand transition-all" style={{ width: `${job.total ? (100 * job.done) / job.total : 0}%` }} />
          </div>
          <p className="text-xs text-slate-500">{job.done}/{job.total} chunks of captions</p>
        </div>
      ) : null}

      {publish.data ? (
        <p role="status" className="rounded border border-green-200 bg-green-50 p-2 text-sm text-green-800">
          Published {fmt(publish.data.traces)} pairs as traces of <strong>{publish.data.dataset}</strong> ({publish.data.left_out.rejected} rejected and {publish.data.left_out.removed} filtered pairs left out).{" "}
          <Link className="underline" href="/exports">Export them</Link> as VQA SFT.
        </p>
      ) : null}
      {publish.error ? <p role="alert" className="text-sm text-red-700">{publish.error.message}</p> : null}

      <section aria-label="Funnel" className="rounded-lg border border-slate-200 bg-white p-4">
        <h2 className="mb-3 font-medium">Funnel</h2>
        <ol className="space-y-1.5">
          {data.stages.map((stage) => {
            const base = stage.unit === "captions" ? summary.captions.in : summary.pairs.generated;
            const filter = stage.key as FilterName;
            const examples = data.examples[filter];
            return (
              <li key={stage.key} data-stage={stage.key} data-count={stage.count} data-removed={stage.removed}>
                <div className="grid grid-cols-[220px_1fr_150px] items-center gap-3 text-sm">
                  <span className="text-slate-700">{stage.label}</span>
                  <div className="h-4 rounded bg-slate-100" title={`${fmt(stage.count)} ${stage.unit}`}>
                    <div className={`h-4 rounded ${stage.unit === "captions" ? "bg-sky-400" : "bg-indigo-400"}`} style={{ width: `${base ? (100 * stage.count) / base : 0}%` }} />
                  </div>
                  <span className="tabular-nums">
                    {fmt(stage.count)} {stage.unit}
                    {stage.removed > 0 ? (
                      examples ? (
                        <button type="button" className="ml-2 text-red-700 underline-offset-2 hover:underline" aria-expanded={open === filter} onClick={() => setOpen(open === filter ? null : filter)}>
                          −{fmt(stage.removed)}
                        </button>
                      ) : (
                        <span className="ml-2 text-red-700">−{fmt(stage.removed)}</span>
                      )
                    ) : null}
                  </span>
                </div>
                {open === filter && examples ? (
                  <ul aria-label={`Removed by ${stage.label}`} className="my-2 ml-[232px] space-y-1 text-sm">
                    {examples.map((e) => (
                      <li key={e.pairId} className="rounded border border-slate-100 bg-slate-50 p-2">
                        <Link href={`/spare/${job.id}/review?removedBy=${filter}&pair=${e.pairId}`} className="font-medium text-brand hover:underline">{e.question}</Link>
                        <span className="text-slate-600"> → {e.answer}</span>
                        {e.reason ? <p className="text-xs text-slate-500">{e.reason}</p> : null}
                      </li>
                    ))}
                    {stage.removed > examples.length ? (
                      <li><Link className="text-xs text-brand hover:underline" href={`/spare/${job.id}/review?removedBy=${filter}`}>All {fmt(stage.removed)} removed pairs →</Link></li>
                    ) : null}
                  </ul>
                ) : null}
              </li>
            );
          })}
        </ol>
        <p className="mt-3 text-xs text-slate-500">
          kept {fmt(summary.pairs.kept)} + removed {fmt(summary.pairs.generated - summary.pairs.kept)} = generated {fmt(summary.pairs.generated)}; unparseable answers: {fmt(summary.pairs.unparseable)}; captions with a missing image: {fmt(data.captions.missingImages)}
          {data.captions.clipSkipped.length ? `; CLIPScore skipped: ${data.captions.clipSkipped.map((c) => `${c.reason} (${fmt(c.n)})`).join(", ")}` : ""}
        </p>
        {data.captions.notSpatialExamples.length ? (
          <details className="mt-2 text-sm">
            <summary className="cursor-pointer text-slate-600">Captions the pre-filter found not spatial</summary>
            <ul className="mt-1 space-y-1">
              {data.captions.notSpatialExamples.map((c) => (
                <li key={c.captionId} className="rounded bg-slate-50 p-2 text-xs"><span className="text-slate-500">{c.reason}: </span>{c.text.slice(0, 300)}</li>
              ))}
            </ul>
          </details>
        ) : null}
      </section>

      <Relations data={data} />
      <Precision data={data} />
    </div>
  );
}

function Relations({ data }: { data: SpareFunnelDetail }) {
  const rows = data.relations;
  const suggested = useMemo(() => suggestedClassCap(rows), [rows]);
  const [capInput, setCapInput] = useState<string>("");
  const cap = capInput === "" ? suggested : Math.max(0, Math.floor(Number(capInput) || 0));
  const balanced = useMemo(() => rebalance(rows, Object.fromEntries(CLASSES.map((c) => [c, cap]))), [rows, cap]);
  const kept = rows.reduce((a, r) => a + r.kept, 0);
  const after = balanced.reduce((a, r) => a + r.after, 0);
  const chart = balanced.map((r) => ({
    relation: r.relation,
    kept: kept ? (100 * r.kept) / kept : 0,
    rebalanced: after ? (100 * r.after) / after : 0,
    paper: rows.find((x) => x.relation === r.relation)?.paperPercent ?? 0,
  }));
  const caps = CLASSES.filter((c) => c !== "none").map((c) => `${c}=${cap}`).join(",");

  return (
    <section aria-label="Relations" className="rounded-lg border border-slate-200 bg-white p-4">
      <div className="flex flex-wrap items-end justify-between gap-3">
        <div>
          <h2 className="font-medium">Relations (kept pairs) next to the paper&apos;s SR %</h2>
          <p className="text-xs text-slate-500">SpaRE measured the long tail and left it; we cap each relation class at export. Preview of a cap per class:</p>
        </div>
        <label className="text-sm">
          <span className="mr-2 text-slate-600">Cap per class</span>
          <input type="number" min={0} value={capInput === "" ? String(suggested) : capInput} onChange={(e) => setCapInput(e.target.value)} className="w-24 rounded border border-slate-300 px-2 py-1" aria-label="Cap per relation class" />
        </label>
      </div>
      <figure data-testid="relation-chart" data-relations={rows.length} data-kept={kept} data-after={after} className="mt-3">
        <div className="h-72 w-full">
          <ResponsiveContainer width="100%" height="100%">
            <BarChart data={chart} margin={{ top: 8, right: 8, bottom: 60, left: 0 }}>
              <CartesianGrid strokeDasharray="3 3" />
              <XAxis dataKey="relation" interval={0} angle={-50} textAnchor="end" tick={{ fontSize: 10 }} />
              <YAxis tickFormatter={(v: number) => `${v.toFixed(0)}%`} tick={{ fontSize: 11 }} width={40} />
              <Tooltip formatter={(v) => `${Number(v).toFixed(2)}%`} />
              <Legend verticalAlign="top" />
              <Bar dataKey="kept" name="kept (before)" fill="#6366f1" />
              <Bar dataKey="rebalanced" name={`after cap ${cap}/class`} fill="#10b981" />
              <Bar dataKey="paper" name="paper SR %" fill="#f59e0b" />
            </BarChart>
          </ResponsiveContainer>
        </div>
        <figcaption className="text-xs text-slate-500">
          {fmt(kept)} kept pairs → {fmt(after)} after the cap. Export with <code className="rounded bg-slate-100 px-1">--relation-cap {caps}</code> (or the same caps in the export form).
        </figcaption>
      </figure>
      <details className="mt-2">
        <summary className="cursor-pointer text-sm text-slate-600">All {rows.length} relations (table)</summary>
        <table className="mt-2 w-full text-sm" aria-label="Relation table">
          <thead className="text-left text-xs uppercase text-slate-500">
            <tr><th className="py-1">Relation</th><th>Class</th><th className="text-right">Generated</th><th className="text-right">Kept</th><th className="text-right">Kept %</th><th className="text-right">After cap</th><th className="text-right">Paper SR %</th></tr>
          </thead>
          <tbody>
            {balanced.map((r) => {
              const source = rows.find((x) => x.relation === r.relation)!;
              return (
                <tr key={r.relation} data-relation={r.relation} className="border-t border-slate-100">
                  <td className="py-1">{r.relation}</td>
                  <td className="text-slate-500">{r.class}</td>
                  <td className="text-right tabular-nums">{fmt(source.generated)}</td>
                  <td className="text-right tabular-nums">{fmt(r.kept)}</td>
                  <td className="text-right tabular-nums">{pct(r.kept, kept)}</td>
                  <td className="text-right tabular-nums">{fmt(r.after)}</td>
                  <td className="text-right tabular-nums">{source.paperPercent === null ? "—" : source.paperPercent.toFixed(2)}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </details>
    </section>
  );
}

function Precision({ data }: { data: SpareFunnelDetail }) {
  return (
    <section aria-label="Filter precision" className="rounded-lg border border-slate-200 bg-white p-4">
      <h2 className="font-medium">Filters measured by review</h2>
      <p className="text-xs text-slate-500">
        A reviewer&apos;s reject on a pair a filter removed confirms the filter; an accept means it removed a good pair. Rejects among kept pairs are the bad pairs every filter let through.
      </p>
      <table className="mt-2 w-full text-sm">
        <thead className="text-left text-xs uppercase text-slate-500">
          <tr><th className="py-1">Stage</th><th className="text-right">Pairs</th><th className="text-right">Reviewed</th><th className="text-right">Accepted</th><th className="text-right">Rejected</th><th className="text-right">Bad share (reviewed)</th></tr>
        </thead>
        <tbody>
          {data.precision.map((p) => (
            <tr key={p.filter} data-filter={p.filter} className="border-t border-slate-100">
              <td className="py-1">{p.label}</td>
              <td className="text-right tabular-nums">{fmt(p.total)}</td>
              <td className="text-right tabular-nums">{fmt(p.reviewed)}</td>
              <td className="text-right tabular-nums">{fmt(p.accepted)}</td>
              <td className="text-right tabular-nums">{fmt(p.rejected)}</td>
              <td className="text-right tabular-nums" title={p.filter === "kept" ? "bad pairs let through" : "the filter's precision"}>{pct(p.rejected, p.reviewed)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
