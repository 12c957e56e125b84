import { queryOptions } from "@tanstack/react-query";
import { fetchJson } from "@/lib/queries/fetch-json";
import type { TraceDetail, TraceListPage, TraceListQuery } from "@/lib/schemas/traces";

export const traceKeys = {
  all: ["traces"] as const,
  lists: () => [...traceKeys.all, "list"] as const,
  list: (query: Partial<TraceListQuery>) => [...traceKeys.lists(), query] as const,
  details: () => [...traceKeys.all, "detail"] as const,
  detail: (id: number) => [...traceKeys.details(), id] as const,
};

function search(query: Partial<TraceListQuery>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) if (value !== undefined && value !== "") params.set(key, String(value));
  return params.toString();
}

export const traceQueries = {
  list: (query: Partial<TraceListQuery>) =>
    queryOptions({ queryKey: traceKeys.list(query), queryFn: () => fetchJson<TraceListPage>(`/api/traces?${search(query)}`) }),
  detail: (id: number) => queryOptions({ queryKey: traceKeys.detail(id), queryFn: () => fetchJson<TraceDetail>(`/api/traces/${id}`) }),
};
