"use client";

import Link from "next/link";
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { AblationTable } from "@/components/metrics/ablation-table";
import { CoverageTable } from "@/components/metrics/coverage-table";
import { MethodTable } from "@/components/metrics/method-table";
import { QualityHistogram } from "@/components/metrics/quality-histogram";
import { EmptyState } from "@/components/ui/empty-state";
import { RunError, RunProgress } from "@/components/verdicts/run-progress";
import { metricsQueries, useRunVerifier } from "@/lib/queries/metrics";
import type { DatasetMetricsDto, RunDto } from "@/lib/schemas/verifier";

// A dataset's metrics page body: Table 1 per method, the ablation table, the quality histogram,
// which run they come from, and a button that runs the verifier again.

export function MetricsView({ dataset, initial, initialRuns }: { dataset: string; initial: DatasetMetricsDto; initialRuns: RunDto[] }) {
  const [run, setRun] = useState<number | null>(null);
  const metrics = useQuery({ ...metricsQueries.dataset(dataset, run), initialData: run === null ? initial : undefined });
  const runs = useQuery({ ...metricsQueries.runs(dataset), initialData: initialRuns });
  const verify = useRunVerifier(dataset);
  const data = metrics.data;

  return (
    <div className="space-y-6">
      <div className="flex flex-wrap items-center gap-3">
        <label className="text-sm text-slate-600">
          Run{" "}
          <select
            aria-label="Verifier run"
            value={run ?? ""}
            onChange={(e) => setRun(e.target.value ? Number(e.target.value) : null)}
            className="rounded border border-slate-300 bg-white px-2 py-1 text-sm"
          >
            <option value="">latest</option>
            {runs.data.filter((r) => r.status === "done").map((r) => (
              <option key={r.id} value={r.id}>
                #{r.id} · v{r.config} · {new Date(r.startedAt).toLocaleString("en-GB", { dateStyle: "short", timeStyle: "short" })}
              </option>
            ))}
          </select>
        </label>
        <button
          type="button"
          onClick={() => verify.mutate(undefined, { onSuccess: () => setRun(null) })}
          disabled={verify.isPending}
          className="rounded-md bg-brand px-3 py-1.5 text-sm font-medium text-white shadow-sm hover:opacity-90 disabled:opacity-60"
        >
          {verify.isPending ? "Verifying…" : "Run verifier"}
        </button>
        {verify.isPending ? <RunProgress dataset={dataset} /> : null}
        {verify.isSuccess ? (
          <span role="status" className="text-sm text-green-700">
            run {verify.data.run}: {verify.data.traces.toLocaleString("en-US")} traces, {verify.data.steps.toLocaleString("en-US")} steps in {verify.data.seconds.toFixed(1)} s
          </span>
        ) : null}
        {verify.isError ? <RunError error={verify.error} /> : null}
        <Link href={`/traces?dataset=${encodeURIComponent(dataset)}`} className="ml-auto text-sm text-brand hover:underline">Browse traces →</Link>
      </div>

      {!data || !data.run || !data.overall ? (
        metrics.isLoading ? (
          <div className="h-40 animate-pulse rounded-lg bg-slate-200" />
        ) : (
          <EmptyState title="This dataset has not been verified yet">
            Press <strong>Run verifier</strong>, or run <code className="rounded bg-slate-100 px-1">npm run stepwise -- verify --dataset {dataset}</code>.
          </EmptyState>
        )
      ) : (
        <>
          <p data-testid="metrics-run" data-run={data.run.id} className="text-sm text-slate-500">
            Run #{data.run.id} with verifier config v{data.run.config} · {data.run.traces.toLocaleString("en-US")} traces, {data.run.steps.toLocaleString("en-US")} steps
            {data.run.seconds !== null ? ` · ${data.run.seconds.toFixed(2)} s` : ""} · quality threshold {data.threshold}
          </p>
          <section aria-labelledby="table1" className="space-y-2">
            <h2 id="table1" className="text-lg font-semibold">Quality by generation method</h2>
            <MethodTable overall={data.overall} byMethod={data.byMethod} />
          </section>
          <div className="grid gap-6 xl:grid-cols-2">
            <section aria-labelledby="histogram" className="space-y-2">
              <h2 id="histogram" className="text-lg font-semibold">Quality scores</h2>
              <QualityHistogram bins={data.histogram} methods={data.methods} threshold={data.threshold} />
            </section>
            {data.ablation ? (
              <section aria-labelledby="ablation" className="space-y-2">
                <h2 id="ablation" className="text-lg font-semibold">Ablation</h2>
                <AblationTable rows={data.ablation} threshold={data.threshold ?? 0} />
              </section>
            ) : null}
          </div>
          {data.coverage ? (
            <section aria-labelledby="coverage" className="space-y-2">
              <h2 id="coverage" className="text-lg font-semibold">Coverage</h2>
              <CoverageTable coverage={data.coverage} dataset={dataset} />
            </section>
          ) : null}
        </>
      )}
    </div>
  );
}
