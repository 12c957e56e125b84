"use client";

import { Button } from "@/components/ui/button";
import type { QueuePick } from "@/lib/schemas/trace-list";
import { shortcutFor } from "@/lib/shortcuts";

// The review queue above the trace: progress, why the next trace was picked, and — when there is
// none — why Next trace is disabled (the reason comes from the server, lib/review/queue-reason.ts).

export interface QueueBarProps {
  queue: QueuePick | undefined;
  onPrevious: () => void;
  onNext: () => void;
  onHelp: () => void;
  /** Unchecked steps first (docs/design.md §5 Coverage): after disagreements, traces with the most steps no rule could check. */
  preferUnchecked?: boolean;
  onTogglePreferUnchecked?: () => void;
}

export function QueueBar({ queue, onPrevious, onNext, onHelp, preferUnchecked = false, onTogglePreferUnchecked }: QueueBarProps) {
  const empty = queue?.traceId === null;
  return (
    <div className="space-y-1 rounded-lg border border-slate-200 bg-white px-3 py-2 text-sm" data-testid="queue-bar">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <span className="text-slate-600" title="Reviewed: traces with a reviewer's trace decision or every step labelled by reviewers. Imported labels and verdicts do not count.">
          {queue ? (
            <>Reviewed <strong>{queue.progress.reviewed}</strong> of {queue.progress.total} · you: {queue.progress.byYou}</>
          ) : "Queue…"}
        </span>
        <span className="flex items-center gap-2">
          {onTogglePreferUnchecked ? (
            <label className="flex items-center gap-1 text-xs text-slate-500" title="After disagreements, offer the traces with the most steps no verifier rule could check">
              <input type="checkbox" checked={preferUnchecked} onChange={onTogglePreferUnchecked} aria-label="Unchecked steps first" />
              Unchecked first
            </label>
          ) : null}
          {queue?.reason && !empty ? <span data-testid="queue-reason" className="hidden text-xs text-slate-400 xl:inline">next: {queue.reason}</span> : null}
          <Button onClick={onPrevious} shortcut={shortcutFor("previousTrace").label} aria-label="Previous trace">←</Button>
          <Button variant="primary" onClick={onNext} shortcut={shortcutFor("nextTrace").label} disabled={empty} title={empty ? queue?.reason ?? undefined : undefined} aria-describedby={empty ? "queue-empty-reason" : undefined}>
            Next trace
          </Button>
          <Button variant="ghost" onClick={onHelp} shortcut={shortcutFor("help").label} aria-label="Keyboard shortcuts">Keys</Button>
        </span>
      </div>
      {empty && queue?.reason ? (
        <p id="queue-empty-reason" data-testid="queue-empty" className="text-xs text-slate-500">
          {queue.reason}
        </p>
      ) : null}
    </div>
  );
}
