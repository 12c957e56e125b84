import { queryOptions, useMutation, useQueryClient } from "@tanstack/react-query";
import { fetchJson } from "@/lib/queries/fetch-json";
import type { PairListQuery, PairReview, PublishResult, SpareFunnelDetail, SparePairDto, SparePairPage, SpareRunListItem, SpareUploadRequest } from "@/lib/schemas/spare";

// SpaRE pages (docs/spare.md): query keys and fetchers for runs, funnels and pair review.

export const spareKeys = {
  all: ["spare"] as const,
  runs: () => [...spareKeys.all, "runs"] as const,
  funnel: (job: number) => [...spareKeys.all, "funnel", job] as const,
  pairs: (job: number, filter: PairListQuery) => [...spareKeys.all, "pairs", job, filter] as const,
  pairsOf: (job: number) => [...spareKeys.all, "pairs", job] as const,
};

const ACTIVE = new Set(["queued", "running", "cancelling"]);

export const spareQueries = {
  runs: () =>
    queryOptions({
      queryKey: spareKeys.runs(),
      queryFn: () => fetchJson<SpareRunListItem[]>("/api/spare/runs"),
      refetchInterval: (query) => (query.state.data?.some((r) => ACTIVE.has(r.status)) ? 1000 : false),
    }),
  funnel: (job: number) =>
    queryOptions({
      queryKey: spareKeys.funnel(job),
      queryFn: () => fetchJson<SpareFunnelDetail>(`/api/spare/runs/${job}`),
      refetchInterval: (query) => (query.state.data && ACTIVE.has(query.state.data.job.status) ? 1000 : false),
    }),
  pairs: (job: number, filter: PairListQuery) =>
    queryOptions({
      queryKey: spareKeys.pairs(job, filter),
      queryFn: () => {
        const params = new URLSearchParams();
        for (const [key, value] of Object.entries(filter)) if (value !== undefined && value !== "") params.set(key, String(value));
        return fetchJson<SparePairPage>(`/api/spare/runs/${job}/pairs?${params}`);
      },
    }),
};

export function useStartSpareRun() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: SpareUploadRequest) => fetchJson<{ job: number; resumed: boolean; captions: number; duplicates: number }>("/api/spare/runs", { method: "POST", body: JSON.stringify(body) }),
    onSuccess: () => client.invalidateQueries({ queryKey: spareKeys.runs() }),
  });
}

export function useCancelSpareRun(job: number) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: () => fetchJson<{ id: number; status: string }>(`/api/spare/runs/${job}`, { method: "DELETE" }),
    onSettled: () => Promise.all([client.invalidateQueries({ queryKey: spareKeys.funnel(job) }), client.invalidateQueries({ queryKey: spareKeys.runs() })]),
  });
}

export function usePublishSpareRun(job: number) {
  return useMutation({ mutationFn: () => fetchJson<PublishResult>(`/api/spare/runs/${job}/publish`, { method: "POST" }) });
}

/** Labels a pair; the page's lists and the funnel's precision table are stale afterwards. */
export function useReviewSparePair(job: number) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ id, review }: { id: number; review: PairReview }) => fetchJson<SparePairDto>(`/api/spare/pairs/${id}`, { method: "PATCH", body: JSON.stringify(review) }),
    onSuccess: () => Promise.all([client.invalidateQueries({ queryKey: spareKeys.pairsOf(job) }), client.invalidateQueries({ queryKey: spareKeys.funnel(job) })]),
  });
}
