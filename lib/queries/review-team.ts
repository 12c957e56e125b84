import { queryOptions, useMutation, useQueryClient } from "@tanstack/react-query";
import { fetchJson } from "@/lib/queries/fetch-json";
import type { AdjudicationQueue, AgreementReport, DisagreementItem, ReviewPolicyDto, ReviewProgress } from "@/lib/schemas/adjudication";

// React Query for several reviewers per trace (docs/design.md §13): agreement, progress, policy,
// assignment and the adjudication queue.

const enc = encodeURIComponent;

export const teamKeys = {
  all: ["review-team"] as const,
  agreement: (dataset: string) => [...teamKeys.all, "agreement", dataset] as const,
  progress: (dataset: string) => [...teamKeys.all, "progress", dataset] as const,
  queue: (dataset: string, status: string) => [...teamKeys.all, "queue", dataset, status] as const,
};

export const teamQueries = {
  agreement: (dataset: string) => queryOptions({ queryKey: teamKeys.agreement(dataset), queryFn: () => fetchJson<AgreementReport>(`/api/agreement?dataset=${enc(dataset)}`) }),
  progress: (dataset: string) => queryOptions({ queryKey: teamKeys.progress(dataset), queryFn: () => fetchJson<ReviewProgress>(`/api/datasets/${enc(dataset)}/review-progress`) }),
  queue: (dataset: string, status: "open" | "resolved") =>
    queryOptions({ queryKey: teamKeys.queue(dataset, status), queryFn: () => fetchJson<AdjudicationQueue>(`/api/adjudication?dataset=${enc(dataset)}&status=${status}`) }),
};

export function useTeamMutations(dataset: string) {
  const client = useQueryClient();
  const invalidate = () => client.invalidateQueries({ queryKey: teamKeys.all });
  return {
    setPolicy: useMutation({
      mutationFn: (body: { minReviews: number; blind: boolean; leaseMinutes: number }) => fetchJson<ReviewPolicyDto>(`/api/datasets/${enc(dataset)}/review-policy`, { method: "PUT", body: JSON.stringify(body) }),
      onSettled: invalidate,
    }),
    assign: useMutation({
      mutationFn: (body: { users: string[] }) => fetchJson<{ assigned: Array<{ traceId: number; user: string }>; skipped: number }>(`/api/datasets/${enc(dataset)}/assignments`, { method: "POST", body: JSON.stringify(body) }),
      onSettled: invalidate,
    }),
    adjudicate: useMutation({
      mutationFn: ({ stepId, ...body }: { stepId: number; label: string; comment?: string }) => fetchJson<DisagreementItem>(`/api/steps/${stepId}/adjudicate`, { method: "POST", body: JSON.stringify(body) }),
      onSettled: invalidate,
    }),
  };
}
