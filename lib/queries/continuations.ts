import { queryOptions, useMutation, useQueryClient } from "@tanstack/react-query";
import { fetchJson } from "@/lib/queries/fetch-json";
import { traceKeys } from "@/lib/queries/traces";
import type { ContinuationsDto, RegenerateBody, RegenerateResultDto, RestoreBody } from "@/lib/schemas/regenerate";

// Re-generate from here and the trace's archived continuations (docs/design.md §6).

export const continuationKeys = {
  all: ["continuations"] as const,
  trace: (traceId: number) => [...continuationKeys.all, traceId] as const,
};

export const continuationQueries = {
  trace: (traceId: number) => queryOptions({ queryKey: continuationKeys.trace(traceId), queryFn: () => fetchJson<ContinuationsDto>(`/api/traces/${traceId}/continuations`) }),
};

export function useContinuationMutations(traceId: number) {
  const client = useQueryClient();
  const settle = async () => {
    await Promise.all([client.invalidateQueries({ queryKey: traceKeys.detail(traceId) }), client.invalidateQueries({ queryKey: continuationKeys.trace(traceId) })]);
  };
  return {
    regenerate: useMutation({
      mutationFn: (body: RegenerateBody) => fetchJson<RegenerateResultDto>(`/api/traces/${traceId}/regenerate`, { method: "POST", body: JSON.stringify(body) }),
      onSuccess: settle,
    }),
    restore: useMutation({
      mutationFn: ({ branch, ...body }: RestoreBody & { branch: number }) => fetchJson<RegenerateResultDto>(`/api/traces/${traceId}/continuations/${branch}/restore`, { method: "POST", body: JSON.stringify(body) }),
      onSuccess: settle,
    }),
  };
}
