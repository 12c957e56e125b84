"use client";

import type { RefObject } from "react";
import { Button } from "@/components/ui/button";
import type { StepLabel } from "@/lib/schemas/reviews";
import type { StepDto } from "@/lib/schemas/traces";
import { shortcutFor } from "@/lib/shortcuts";

// The sticky bar of actions on the current step; every key hint comes from the keymap.

export interface ActionBarProps {
  step: StepDto | null;
  /** Your label on the current step (accept / neutral / reject / after_error) or null. */
  currentLabel: string | null;
  editing: boolean;
  busy: boolean;
  undoPending: boolean;
  comment: string;
  commentBox: RefObject<HTMLInputElement | null>;
  stopAtFirstError: boolean;
  labelled: number;
  total: number;
  /** Optimistic review actions still on their way to the server. */
  saving: number;
  onComment: (text: string) => void;
  onLabel: (label: StepLabel) => void;
  onEdit: () => void;
  onRerun: () => void;
  /** Re-generate from the current step; null when the step cannot be cut after (the answer). */
  onRegenerate: (() => void) | null;
  /** Why no configured teacher exists (the dialog still offers others), shown as the button's hint. */
  regenerateHint: string | null;
  onUndo: () => void;
  onHistory: (step: StepDto) => void;
  onToggleStop: () => void;
}

const key = (command: Parameters<typeof shortcutFor>[0]) => shortcutFor(command).label;

export function ActionBar(props: ActionBarProps) {
  const { step, currentLabel, editing, busy, undoPending, comment, commentBox, stopAtFirstError, labelled, total, saving } = props;
  const noLabel = !step || editing;
  return (
    <div className="sticky top-0 z-10 flex flex-wrap items-center gap-2 rounded-lg border border-slate-200 bg-white/95 px-3 py-2 shadow-sm backdrop-blur" data-testid="action-bar">
      <span className="mr-1 text-sm text-slate-500">Step <strong className="text-slate-800">{step?.index ?? "—"}</strong></span>
      <Button variant="accept" aria-pressed={currentLabel === "accept"} onClick={() => props.onLabel("accept")} shortcut={key("accept")} disabled={noLabel}>Accept</Button>
      <Button variant="neutral" aria-pressed={currentLabel === "neutral"} onClick={() => props.onLabel("neutral")} shortcut={key("neutral")} disabled={noLabel}>Neutral</Button>
      <Button variant="reject" aria-pressed={currentLabel === "reject"} onClick={() => props.onLabel("reject")} shortcut={key("reject")} disabled={noLabel}>Reject</Button>
      <Button onClick={props.onEdit} shortcut={key("edit")} disabled={noLabel || step.kind === "tool_result"}>Edit</Button>
      {step?.kind === "tool_call" && !editing ? <Button onClick={props.onRerun} shortcut={key("rerun")} disabled={busy}>Re-run</Button> : null}
      <Button
        onClick={() => props.onRegenerate?.()}
        shortcut={key("regenerate")}
        disabled={!props.onRegenerate || editing || busy}
        title={!props.onRegenerate ? "Nothing follows the final answer to re-generate" : (props.regenerateHint ?? "The teacher continues from this step; the current continuation is kept")}
      >
        Re-generate from here
      </Button>
      <Button variant="ghost" onClick={props.onUndo} shortcut={key("undo")} disabled={undoPending}>Undo</Button>
      {step && step.revision > 0 ? <Button variant="ghost" onClick={() => props.onHistory(step)}>History</Button> : null}
      <input
        ref={commentBox}
        type="text"
        value={comment}
        onChange={(e) => props.onComment(e.target.value)}
        placeholder={`Comment for the next label (${key("comment")})`}
        aria-label="Comment"
        aria-keyshortcuts={key("comment")}
        maxLength={5000}
        className="min-w-40 flex-1 rounded-md border border-slate-300 px-2 py-1 text-sm"
      />
      <label className="ml-auto inline-flex items-center gap-1.5 text-xs text-slate-600" title="Rejecting a step marks the later steps as after-error (PRM800K phase 2)">
        <input type="checkbox" checked={stopAtFirstError} onChange={props.onToggleStop} aria-label="Stop at first error" aria-keyshortcuts={key("toggleStopAtFirstError")} />
        Stop at first error <kbd className="rounded border border-slate-300 px-1 font-mono text-[10px]">{key("toggleStopAtFirstError")}</kbd>
      </label>
      <span className="flex w-full justify-between text-xs text-slate-400">
        <span>{labelled}/{total} steps labelled by you</span>
        <span role="status" data-testid="save-status" data-pending={saving} className={saving ? "text-amber-600" : undefined}>
          {saving ? `Saving ${saving} change${saving === 1 ? "" : "s"}…` : "All changes saved"}
        </span>
      </span>
    </div>
  );
}
