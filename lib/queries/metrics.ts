import { queryOptions, useMutation, useQueryClient } from "@tanstack/react-query";
import { fetchJson } from "@/lib/queries/fetch-json";
import { datasetKeys } from "@/lib/queries/datasets";
import { traceKeys } from "@/lib/queries/traces";
import type { DatasetMetricsDto, RunDto, RunSummary } from "@/lib/schemas/verifier";

export const metricsKeys = {
  all: ["metrics"] as const,
  dataset: (name: string) => [...metricsKeys.all, name] as const,
  detail: (name: string, run: number | null) => [...metricsKeys.dataset(name), run ?? "latest"] as const,
};

export const runKeys = {
  all: ["runs"] as const,
  list: (dataset: string) => [...runKeys.all, "list", dataset] as const,
};

export const metricsQueries = {
  dataset: (name: string, run: number | null) =>
    queryOptions({
      queryKey: metricsKeys.detail(name, run),
      queryFn: () => fetchJson<DatasetMetricsDto>(`/api/datasets/${encodeURIComponent(name)}/metrics?ablation=true${run ? `&run=${run}` : ""}`),
    }),
  runs: (dataset: string) => queryOptions({ queryKey: runKeys.list(dataset), queryFn: () => fetchJson<RunDto[]>(`/api/runs?dataset=${encodeURIComponent(dataset)}`) }),
};

/** Runs the verifier on a dataset; afterwards its metrics, runs and traces are stale. */
export function useRunVerifier(dataset: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (config?: number) => fetchJson<RunSummary>("/api/runs", { method: "POST", body: JSON.stringify({ dataset, ...(config ? { config } : {}) }) }),
    onSuccess: () =>
      Promise.all([
        client.invalidateQueries({ queryKey: metricsKeys.dataset(dataset) }),
        client.invalidateQueries({ queryKey: runKeys.list(dataset) }),
        client.invalidateQueries({ queryKey: traceKeys.all }),
        client.invalidateQueries({ queryKey: datasetKeys.all }),
      ]),
  });
}

/** Asks a running verifier run to stop; the run's own request then fails with "cancelled". */
export function useCancelRun(dataset: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (run: number) => fetchJson<{ id: number; status: string }>(`/api/runs/${run}`, { method: "DELETE" }),
    onSettled: () => client.invalidateQueries({ queryKey: runKeys.list(dataset) }),
  });
}
