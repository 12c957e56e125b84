import { queryOptions, useMutation, useQueryClient } from "@tanstack/react-query";
import { calibrationKeys } from "@/lib/queries/calibration";
import { fetchJson } from "@/lib/queries/fetch-json";
import { metricsKeys } from "@/lib/queries/metrics";
import { traceKeys } from "@/lib/queries/traces";
import type { BulkActionDto, BulkApplyBody, BulkApplyResult, BulkPreview, BulkPreviewBody } from "@/lib/schemas/bulk";
import type { ReviewActionResult } from "@/lib/schemas/reviews";
import type { SavedViewDto } from "@/lib/schemas/saved-views";

// The trace list's client state (docs/design.md §6): your saved views and bulk actions. The list
// itself is server-rendered; after a bulk action or its undo the page refreshes (router.refresh)
// and every cache that reads labels is marked stale.

export const traceListKeys = {
  all: ["trace-list"] as const,
  views: () => [...traceListKeys.all, "views"] as const,
  bulk: () => [...traceListKeys.all, "bulk"] as const,
};

export const traceListQueries = {
  views: () => queryOptions({ queryKey: traceListKeys.views(), queryFn: () => fetchJson<SavedViewDto[]>("/api/views") }),
  /** your recent bulk actions, newest first */
  bulk: () => queryOptions({ queryKey: traceListKeys.bulk(), queryFn: () => fetchJson<BulkActionDto[]>("/api/traces/bulk") }),
};

const send = <T>(url: string, method: string, body?: unknown) => fetchJson<T>(url, { method, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });

export function useSavedViewMutations() {
  const client = useQueryClient();
  const settle = () => client.invalidateQueries({ queryKey: traceListKeys.views() });
  return {
    create: useMutation({ mutationFn: (body: { name: string; query: string }) => send<SavedViewDto>("/api/views", "POST", body), onSettled: settle }),
    update: useMutation({ mutationFn: ({ id, ...body }: { id: number; name?: string; query?: string }) => send<SavedViewDto>(`/api/views/${id}`, "PATCH", body), onSettled: settle }),
    remove: useMutation({ mutationFn: (id: number) => send<{ deleted: number }>(`/api/views/${id}`, "DELETE"), onSettled: settle }),
  };
}

export function useBulkMutations() {
  const client = useQueryClient();
  // labels feed the trace details, the queue, calibration and metrics
  const settle = () =>
    Promise.all([
      client.invalidateQueries({ queryKey: traceListKeys.bulk() }),
      client.invalidateQueries({ queryKey: traceKeys.all }),
      client.invalidateQueries({ queryKey: calibrationKeys.all }),
      client.invalidateQueries({ queryKey: metricsKeys.all }),
    ]);
  return {
    preview: useMutation({ mutationFn: (body: BulkPreviewBody) => send<BulkPreview>("/api/traces/bulk/preview", "POST", body) }),
    apply: useMutation({ mutationFn: (body: BulkApplyBody) => send<BulkApplyResult>("/api/traces/bulk", "POST", body), onSettled: settle }),
    undo: useMutation({ mutationFn: (bulk: number) => send<ReviewActionResult>("/api/reviews/undo", "POST", { bulk }), onSettled: settle }),
  };
}
