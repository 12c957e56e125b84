"use client";

import { useQuery } from "@tanstack/react-query";
import { ProgressBar } from "@/components/exports/progress-bar";
import { metricsQueries } from "@/lib/queries/metrics";

/**
 * A verifier run's progress while it goes on: the runs list is polled (the run writes how far it
 * has got after every batch of traces) and the running run's traces / dataset size are shown.
 * Mounted only while a run started here is pending, so polling stops with it.
 */
export function RunProgress({ dataset }: { dataset: string }) {
  const runs = useQuery({ ...metricsQueries.runs(dataset), refetchInterval: 500 });
  const running = runs.data?.find((r) => r.status === "running");
  const done = running?.traces ?? 0;
  const total = running?.total ?? 0;
  return (
    <span className="inline-flex w-72 flex-col gap-1" data-testid="run-progress" data-done={done} data-total={total}>
      <ProgressBar value={total > 0 ? done / total : 0} status="running" label="Verifier run progress" />
      <span role="status" className="text-xs text-slate-500">
        {running ? `verified ${done.toLocaleString("en-US")} of ${total.toLocaleString("en-US")} traces of ${dataset}…` : `starting a verifier run on ${dataset}…`}
      </span>
    </span>
  );
}
