import { queryOptions } from "@tanstack/react-query";
import { fetchJson } from "@/lib/queries/fetch-json";
import type { TraceDetail } from "@/lib/schemas/traces";

// The trace list is server-rendered (app/traces/page.tsx); the client caches trace details and the
// list's filter facets.

export const traceKeys = {
  all: ["traces"] as const,
  facets: (dataset: string | undefined) => [...traceKeys.all, "facets", dataset ?? ""] as const,
  details: () => [...traceKeys.all, "detail"] as const,
  detail: (id: number) => [...traceKeys.details(), id] as const,
  // The review queue's pick depends on verdicts as much as on labels: it lives under traces, so a
  // verifier run (which invalidates traceKeys.all) refreshes it, and review actions invalidate it.
  queues: () => [...traceKeys.all, "queue"] as const,
  queue: (dataset: string | undefined, after: number | undefined) => [...traceKeys.queues(), dataset ?? "", after ?? 0] as const,
};

export const traceQueries = {
  detail: (id: number) => queryOptions({ queryKey: traceKeys.detail(id), queryFn: () => fetchJson<TraceDetail>(`/api/traces/${id}`) }),
};
