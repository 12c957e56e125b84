"use client";

import dynamic from "next/dynamic";
import { useRouter } from "next/navigation";
import { useIsMutating, useQuery, useQueryClient } from "@tanstack/react-query";
import { useCallback, useEffect, useEffectEvent, useMemo, useRef, useState, useSyncExternalStore } from "react";
import type { Geometry } from "@/components/canvas/trace-canvas";
import { HelpDialog } from "@/components/review/help-dialog";
import { HistoryDialog } from "@/components/review/history-dialog";
import { labelAuthor, ReviewStep } from "@/components/review/review-step";
import { stepArrows } from "@/components/review/step-arrows";
import { StepEditor } from "@/components/review/step-editor";
import { useTraceHistory } from "@/components/review/use-trace-history";
import { Badge } from "@/components/ui/badge";
import { VerificationSummary } from "@/components/verdicts/verification-summary";
import { Button } from "@/components/ui/button";
import { ToastRegion, useToasts } from "@/components/ui/toast";
import { useHydrated } from "@/components/ui/use-hydrated";
import { reviewQueries, reviewScope, useBoxMutations, useReviewMutations } from "@/lib/queries/reviews";
import { traceQueries } from "@/lib/queries/traces";
import type { StepLabel } from "@/lib/schemas/reviews";
import type { BoxDto, InjectedFaultDto, StepDto, TraceDetail } from "@/lib/schemas/traces";
import { matchShortcut, shortcutFor, type ShortcutCommand } from "@/lib/shortcuts";

const TraceCanvas = dynamic(() => import("@/components/canvas/trace-canvas"), {
  ssr: false,
  loading: () => <div className="aspect-[3/2] w-full animate-pulse rounded-lg bg-slate-200" />,
});

// The review workspace: canvas linked to the step timeline, one action bar for the current step,
// keyboard-first (lib/shortcuts.ts), optimistic labels with conflict messages, undo, history.

export interface ReviewWorkspaceProps {
  initial: TraceDetail;
  reviewer: string;
  /** The step that is current when the trace opens (?step=N links from calibration). */
  initialStep?: number;
  /** Viewers read only: no label, decision, edit, re-run or undo controls (the API refuses them too). */
  readOnly?: boolean;
}

const STOP_KEY = "stepwise.stopAtFirstError";
const NO_OTHERS: Array<{ user: string; label: string; source: string }> = [];
const NO_FAULTS: InjectedFaultDto[] = [];
const NO_COMMENTS: Array<{ user: string; text: string }> = [];
const STOP_EVENT = "stepwise:stop-at-first-error";

// The stop-at-first-error preference lives in localStorage (per browser), read as an external store
// so the server render (false) and the client agree.
function subscribeStop(onChange: () => void) {
  window.addEventListener(STOP_EVENT, onChange);
  window.addEventListener("storage", onChange);
  return () => {
    window.removeEventListener(STOP_EVENT, onChange);
    window.removeEventListener("storage", onChange);
  };
}
const readStop = () => localStorage.getItem(STOP_KEY) === "true";
function writeStop(value: boolean) {
  localStorage.setItem(STOP_KEY, String(value));
  window.dispatchEvent(new Event(STOP_EVENT));
}

