"use client";

import { useRouter } from "next/navigation";
import { useIsMutating, useQuery, useQueryClient } from "@tanstack/react-query";
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import type { Geometry } from "@/components/canvas/trace-canvas";
import { ActionBar } from "@/components/review/action-bar";
import { HelpDialog } from "@/components/review/help-dialog";
import { HistoryDialog } from "@/components/review/history-dialog";
import { BoxLabelForm } from "@/components/review/box-label-form";
import { ContinuationsDialog } from "@/components/review/continuations-dialog";
import { RegenerateDialog } from "@/components/review/regenerate-dialog";
import { ImagePanel } from "@/components/review/image-panel";
import { QueueBar } from "@/components/review/queue-bar";
import { usePreferUnchecked, writePreferUnchecked } from "@/components/review/use-prefer-unchecked";
import { stepArrows } from "@/components/review/step-arrows";
import { StepList, type EditingState } from "@/components/review/step-list";
import { TraceHeader } from "@/components/review/trace-header";
import { useStopAtFirstError, writeStopAtFirstError } from "@/components/review/use-stop-at-first-error";
import { useTraceHistory } from "@/components/review/use-trace-history";
import { ToastRegion, useToasts } from "@/components/ui/toast";
import { useHydrated } from "@/components/ui/use-hydrated";
import { useShortcuts } from "@/components/ui/use-shortcuts";
import { continuationQueries } from "@/lib/queries/continuations";
import { reviewQueries, reviewScope, useBoxMutations, useReviewMutations } from "@/lib/queries/reviews";
import { traceQueries } from "@/lib/queries/traces";
import { failingTarget, reviewMaps } from "@/lib/review/review-maps";
import type { StepLabel } from "@/lib/schemas/reviews";
import type { BoxDto, StepDto, TraceDetail } from "@/lib/schemas/traces";
import type { ShortcutCommand } from "@/lib/shortcuts";

// The review workspace: canvas linked to the step timeline, one action bar for the current step,
// keyboard-first (lib/shortcuts.ts), optimistic labels with conflict messages, undo, history. The
// pieces are queue-bar, trace-header, action-bar, step-list and image-panel; what they show per
// step comes from lib/review/review-maps.ts.

export interface ReviewWorkspaceProps {
  initial: TraceDetail;
  reviewer: string;
  /** The step that is current when the trace opens (?step=N links from calibration). */
  initialStep?: number;
  /** Viewers read only: no label, decision, edit, re-run or undo controls (the API refuses them too). */
  readOnly?: boolean;
}

