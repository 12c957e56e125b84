import { queryOptions, useMutation, useQueryClient } from "@tanstack/react-query";
import { fetchJson } from "@/lib/queries/fetch-json";
import type { DatasetContents, DatasetSummary } from "@/lib/schemas/datasets";

export const datasetKeys = {
  all: ["datasets"] as const,
  list: () => [...datasetKeys.all, "list"] as const,
  contents: (name: string) => [...datasetKeys.all, "contents", name] as const,
};

const path = (name: string) => `/api/datasets/${encodeURIComponent(name)}`;

export const datasetQueries = {
  list: () => queryOptions({ queryKey: datasetKeys.list(), queryFn: () => fetchJson<DatasetSummary[]>("/api/datasets") }),
  /** What deleting the dataset would remove (the confirmation shows it). */
  contents: (name: string) => queryOptions({ queryKey: datasetKeys.contents(name), queryFn: () => fetchJson<DatasetContents>(`${path(name)}/contents`) }),
};

/** Rename and delete a dataset (PATCH / DELETE /api/datasets/NAME); both drop every cached dataset query. */
export function useDatasetAdmin() {
  const client = useQueryClient();
  const settle = () => client.invalidateQueries({ queryKey: datasetKeys.all });
  return {
    rename: useMutation({
      mutationFn: ({ name, to }: { name: string; to: string }) => fetchJson<{ name: string }>(path(name), { method: "PATCH", body: JSON.stringify({ name: to }) }),
      onSettled: settle,
    }),
    remove: useMutation({
      mutationFn: ({ name, confirm }: { name: string; confirm: string }) => fetchJson<DatasetContents>(`${path(name)}?confirm=${encodeURIComponent(confirm)}`, { method: "DELETE" }),
      onSettled: settle,
    }),
  };
}
