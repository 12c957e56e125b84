import { queryOptions } from "@tanstack/react-query";
import { fetchJson } from "@/lib/queries/fetch-json";
import type { DatasetSummary } from "@/lib/schemas/datasets";

export const datasetKeys = {
  all: ["datasets"] as const,
  list: () => [...datasetKeys.all, "list"] as const,
};

export const datasetQueries = {
  list: () => queryOptions({ queryKey: datasetKeys.list(), queryFn: () => fetchJson<DatasetSummary[]>("/api/datasets") }),
};
