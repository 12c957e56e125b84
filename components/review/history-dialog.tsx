"use client";

import { useQuery } from "@tanstack/react-query";
import { diffLines } from "diff";
import { Dialog } from "@/components/ui/dialog";
import { formatJson } from "@/components/traces/json-view";
import { reviewQueries } from "@/lib/queries/reviews";
import type { RevisionDto } from "@/lib/schemas/reviews";

// Revision history of one step with a line diff between consecutive revisions (jsdiff: the
// maintained diff library, the same algorithm git's line diff uses).

function content(revision: RevisionDto): string {
  const parts = [];
  if (revision.text !== null) parts.push(revision.text);
  if (revision.args !== null && revision.args !== undefined) parts.push(`args ${formatJson(revision.args)}`);
  if (revision.result !== null && revision.result !== undefined) parts.push(`result ${formatJson(revision.result)}`);
  return parts.join("\n");
}

export function HistoryDialog({ stepId, stepIndex, onClose }: { stepId: number | null; stepIndex: number | null; onClose: () => void }) {
  const { data, isLoading, error } = useQuery({ ...reviewQueries.revisions(stepId ?? 0), enabled: stepId !== null });
  return (
    <Dialog title={`History of step ${stepIndex ?? ""}`} open={stepId !== null} onClose={onClose} wide>
      {isLoading ? <p className="text-sm text-slate-500">Loading…</p> : null}
      {error ? <p role="alert" className="text-sm text-red-700">{(error as Error).message}</p> : null}
      <ol aria-label="Revisions" className="space-y-4">
        {(data ?? []).map((revision, i, all) => {
          const parts = i === 0 ? [{ value: content(revision), added: false, removed: false }] : diffLines(content(all[i - 1]), content(revision));
          return (
            <li key={revision.revision} data-revision={revision.revision} data-reason={revision.reason ?? ""} className="rounded-lg border border-slate-200">
              <div className="flex items-center gap-2 border-b border-slate-100 bg-slate-50 px-3 py-1.5 text-xs text-slate-600">
                <strong>Revision {revision.revision}</strong>
                <span>{revision.reason === "original" ? "original (as imported)" : revision.reason}</span>
                {revision.user ? <span>by {revision.user}</span> : null}
                {revision.reason !== "original" ? <span className="ml-auto">{new Date(revision.createdAt).toLocaleString()}</span> : null}
              </div>
              <pre className="overflow-x-auto whitespace-pre-wrap px-3 py-2 font-mono text-xs">
                {parts.map((part, j) => (
                  <span key={j} className={part.added ? "bg-green-100 text-green-900" : part.removed ? "bg-red-100 text-red-900 line-through" : "text-slate-700"}>
                    {part.value}
                  </span>
                ))}
              </pre>
            </li>
          );
        })}
      </ol>
    </Dialog>
  );
}
