import { useMutation, useQueryClient, queryOptions } from "@tanstack/react-query";
import { fetchJson } from "@/lib/queries/fetch-json";
import { calibrationKeys } from "@/lib/queries/calibration";
import { metricsKeys } from "@/lib/queries/metrics";
import { traceKeys } from "@/lib/queries/traces";
import type { ReviewActionResult, RevisionDto, StepLabel, TraceDecision } from "@/lib/schemas/reviews";
import type { QueuePick, TraceFacets } from "@/lib/schemas/trace-list";
import type { HumanBoxDto, LabelledBoxDto } from "@/lib/schemas/boxes";
import type { TraceDetail } from "@/lib/schemas/traces";

// Review mutations. Labels and decisions are optimistic: the cache shows the new label at once and
// rolls back (with the server's conflict message) if the server refuses. Every mutation ends by
// refetching the trace so versions, verdicts and revisions are the server's.

export const reviewKeys = {
  all: ["reviews"] as const,
  revisions: (stepId: number) => [...reviewKeys.all, "revisions", stepId] as const,
};

export const reviewQueries = {
  revisions: (stepId: number) => queryOptions({ queryKey: reviewKeys.revisions(stepId), queryFn: () => fetchJson<RevisionDto[]>(`/api/steps/${stepId}/revisions`) }),
  queue: (dataset: string | undefined, after: number | undefined, prefer?: "unchecked") =>
    queryOptions({
      queryKey: [...traceKeys.queue(dataset, after), prefer ?? ""] as const,
      queryFn: () => fetchJson<QueuePick>(`/api/queue/next?${new URLSearchParams({ ...(dataset ? { dataset } : {}), ...(after ? { after: String(after) } : {}), ...(prefer ? { prefer } : {}) })}`),
      staleTime: 0,
    }),
  facets: (dataset: string | undefined) =>
    queryOptions({ queryKey: traceKeys.facets(dataset), queryFn: () => fetchJson<TraceFacets>(`/api/traces/facets${dataset ? `?dataset=${encodeURIComponent(dataset)}` : ""}`) }),
};

/** The step id goes in the path only: request bodies are strict (docs/limits.md). */
const withoutStepId = <T extends { stepId: number }>({ stepId: _stepId, ...rest }: T) => rest;
const post = <T>(url: string, body: unknown) => fetchJson<T>(url, { method: "POST", body: JSON.stringify(body) });

function withStepVersions(trace: TraceDetail, result: ReviewActionResult): TraceDetail {
  const versions = new Map(result.steps.map((s) => [s.id, s]));
  return {
    ...trace,
    steps: trace.steps.map((s) => (versions.has(s.id) ? { ...s, version: versions.get(s.id)!.version, revision: versions.get(s.id)!.revision } : s)),
  };
}

/** The mutation scope of one trace's review actions (also what the save indicator counts). */
export const reviewScope = (traceId: number) => `review-${traceId}`;

/** The trace with `reviewer`'s label on a step replaced by a new one (until the server's answer). */
function withOwnLabel(trace: TraceDetail, reviewer: string, input: { stepId: number; label: StepLabel; comment?: string }): TraceDetail {
  const others = trace.reviews.filter((r) => !(r.stepId === input.stepId && r.user === reviewer));
  const mine = { id: -Date.now(), stepId: input.stepId, label: input.label, comment: input.comment ?? null, source: "human", user: reviewer, provenance: null, createdAt: new Date().toISOString() };
  return { ...trace, reviews: [...others, mine] };
}