export function ReviewWorkspace({ initial, reviewer, initialStep = 0, readOnly = false }: ReviewWorkspaceProps) {
  const router = useRouter();
  const client = useQueryClient();
  const { data: trace } = useQuery({ ...traceQueries.detail(initial.id), initialData: initial });
  const mutations = useReviewMutations(trace.id, reviewer);
  const boxes = useBoxMutations(trace.id, reviewer);
  const { toasts, show, dismiss } = useToasts();
  const history = useTraceHistory(trace.id);
  const queue = useQuery(reviewQueries.queue(trace.dataset.name, trace.id));

  const [current, setCurrent] = useState(initialStep);
  const [hovered, setHovered] = useState<number | null>(null);
  const [editing, setEditing] = useState<{ stepId: number; draft: string; error: string | null } | null>(null);
  const stopAtFirstError = useSyncExternalStore(subscribeStop, readStop, () => false);
  // false in the server render and during hydration: keys and clicks work once this is true
  const ready = useHydrated();
  const [selectedObject, setSelectedObject] = useState<number | null>(null);
  const [helpOpen, setHelpOpen] = useState(false);
  const [comment, setComment] = useState("");
  const commentBox = useRef<HTMLInputElement>(null);
  const [historyOf, setHistoryOf] = useState<StepDto | null>(null);
  const since = useRef(0);
  const stepRefs = useRef(new Map<number, HTMLLIElement>());

  useEffect(() => {
    history.remember();
    since.current = Date.now();
  }, [history]);
  useEffect(() => {
    since.current = Date.now();
    stepRefs.current.get(current)?.scrollIntoView({ block: "nearest", behavior: "smooth" });
  }, [current]);

  const steps = trace.steps;
  const step = steps[current] ?? null;
  const focus = hovered ?? current;
  const focusStep = steps[focus] ?? null;
  const highlighted = useMemo(() => (focusStep ? focusStep.refs : []), [focusStep]);
  const arrows = useMemo(() => (focusStep ? stepArrows(focusStep, steps) : []), [focusStep, steps]);
  const toolOfCall = useMemo(() => new Map(steps.filter((s) => s.kind === "tool_call" && s.callId).map((s) => [s.callId!, s.tool])), [steps]);
  const mine = useMemo(() => new Map(trace.reviews.filter((r) => r.stepId !== null && r.user === reviewer && r.source === "human").map((r) => [r.stepId!, r.label])), [trace.reviews, reviewer]);
  const comments = useMemo(() => {
    const byStep = new Map<number, Array<{ user: string; text: string }>>();
    for (const r of trace.reviews) if (r.stepId !== null && r.comment && r.label !== "after_error") byStep.set(r.stepId, [...(byStep.get(r.stepId) ?? []), { user: r.user, text: r.comment }]);
    return byStep;
  }, [trace.reviews]);
  const others = useMemo(() => {
    const byStep = new Map<number, Array<{ user: string; label: string; source: string }>>();
    for (const r of trace.reviews) {
      if (r.stepId === null || r.user === reviewer || r.label === "after_error") continue;
      byStep.set(r.stepId, [...(byStep.get(r.stepId) ?? []), { user: r.user, label: r.label, source: r.source }]);
    }
    return byStep;
  }, [trace.reviews, reviewer]);
  const injectedByStep = useMemo(() => {
    const byStep = new Map<number, InjectedFaultDto[]>();
    for (const fault of trace.injected) byStep.set(fault.step, [...(byStep.get(fault.step) ?? []), fault]);
    return byStep;
  }, [trace.injected]);
  const setStepRef = useCallback((index: number, node: HTMLLIElement | null) => {
    if (node) stepRefs.current.set(index, node);
    else stepRefs.current.delete(index);
  }, []);
  const decisions = trace.reviews.filter((r) => r.stepId === null);
  const labelled = steps.filter((s) => mine.has(s.id)).length;
  const stepsMentioningSelected = selectedObject === null ? [] : steps.filter((s) => s.refs.includes(selectedObject));

  const fail = useCallback((error: unknown) => {
    const message = error instanceof Error ? error.message : String(error);
    show("error", message);
  }, [show]);

  const label = (value: StepLabel) => {
    if (!step || readOnly) return;
    const timeSpentMs = Date.now() - since.current;
    const note = comment.trim() || undefined;
    mutations.label.mutate({ stepId: step.id, label: value, expectedVersion: step.version, stopAtFirstError, timeSpentMs, comment: note }, { onError: fail });
    setComment("");
    if (value === "reject" && stopAtFirstError) return;
    setCurrent((c) => Math.min(steps.length - 1, c + 1));
  };

  const startEdit = () => {
    if (!step || step.kind === "tool_result") {
      if (step?.kind === "tool_result") show("info", "Tool results are not edited by hand: edit the call and Re-run it.");
      return;
    }
    setEditing({ stepId: step.id, draft: step.kind === "tool_call" ? JSON.stringify(step.args ?? {}, null, 2) : step.text ?? "", error: null });
  };

  const parseDraft = (): { text?: string; args?: Record<string, unknown> } | null => {
    if (!editing || !step) return null;
    if (step.kind !== "tool_call") return { text: editing.draft };
    try {
      const args = JSON.parse(editing.draft) as unknown;
      if (!args || typeof args !== "object" || Array.isArray(args)) throw new Error("arguments must be a JSON object");
      return { args: args as Record<string, unknown> };
    } catch (error) {
      setEditing({ ...editing, error: `Not valid JSON: ${(error as Error).message}` });
      return null;
    }
  };

  const save = () => {
    const change = parseDraft();
    if (!change || !step) return;
    mutations.edit.mutate({ stepId: step.id, expectedVersion: step.version, ...change }, {
      onSuccess: () => {
        setEditing(null);
        show("success", `Saved revision ${step.revision + 1} of step ${step.index}.`);
      },
      onError: fail,
    });
  };

  const rerun = () => {
    if (!step || step.kind !== "tool_call") return;
    const change = editing ? parseDraft() : {};
    if (change === null) return;
    mutations.rerun.mutate({ stepId: step.id, expectedVersion: step.version, ...(change.args ? { args: change.args } : {}) }, {
      onSuccess: () => {
        setEditing(null);
        show("success", `Re-ran ${step.tool} on the scene; the result is a new revision and the trace was re-verified.`);
      },
      onError: fail,
    });
  };

  const undo = () =>
    mutations.undo.mutate(undefined, {
      onSuccess: (result) => {
        show("info", `Undid your last ${result.undone}${result.stepId !== null ? ` on step ${steps.find((s) => s.id === result.stepId)?.index ?? ""}` : ""}.`);
        const index = steps.findIndex((s) => s.id === result.stepId);
        if (index >= 0) setCurrent(index);
      },
      onError: fail,
    });

  const decide = (decision: "accept" | "reject") =>
    !readOnly &&
    mutations.decision.mutate({ decision, expectedVersion: trace.version, timeSpentMs: Date.now() - since.current }, { onError: fail });

  const goNext = async () => {
    const pick = queue.data ?? (await client.fetchQuery(reviewQueries.queue(trace.dataset.name, trace.id)));
    if (pick.traceId) router.push(`/traces/${pick.traceId}`);
    else show("info", "The queue is empty: every trace in this dataset has been reviewed.");
  };
  const goPrevious = () => {
    const previous = history.previous();
    if (previous) router.push(`/traces/${previous}`);
    else show("info", "No previous trace in this tab.");
  };

  const selectObject = (index: number) => {
    setSelectedObject((current) => (current === index ? null : index));
    const first = steps.find((s) => s.refs.includes(index));
    if (first) stepRefs.current.get(first.index)?.scrollIntoView({ block: "center", behavior: "smooth" });
  };

  const toggleStop = () => writeStop(!stopAtFirstError);

  // f / Shift+F: the next / previous step any rule failed on (wrapping around), for verifier-first review
  const failing = useMemo(() => steps.filter((s) => trace.verification?.steps[s.id]?.outcome === "fail").map((s) => s.index), [steps, trace.verification]);
  const jumpToFailing = (direction: 1 | -1) => {
    if (failing.length === 0) return show("info", trace.verification ? "No step fails a verifier rule in this trace." : "This trace has not been verified yet.");
    const target = direction === 1 ? (failing.find((i) => i > current) ?? failing[0]) : ([...failing].reverse().find((i) => i < current) ?? failing[failing.length - 1]);
    setCurrent(target);
  };

  const run = (command: ShortcutCommand) => {
    if (helpOpen || historyOf) return;
    switch (command) {
      case "nextStep": return setCurrent((c) => Math.min(steps.length - 1, c + 1));
      case "previousStep": return setCurrent((c) => Math.max(0, c - 1));
      case "nextFailing": return jumpToFailing(1);
      case "previousFailing": return jumpToFailing(-1);
      case "accept": return label("accept");
      case "neutral": return label("neutral");
      case "reject": return label("reject");
      case "edit": return startEdit();
      case "save": return save();
      case "cancel": return setEditing(null);
      case "rerun": return rerun();
      case "undo": return undo();
      case "acceptTrace": return decide("accept");
      case "rejectTrace": return decide("reject");
      case "toggleStopAtFirstError": return toggleStop();
      case "nextTrace": return void goNext();
      case "previousTrace": return goPrevious();
      case "help": return setHelpOpen(true);
      case "comment": return commentBox.current?.focus();
    }
  };
  const onShortcut = useEffectEvent((command: ShortcutCommand) => run(command));
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      const command = matchShortcut(event, { editing: editing !== null });
      if (!command) return;
      event.preventDefault();
      onShortcut(command);
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [editing]);

  const boxCreate = (geometry: Geometry) => trace.image && boxes.create.mutate({ imageId: trace.image.id, ...geometry }, { onError: fail });
  const boxChange = (box: BoxDto, geometry: Geometry) => boxes.update.mutate({ id: box.id, expectedVersion: box.version, ...geometry }, { onError: fail });
  const boxDelete = (box: BoxDto) => boxes.remove.mutate({ id: box.id, expectedVersion: box.version }, { onError: fail });

  const busy = mutations.edit.isPending || mutations.rerun.isPending;
  // Labels are optimistic: the page shows them at once while the server records them in order. The
  // indicator says how many are still on their way, and leaving the page meanwhile asks first.
  const scopeId = reviewScope(trace.id);
  const saving = useIsMutating({ predicate: (m) => m.options.scope?.id === scopeId });
  useEffect(() => {
    if (saving === 0) return;
    const warn = (event: BeforeUnloadEvent) => event.preventDefault();
    window.addEventListener("beforeunload", warn);
    return () => window.removeEventListener("beforeunload", warn);
  }, [saving]);
  const width = trace.image?.width ?? 480;
  const height = trace.image?.height ?? 320;
  const currentLabel = step ? mine.get(step.id) ?? null : null;

  return (
    <div className="grid gap-6 lg:grid-cols-[minmax(0,5fr)_minmax(0,4fr)]" data-testid="review-workspace" data-ready={ready} data-current-step={current} data-stop-at-first-error={stopAtFirstError}>
      <section aria-label="Image" className="space-y-3 lg:sticky lg:top-4 lg:self-start">
        {trace.image ? (
          <TraceCanvas
            imageUrl={trace.image.available ? `/api/images/${trace.image.id}` : null}
            width={width}
            height={height}
            boxes={trace.boxes}
            objects={trace.scene?.objects ?? []}
            highlighted={highlighted}
            arrows={arrows}
            selectedObject={selectedObject}
            onObjectClick={selectObject}
            onBoxCreate={boxCreate}
            onBoxChange={boxChange}
            onBoxDelete={boxDelete}
          />
        ) : (
          <div className="rounded-lg border border-dashed border-slate-300 p-6 text-sm text-slate-500">This trace has no image.</div>
        )}
        {selectedObject !== null ? (
          <div data-testid="object-steps" className="rounded-lg border border-amber-300 bg-amber-50 px-3 py-2 text-sm">
            <span className="font-mono">obj_{selectedObject}</span> is mentioned in{" "}
            {stepsMentioningSelected.length === 0 ? "no step" : null}
            {stepsMentioningSelected.map((s) => (
              <button key={s.id} type="button" onClick={() => setCurrent(s.index)} className="mx-0.5 rounded bg-white px-1.5 font-mono text-xs ring-1 ring-amber-300 hover:bg-amber-100">
                step {s.index}
              </button>
            ))}
            <button type="button" onClick={() => setSelectedObject(null)} className="ml-2 text-xs text-amber-800 underline">clear</button>
          </div>
        ) : null}
        <dl className="grid grid-cols-[max-content_1fr] gap-x-4 gap-y-1 text-sm">
          <dt className="text-slate-500">Image</dt>
          <dd className="font-mono text-xs">{trace.image?.name ?? "—"}{trace.image && !trace.image.available ? " (file missing)" : ""}</dd>
          <dt className="text-slate-500">Scene</dt>
          <dd>{trace.scene ? `${trace.scene.objects.length} objects` : "no scene graph"}</dd>
          <dt className="text-slate-500">Teacher</dt>
          <dd className="font-mono text-xs">{trace.teacherModel ?? "—"}</dd>
        </dl>
      </section>

      <section aria-label="Trace" className="space-y-3">
        <div className="flex flex-wrap items-center justify-between gap-2 rounded-lg border border-slate-200 bg-white px-3 py-2 text-sm" data-testid="queue-bar">
          <span className="text-slate-600">
            {queue.data ? (
              <>Reviewed <strong>{queue.data.progress.reviewed}</strong> of {queue.data.progress.total} · you: {queue.data.progress.byYou}</>
            ) : "Queue…"}
          </span>
          <span className="flex items-center gap-2">
            {queue.data?.reason ? <span className="hidden text-xs text-slate-400 xl:inline">next: {queue.data.reason}</span> : null}
            <Button onClick={goPrevious} shortcut={shortcutFor("previousTrace").label} aria-label="Previous trace">←</Button>
            <Button variant="primary" onClick={() => void goNext()} shortcut={shortcutFor("nextTrace").label} disabled={queue.data?.traceId === null}>Next trace</Button>
            <Button variant="ghost" onClick={() => setHelpOpen(true)} shortcut="?" aria-label="Keyboard shortcuts">Keys</Button>
          </span>
        </div>

        <header className="space-y-2 rounded-lg border border-slate-200 bg-white p-4">
          <div className="flex flex-wrap items-center gap-2 text-xs">
            <Badge>{trace.dataset.name}</Badge>
            <Badge tone="brand">{trace.method}</Badge>
            <Badge>{trace.format}</Badge>
            <span className="font-mono text-slate-400">{trace.externalId}</span>
          </div>
          <h1 className="text-lg font-semibold leading-snug">{trace.question}</h1>
          <div className="flex flex-wrap items-center gap-4 text-sm">
            <span>Teacher answer: <strong className="font-mono">{trace.finalAnswer || "—"}</strong></span>
            {trace.answer !== null ? <span>Ground truth: <strong className="font-mono">{trace.answer}</strong></span> : null}
            <VerificationSummary verification={trace.verification} dataset={trace.dataset.name} />
          </div>
          <div className="flex flex-wrap items-center gap-2 border-t border-slate-100 pt-2 text-sm" data-testid="trace-decision" data-decision={trace.decision ?? ""}>
            <span className="text-slate-500">Trace:</span>
            {readOnly ? null : <>
            <Button variant="accept" aria-pressed={trace.decision === "accept"} onClick={() => decide("accept")} shortcut={shortcutFor("acceptTrace").label}>Accept trace</Button>
            <Button variant="reject" aria-pressed={trace.decision === "reject"} onClick={() => decide("reject")} shortcut={shortcutFor("rejectTrace").label}>Reject trace</Button>
            </>}
            {decisions.length ? (
              <span data-testid="human-verdict" className="flex flex-wrap items-center gap-1 text-xs text-slate-500">
                {decisions.map((r) => (
                  <Badge key={r.id} tone={r.label === "accept" ? "pass" : "fail"} title={r.comment ?? undefined}>{labelAuthor(r)}: {r.label}</Badge>
                ))}
                {decisions.map((r) => provenanceNote(r.provenance)).filter(Boolean).join("; ")}
              </span>
            ) : null}
          </div>
        </header>

        <div className="sticky top-0 z-10 flex flex-wrap items-center gap-2 rounded-lg border border-slate-200 bg-white/95 px-3 py-2 shadow-sm backdrop-blur" data-testid="action-bar">
          <span className="mr-1 text-sm text-slate-500">Step <strong className="text-slate-800">{step?.index ?? "—"}</strong></span>
          {readOnly ? <span data-testid="read-only" className="text-sm text-slate-500">Read only: labelling needs the reviewer role.</span> : <>
          <Button variant="accept" aria-pressed={currentLabel === "accept"} onClick={() => label("accept")} shortcut="a" disabled={!step || Boolean(editing)}>Accept</Button>
          <Button variant="neutral" aria-pressed={currentLabel === "neutral"} onClick={() => label("neutral")} shortcut="n" disabled={!step || Boolean(editing)}>Neutral</Button>
          <Button variant="reject" aria-pressed={currentLabel === "reject"} onClick={() => label("reject")} shortcut="r" disabled={!step || Boolean(editing)}>Reject</Button>
          <Button onClick={startEdit} shortcut="e" disabled={!step || Boolean(editing) || step.kind === "tool_result"}>Edit</Button>
          {step?.kind === "tool_call" && !editing ? <Button onClick={rerun} shortcut="x" disabled={busy}>Re-run</Button> : null}
          <Button variant="ghost" onClick={undo} shortcut="u" disabled={mutations.undo.isPending}>Undo</Button>
          {step && step.revision > 0 ? <Button variant="ghost" onClick={() => setHistoryOf(step)}>History</Button> : null}
          <input
            ref={commentBox}
            type="text"
            value={comment}
            onChange={(e) => setComment(e.target.value)}
            onKeyDown={(e) => e.key === "Escape" && e.currentTarget.blur()}
            placeholder="Comment for the next label (c)"
            aria-label="Comment"
            maxLength={5000}
            className="min-w-40 flex-1 rounded-md border border-slate-300 px-2 py-1 text-sm"
          />
          <label className="ml-auto inline-flex items-center gap-1.5 text-xs text-slate-600" title="Rejecting a step marks the later steps as after-error (PRM800K phase 2)">
            <input type="checkbox" checked={stopAtFirstError} onChange={toggleStop} aria-label="Stop at first error" />
            Stop at first error <kbd className="rounded border border-slate-300 px-1 font-mono text-[10px]">s</kbd>
          </label>
          </>}
          <span className="flex w-full justify-between text-xs text-slate-400">
            <span>{labelled}/{steps.length} steps labelled by you</span>
            <span role="status" data-testid="save-status" data-pending={saving} className={saving ? "text-amber-600" : undefined}>
              {saving ? `Saving ${saving} change${saving === 1 ? "" : "s"}…` : "All changes saved"}
            </span>
          </span>
        </div>

        <ol aria-label="Steps" className="space-y-2">
          {steps.map((s) => (
            <ReviewStep
              key={s.id}
              register={setStepRef}
              step={s}
              callTool={s.callId ? toolOfCall.get(s.callId) ?? null : null}
              label={mine.get(s.id) ?? null}
              others={others.get(s.id) ?? NO_OTHERS}
              comments={comments.get(s.id) ?? NO_COMMENTS}
              current={s.index === current}
              mentionsSelected={selectedObject !== null && s.refs.includes(selectedObject)}
              verdicts={trace.verification?.steps[s.id]}
              verified={trace.verification !== null}
              injected={injectedByStep.get(s.index) ?? NO_FAULTS}
              onSelect={setCurrent}
              onHover={setHovered}
              onHistory={setHistoryOf}
              editor={
                editing && editing.stepId === s.id ? (
                  <StepEditor
                    kind={s.kind}
                    draft={editing.draft}
                    error={editing.error}
                    busy={busy}
                    canRerun={s.kind === "tool_call"}
                    onChange={(draft) => setEditing({ ...editing, draft, error: null })}
                    onSave={save}
                    onRerun={rerun}
                    onCancel={() => setEditing(null)}
                  />
                ) : undefined
              }
            />
          ))}
        </ol>
      </section>
      <HelpDialog open={helpOpen} onClose={() => setHelpOpen(false)} />
      <HistoryDialog stepId={historyOf?.id ?? null} stepIndex={historyOf?.index ?? null} onClose={() => setHistoryOf(null)} />
      <ToastRegion toasts={toasts} dismiss={dismiss} />
    </div>
  );
}

function provenanceNote(provenance: unknown): string {
  if (!provenance || typeof provenance !== "object") return "";
  const issue = (provenance as { issue?: unknown }).issue;
  return typeof issue === "string" && issue ? issue : "";
}
