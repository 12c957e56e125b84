"use client";

import { useQuery } from "@tanstack/react-query";
import { ProgressBar } from "@/components/exports/progress-bar";
import { ApiError } from "@/lib/queries/fetch-json";
import { metricsQueries, useCancelRun } from "@/lib/queries/metrics";
import { isActiveRun } from "@/lib/schemas/verifier";

/**
 * A verifier run's progress while it goes on: the runs list is polled (the run writes how far it
 * has got after every batch of traces) and the running run's traces / dataset size are shown, with
 * a button that cancels it (it stops before its next batch and nothing of it is kept).
 * Mounted only while a run started here is pending, so polling stops with it.
 */
export function RunProgress({ dataset }: { dataset: string }) {
  const runs = useQuery({ ...metricsQueries.runs(dataset), refetchInterval: 500 });
  const cancel = useCancelRun(dataset);
  const running = runs.data?.find((r) => isActiveRun(r.status));
  const done = running?.traces ?? 0;
  const total = running?.total ?? 0;
  const cancelling = running?.status === "cancelling" || cancel.isPending || cancel.isSuccess;
  return (
    <span className="inline-flex items-center gap-2" data-testid="run-progress" data-done={done} data-total={total} data-run={running?.id ?? ""}>
      <span className="inline-flex w-72 flex-col gap-1">
        <ProgressBar value={total > 0 ? done / total : 0} status="running" label="Verifier run progress" />
        <span role="status" className="text-xs text-slate-500">
          {!running ? `starting a verifier run on ${dataset}…` : cancelling ? "cancelling…" : `verified ${done.toLocaleString("en-US")} of ${total.toLocaleString("en-US")} traces of ${dataset}…`}
        </span>
      </span>
      {running ? (
        <button
          type="button"
          onClick={() => cancel.mutate(running.id)}
          disabled={cancelling}
          className="rounded border border-slate-300 bg-white px-2 py-1 text-xs text-slate-700 hover:bg-slate-50 disabled:opacity-60"
        >
          Cancel run
        </button>
      ) : null}
      {cancel.isError ? <span role="alert" className="text-xs text-red-700">{cancel.error.message}</span> : null}
    </span>
  );
}

/** Why a verifier run started here ended without a result: a cancel is news, not an error. */
export function RunError({ error, className = "text-sm" }: { error: Error; className?: string }) {
  if (error instanceof ApiError && error.code === "cancelled") {
    return <span role="status" className={`${className} text-slate-600`}>Run cancelled: nothing of it was kept.</span>;
  }
  return <span role="alert" className={`${className} text-red-700`}>{error.message}</span>;
}