export function useReviewMutations(traceId: number, reviewer: string) {
  const client = useQueryClient();
  const key = traceKeys.detail(traceId);
  // Labels feed calibration (agreement, fit, flips) and the metrics page: they are marked stale too,
  // so a reviewer who labels and then opens calibration sees every label, including the last ones.
  const settle = () =>
    Promise.all([
      client.invalidateQueries({ queryKey: key }),
      client.invalidateQueries({ queryKey: reviewKeys.all }),
      client.invalidateQueries({ queryKey: traceKeys.queues() }),
      client.invalidateQueries({ queryKey: calibrationKeys.all }),
      client.invalidateQueries({ queryKey: metricsKeys.all }),
    ]);
  // One scope per trace: mutations run one after another in the order the reviewer made them, so the
  // server records them in that order and "undo the last action" means the last one pressed.
  const scope = { id: reviewScope(traceId) };
  const applyResult = (result: ReviewActionResult) => {
    client.setQueryData<TraceDetail>(key, (trace) => (trace ? { ...withStepVersions(trace, result), version: result.traceVersion } : trace));
  };
  // Versions are read when the mutation runs, not when the key was pressed: earlier mutations of
  // this tab have already advanced them. A stale version then only means another tab or reviewer.
  const stepVersion = (stepId: number, fallback: number) => client.getQueryData<TraceDetail>(key)?.steps.find((s) => s.id === stepId)?.version ?? fallback;
  const traceVersion = (fallback: number) => client.getQueryData<TraceDetail>(key)?.version ?? fallback;

  // Optimistic: the cached trace changes at once, and an error puts the snapshot back.
  const optimistic = <I,>(change: (trace: TraceDetail, input: I) => TraceDetail) => ({
    onMutate: async (input: I) => {
      await client.cancelQueries({ queryKey: key });
      const previous = client.getQueryData<TraceDetail>(key);
      client.setQueryData<TraceDetail>(key, (trace) => (trace ? change(trace, input) : trace));
      return { previous };
    },
    onError: (_error: unknown, _input: I, context: { previous?: TraceDetail } | undefined) => context?.previous && client.setQueryData(key, context.previous),
  });

  const label = useMutation({
    scope,
    mutationFn: (input: { stepId: number; label: StepLabel; expectedVersion: number; stopAtFirstError: boolean; timeSpentMs?: number; comment?: string }) =>
      post<ReviewActionResult>(`/api/steps/${input.stepId}/label`, { ...withoutStepId(input), expectedVersion: stepVersion(input.stepId, input.expectedVersion), user: reviewer }),
    ...optimistic((trace, input: { stepId: number; label: StepLabel; comment?: string }) => withOwnLabel(trace, reviewer, input)),
    onSuccess: applyResult,
    onSettled: settle,
  });

  const decision = useMutation({
    scope,
    mutationFn: (input: { decision: TraceDecision; expectedVersion: number; timeSpentMs?: number }) =>
      post<ReviewActionResult>(`/api/traces/${traceId}/decision`, { ...input, expectedVersion: traceVersion(input.expectedVersion), user: reviewer }),
    ...optimistic((trace, input: { decision: TraceDecision }) => ({ ...trace, decision: input.decision })),
    onSuccess: applyResult,
    onSettled: settle,
  });

  const edit = useMutation({
    scope,
    mutationFn: (input: { stepId: number; expectedVersion: number; text?: string; args?: Record<string, unknown>; comment?: string }) =>
      post<ReviewActionResult>(`/api/steps/${input.stepId}/edit`, { ...withoutStepId(input), expectedVersion: stepVersion(input.stepId, input.expectedVersion), user: reviewer }),
    onSuccess: applyResult,
    onSettled: settle,
  });

  const rerun = useMutation({
    scope,
    mutationFn: (input: { stepId: number; expectedVersion: number; args?: Record<string, unknown> }) => post<ReviewActionResult>(`/api/steps/${input.stepId}/rerun`, { ...withoutStepId(input), expectedVersion: stepVersion(input.stepId, input.expectedVersion), user: reviewer }),
    onSuccess: applyResult,
    onSettled: settle,
  });

  const undo = useMutation({
    scope,
    mutationFn: () => post<ReviewActionResult>("/api/reviews/undo", { user: reviewer, traceId }),
    onSettled: settle,
  });

  return { label, decision, edit, rerun, undo };
}

export function useBoxMutations(traceId: number, reviewer: string) {
  const client = useQueryClient();
  const settle = () => client.invalidateQueries({ queryKey: traceKeys.detail(traceId) });
  const create = useMutation({
    // the id goes in the path only: request bodies are strict (docs/limits.md)
    mutationFn: ({ imageId, ...box }: { imageId: number; x: number; y: number; w: number; h: number }) => post<HumanBoxDto>(`/api/images/${imageId}/boxes`, { ...box, user: reviewer }),
    onSettled: settle,
  });
  const update = useMutation({
    mutationFn: ({ id, ...box }: { id: number; expectedVersion: number; x: number; y: number; w: number; h: number }) =>
      fetchJson(`/api/boxes/${id}`, { method: "PATCH", body: JSON.stringify({ ...box, user: reviewer }) }),
    onSettled: settle,
  });
  const remove = useMutation({
    mutationFn: (input: { id: number; expectedVersion: number }) => fetchJson(`/api/boxes/${input.id}?expectedVersion=${input.expectedVersion}&user=${encodeURIComponent(reviewer)}`, { method: "DELETE" }),
    onSettled: settle,
  });
  // labelling a box into a photo's scene re-verifies the traces on it: verdicts and lists change
  const label = useMutation({
    mutationFn: ({ id, ...object }: { id: number; expectedVersion: number; category: string; attributes: string[] }) =>
      fetchJson<LabelledBoxDto>(`/api/boxes/${id}/object`, { method: "PUT", body: JSON.stringify({ ...object, user: reviewer }) }),
    onSettled: () => Promise.all([settle(), client.invalidateQueries({ queryKey: traceKeys.all })]),
  });
  return { create, update, remove, label };
}
