import { queryOptions, useMutation, useQueryClient } from "@tanstack/react-query";
import { fetchJson } from "@/lib/queries/fetch-json";
import { isActiveGeneration, type GenerationJobDetailDto, type GenerationJobDto, type GenerationStartInput } from "@/lib/schemas/generation";

// React Query for generation jobs (/generate): key factory, queries that poll while a job is
// active, and start / cancel / resume mutations that update the same keys.

export const generationKeys = {
  all: ["generation"] as const,
  lists: () => [...generationKeys.all, "list"] as const,
  details: () => [...generationKeys.all, "detail"] as const,
  detail: (id: number) => [...generationKeys.details(), id] as const,
};

const POLL_MS = 1000;

export const generationQueries = {
  list: () =>
    queryOptions({
      queryKey: generationKeys.lists(),
      queryFn: () => fetchJson<GenerationJobDto[]>("/api/generation"),
      refetchInterval: (query) => (query.state.data?.some((j) => isActiveGeneration(j.status) && !j.stale) ? POLL_MS : false),
    }),
  detail: (id: number) =>
    queryOptions({
      queryKey: generationKeys.detail(id),
      queryFn: () => fetchJson<GenerationJobDetailDto>(`/api/generation/${id}`),
      refetchInterval: (query) => (query.state.data && isActiveGeneration(query.state.data.status) && !query.state.data.stale ? POLL_MS : false),
    }),
};

function useSettle() {
  const client = useQueryClient();
  return (job: GenerationJobDetailDto) => {
    client.setQueryData(generationKeys.detail(job.id), job);
    return client.invalidateQueries({ queryKey: generationKeys.lists() });
  };
}

export function useStartGeneration() {
  const settle = useSettle();
  return useMutation({
    mutationFn: (input: GenerationStartInput) => fetchJson<GenerationJobDetailDto>("/api/generation", { method: "POST", body: JSON.stringify(input) }),
    onSuccess: settle,
  });
}

export function useCancelGeneration() {
  const settle = useSettle();
  return useMutation({ mutationFn: (id: number) => fetchJson<GenerationJobDetailDto>(`/api/generation/${id}/cancel`, { method: "POST" }), onSuccess: settle });
}

export function useResumeGeneration() {
  const settle = useSettle();
  return useMutation({ mutationFn: (id: number) => fetchJson<GenerationJobDetailDto>(`/api/generation/${id}/resume`, { method: "POST" }), onSuccess: settle });
}
