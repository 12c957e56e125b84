import { keepPreviousData, queryOptions, useMutation, useQueryClient } from "@tanstack/react-query";
import { fetchJson } from "@/lib/queries/fetch-json";
import { isActiveExport, type ExportConfigInput, type ExportDetailDto, type ExportDto, type ExportOptionsDto, type ExportPreview } from "@/lib/schemas/exports";

// React Query for export jobs: key factory, queries (lists poll while a job is queued or running)
// and mutations that invalidate through the same keys.

export const exportKeys = {
  all: ["exports"] as const,
  lists: () => [...exportKeys.all, "list"] as const,
  details: () => [...exportKeys.all, "detail"] as const,
  detail: (id: number) => [...exportKeys.details(), id] as const,
  options: () => [...exportKeys.all, "options"] as const,
  preview: (config: ExportConfigInput) => [...exportKeys.all, "preview", config] as const,
};

const POLL_MS = 500;

export const exportQueries = {
  list: () =>
    queryOptions({
      queryKey: exportKeys.lists(),
      queryFn: () => fetchJson<ExportDto[]>("/api/exports"),
      refetchInterval: (query) => (query.state.data?.some((e) => isActiveExport(e.status)) ? POLL_MS : false),
    }),
  detail: (id: number) =>
    queryOptions({
      queryKey: exportKeys.detail(id),
      queryFn: () => fetchJson<ExportDetailDto>(`/api/exports/${id}`),
      refetchInterval: (query) => (query.state.data && isActiveExport(query.state.data.status) ? POLL_MS : false),
    }),
  options: () => queryOptions({ queryKey: exportKeys.options(), queryFn: () => fetchJson<ExportOptionsDto>("/api/exports/options") }),
  preview: (config: ExportConfigInput) =>
    queryOptions({
      queryKey: exportKeys.preview(config),
      queryFn: () => fetchJson<ExportPreview>("/api/exports/preview", { method: "POST", body: JSON.stringify(config) }),
      placeholderData: keepPreviousData,
      retry: false,
      staleTime: 10_000,
    }),
};

export function useStartExport() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (config: ExportConfigInput) => fetchJson<ExportDetailDto>("/api/exports", { method: "POST", body: JSON.stringify(config) }),
    onSuccess: (created) => {
      client.setQueryData<ExportDto[]>(exportKeys.lists(), (list) => [created, ...(list ?? []).filter((e) => e.id !== created.id)]);
      return client.invalidateQueries({ queryKey: exportKeys.lists() });
    },
  });
}

export function useCancelExport() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (id: number) => fetchJson<{ cancelled: boolean }>(`/api/exports/${id}/cancel`, { method: "POST" }),
    onSettled: (_data, _error, id) => Promise.all([client.invalidateQueries({ queryKey: exportKeys.lists() }), client.invalidateQueries({ queryKey: exportKeys.detail(id) })]),
  });
}

export function useDeleteExport() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (id: number) => fetchJson<{ deleted: number }>(`/api/exports/${id}`, { method: "DELETE" }),
    onSuccess: (_data, id) => {
      client.setQueryData<ExportDto[]>(exportKeys.lists(), (list) => list?.filter((e) => e.id !== id));
      client.removeQueries({ queryKey: exportKeys.detail(id) });
    },
  });
}

export const archiveUrl = (id: number) => `/api/exports/${id}/archive`;