export function ReviewWorkspace({ initial, reviewer, initialStep = 0, readOnly = false }: ReviewWorkspaceProps) {
  const router = useRouter();
  const client = useQueryClient();
  const { data: trace } = useQuery({ ...traceQueries.detail(initial.id), initialData: initial });
  const mutations = useReviewMutations(trace.id, reviewer);
  const boxes = useBoxMutations(trace.id, reviewer);
  const { toasts, show, dismiss } = useToasts();
  const history = useTraceHistory(trace.id);
  const preferUnchecked = usePreferUnchecked();
  const queue = useQuery(reviewQueries.queue(trace.dataset.name, trace.id, preferUnchecked ? "unchecked" : undefined));

  const [current, setCurrent] = useState(initialStep);
  // the step a label's auto-advance moved the cursor onto, until the next f / Shift+F (failingTarget)
  const landedAt = useRef<number | null>(null);
  const [hovered, setHovered] = useState<number | null>(null);
  const [editing, setEditing] = useState<EditingState | null>(null);
  const stopAtFirstError = useStopAtFirstError();
  // false in the server render and during hydration: keys and clicks work once this is true
  const ready = useHydrated();
  const [selectedObject, setSelectedObject] = useState<number | null>(null);
  const [helpOpen, setHelpOpen] = useState(false);
  const [comment, setComment] = useState("");
  const commentBox = useRef<HTMLInputElement>(null);
  const [historyOf, setHistoryOf] = useState<StepDto | null>(null);
  const [regenerateAt, setRegenerateAt] = useState<StepDto | null>(null);
  const [continuationsOpen, setContinuationsOpen] = useState(false);
  const continuations = useQuery(continuationQueries.trace(initial.id));
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
  const focusStep = steps[hovered ?? current] ?? null;
  const highlighted = useMemo(() => (focusStep ? focusStep.refs : []), [focusStep]);
  const arrows = useMemo(() => (focusStep ? stepArrows(focusStep, steps) : []), [focusStep, steps]);
  const { reviews, injected, verification } = trace;
  const maps = useMemo(() => reviewMaps({ steps, reviews, injected, verification }, reviewer), [steps, reviews, injected, verification, reviewer]);
  const setStepRef = useCallback((index: number, node: HTMLLIElement | null) => {
    if (node) stepRefs.current.set(index, node);
    else stepRefs.current.delete(index);
  }, []);

  const fail = useCallback((error: unknown) => show("error", error instanceof Error ? error.message : String(error)), [show]);

  const label = (value: StepLabel) => {
    if (!step || readOnly) return;
    const timeSpentMs = Date.now() - since.current;
    const note = comment.trim() || undefined;
    mutations.label.mutate({ stepId: step.id, label: value, expectedVersion: step.version, stopAtFirstError, timeSpentMs, comment: note }, { onError: fail });
    setComment("");
    if (value === "reject" && stopAtFirstError) return;
    const next = Math.min(steps.length - 1, current + 1);
    setCurrent(next);
    landedAt.current = next;
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
    const pick = queue.data ?? (await client.fetchQuery(reviewQueries.queue(trace.dataset.name, trace.id, preferUnchecked ? "unchecked" : undefined)));
    if (pick.traceId) router.push(`/traces/${pick.traceId}`);
    else show("info", pick.reason ?? "The queue is empty.");
  };
  const goPrevious = () => {
    const previous = history.previous();
    if (previous) router.push(`/traces/${previous}`);
    else show("info", "No previous trace in this tab.");
  };

  const selectObject = (index: number) => {
    setSelectedObject((selected) => (selected === index ? null : index));
    const first = steps.find((s) => s.refs.includes(index));
    if (first) stepRefs.current.get(first.index)?.scrollIntoView({ block: "center", behavior: "smooth" });
  };

  const toggleStop = () => writeStopAtFirstError(!stopAtFirstError);

  // Re-generate from here: not from the answer or after it (nothing left to write); a trace that
  // stopped without an answer can be continued from its last step
  const answerIndex = steps.find((s) => s.kind === "answer")?.index ?? Infinity;
  const canRegenerate = !readOnly && step !== null && step.index < answerIndex;
  const openRegenerate = () => {
    if (readOnly || !step) return;
    if (!canRegenerate) return show("info", "Nothing follows this step to re-generate: pick a step before the answer.");
    setRegenerateAt(step);
  };

  // f / Shift+F: the next failing step still without your label (the current one included) /
  // the previous failing step — see failingTarget.
  const jumpToFailing = (direction: 1 | -1) => {
    const target = failingTarget(maps.failing, current, direction, (index) => maps.mine.has(steps[index]?.id ?? -1), landedAt.current === current);
    landedAt.current = null;
    if (target === null) return show("info", trace.verification ? "No step fails a verifier rule in this trace." : "This trace has not been verified yet.");
    setCurrent(target);
  };

  const cancel = () => {
    setEditing(null);
    if (document.activeElement === commentBox.current) commentBox.current?.blur();
  };

  const run = (command: ShortcutCommand) => {
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
      case "cancel": return cancel();
      case "rerun": return rerun();
      case "regenerate": return openRegenerate();
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
  useShortcuts("review", run, { editing: editing !== null });

  // on a photo (a graph / boxes scene, or none yet) a drawn box is offered for labelling into the scene
  const photo = trace.scene ? trace.scene.kind !== "clevr" : true;
  const [labelling, setLabelling] = useState<BoxDto | null>(null);
  const boxCreate = (geometry: Geometry) =>
    trace.image && boxes.create.mutate({ imageId: trace.image.id, ...geometry }, { onError: fail, onSuccess: (box) => photo && setLabelling(box) });
  const boxLabel = (category: string, attributes: string[]) =>
    labelling &&
    boxes.label.mutate(
      { id: labelling.id, expectedVersion: labelling.version, category, attributes },
      {
        onError: fail,
        onSuccess: (result) => {
          setLabelling(null);
          const now = result.reverified.find((r) => r.traceId === trace.id);
          show("info", `Added ${category} as obj_${result.objectIndex} of the scene; ${result.reverified.length} trace(s) verified again${now ? ` (this one is now ${now.valid ? "valid" : "invalid"})` : ""}.`);
        },
      },
    );
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

  return (
    <div className="grid gap-6 lg:grid-cols-[minmax(0,5fr)_minmax(0,4fr)]" data-testid="review-workspace" data-ready={ready} data-current-step={current} data-stop-at-first-error={stopAtFirstError}>
      <ImagePanel
        trace={trace}
        highlighted={highlighted}
        arrows={arrows}
        selectedObject={selectedObject}
        onObjectClick={selectObject}
        onClearObject={() => setSelectedObject(null)}
        onStep={setCurrent}
        onBoxCreate={boxCreate}
        onBoxChange={boxChange}
        onBoxDelete={boxDelete}
        labelForm={labelling ? <BoxLabelForm key={labelling.id} box={labelling} busy={boxes.label.isPending} onLabel={boxLabel} onSkip={() => setLabelling(null)} /> : null}
      />
      <section aria-label="Trace" className="space-y-3">
        <QueueBar queue={queue.data} onPrevious={goPrevious} onNext={() => void goNext()} onHelp={() => setHelpOpen(true)} preferUnchecked={preferUnchecked} onTogglePreferUnchecked={() => writePreferUnchecked(!preferUnchecked)} />
        <TraceHeader trace={trace} decisions={maps.decisions} onDecide={readOnly ? undefined : decide} />
        {readOnly ? (
          <p data-testid="read-only" className="rounded-lg border border-slate-200 bg-white px-3 py-2 text-sm text-slate-500">Read only: labelling needs the reviewer role.</p>
        ) : <ActionBar
          step={step}
          currentLabel={step ? maps.mine.get(step.id) ?? null : null}
          editing={editing !== null}
          busy={busy}
          undoPending={mutations.undo.isPending}
          comment={comment}
          commentBox={commentBox}
          stopAtFirstError={stopAtFirstError}
          labelled={maps.labelled}
          total={steps.length}
          saving={saving}
          onComment={setComment}
          onLabel={label}
          onEdit={startEdit}
          onRerun={rerun}
          onRegenerate={canRegenerate ? openRegenerate : null}
          regenerateHint={continuations.data && !continuations.data.teacher.available ? "No teacher is configured for this dataset: choose the built-in teacher or an endpoint" : null}
          onUndo={undo}
          onHistory={setHistoryOf}
          onToggleStop={toggleStop}
        />}
        <div className="flex items-center gap-2 text-xs text-slate-500" data-testid="continuations-bar" data-branches={continuations.data?.branches.length ?? 0}>
          <button type="button" onClick={() => setContinuationsOpen(true)} className="rounded px-1.5 py-0.5 hover:bg-slate-100 hover:text-slate-700">
            Archived continuations ({continuations.data?.branches.length ?? 0})
          </button>
        </div>
        <StepList
          steps={steps}
          maps={maps}
          verification={trace.verification}
          current={current}
          selectedObject={selectedObject}
          editing={editing}
          busy={busy}
          register={setStepRef}
          onSelect={setCurrent}
          onHover={setHovered}
          onHistory={setHistoryOf}
          onDraft={(draft) => editing && setEditing({ ...editing, draft, error: null })}
          onSave={save}
          onRerun={rerun}
          onCancel={() => setEditing(null)}
        />
      </section>
      {regenerateAt ? (
        <RegenerateDialog
          traceId={trace.id}
          traceVersion={trace.version}
          step={regenerateAt}
          lastStep={steps.length - 1}
          info={continuations.data}
          onClose={() => setRegenerateAt(null)}
          onDone={(result) => {
            setRegenerateAt(null);
            setCurrent(Math.min(result.afterIndex + 1, result.afterIndex + result.added));
            show("success", `The teacher wrote ${result.added} steps after step ${result.afterIndex} (${result.stopReason}); the previous ${result.removed} are archived — Archived continuations shows them.`);
          }}
        />
      ) : null}
      {continuationsOpen ? (
        <ContinuationsDialog
          traceId={trace.id}
          traceVersion={trace.version}
          info={continuations.data}
          readOnly={readOnly}
          onClose={() => setContinuationsOpen(false)}
          onRestored={(message) => {
            setContinuationsOpen(false);
            show("success", message);
          }}
        />
      ) : null}
      <HelpDialog open={helpOpen} onClose={() => setHelpOpen(false)} />
      <HistoryDialog stepId={historyOf?.id ?? null} stepIndex={historyOf?.index ?? null} onClose={() => setHistoryOf(null)} />
      <ToastRegion toasts={toasts} dismiss={dismiss} />
    </div>
  );
}
