"use client";

import { useState } from "react";
import { formatJson } from "@/components/traces/json-view";
import { Button } from "@/components/ui/button";
import { Dialog } from "@/components/ui/dialog";
import { useContinuationMutations } from "@/lib/queries/continuations";
import type { BranchDto, BranchStepDto, ContinuationsDto } from "@/lib/schemas/regenerate";

// The trace's archived continuations (docs/design.md §6): what followed step N before a
// re-generation (or a restore) replaced it, with the labels it carried. Restore puts one back and
// archives the continuation it replaces, so switching back and forth loses nothing.

function stepText(step: BranchStepDto): string {
  if (step.kind === "tool_call") return `${step.tool ?? "?"}(${formatJson(step.args ?? {})})`;
  if (step.kind === "tool_result") return `→ ${formatJson(step.result)}`;
  return step.text ?? "";
}

export function ContinuationsDialog({ traceId, traceVersion, info, readOnly, onClose, onRestored }: {
  traceId: number;
  traceVersion: number;
  info: ContinuationsDto | undefined;
  readOnly: boolean;
  onClose: () => void;
  onRestored: (message: string) => void;
}) {
  const { restore } = useContinuationMutations(traceId);
  const [open, setOpen] = useState<number | null>(info?.branches[0]?.id ?? null);
  const branches = info?.branches ?? [];
  const doRestore = (branch: BranchDto, force: boolean) =>
    restore.mutate(
      { branch: branch.id, expectedVersion: traceVersion, force },
      { onSuccess: (r) => onRestored(`Restored the continuation after step ${branch.afterIndex}; the one it replaced (${r.removed} steps) is archived.`) },
    );
  return (
    <Dialog title="Archived continuations" open onClose={onClose} wide>
      {branches.length === 0 ? (
        <p className="text-sm text-slate-500">No archived continuation yet: <strong>Re-generate from here</strong> keeps the steps it replaces here.</p>
      ) : (
        <ol className="space-y-3" data-testid="continuations">
          {branches.map((b) => (
            <li key={b.id} data-branch={b.id} data-after={b.afterIndex} data-steps={b.steps.length} className="rounded-lg border border-slate-200">
              <div className="flex flex-wrap items-center gap-2 border-b border-slate-100 bg-slate-50 px-3 py-1.5 text-xs text-slate-600">
                <button type="button" onClick={() => setOpen(open === b.id ? null : b.id)} aria-expanded={open === b.id} className="font-medium text-slate-800 hover:underline">
                  After step {b.afterIndex}: {b.steps.length} steps{b.finalAnswer !== null ? `, answer “${b.finalAnswer}”` : ", no answer"}
                </button>
                <span>replaced by {b.reason === "restore" ? "a restore" : (b.teacher ?? "a re-generation")}{b.createdBy ? ` · ${b.createdBy}` : ""} · {new Date(b.createdAt).toLocaleString()}</span>
                {!readOnly ? (
                  <span className="ml-auto flex gap-2">
                    {b.prefixMatches ? (
                      <Button onClick={() => doRestore(b, false)} disabled={restore.isPending}>Restore</Button>
                    ) : (
                      <Button onClick={() => doRestore(b, true)} disabled={restore.isPending} title={`Steps 0–${b.afterIndex} changed since this was archived`}>Restore anyway</Button>
                    )}
                  </span>
                ) : null}
              </div>
              {!b.prefixMatches ? <p className="px-3 pt-2 text-xs text-amber-800">Steps 0–{b.afterIndex} changed since this continuation was archived, so it may no longer follow from them.</p> : null}
              {open === b.id ? (
                <ol className="divide-y divide-slate-100 text-xs" aria-label={`Steps of continuation ${b.id}`}>
                  {b.steps.map((s) => (
                    <li key={s.index} className="flex gap-2 px-3 py-1.5">
                      <span className="w-8 shrink-0 text-right tabular-nums text-slate-400">{s.index}</span>
                      <span className="w-20 shrink-0 text-slate-500">{s.kind}</span>
                      <pre className="min-w-0 flex-1 whitespace-pre-wrap font-mono">{stepText(s)}</pre>
                      {s.labels.length ? <span className="shrink-0 text-slate-500">{s.labels.map((l) => `${l.reviewer}: ${l.label}`).join(", ")}</span> : null}
                    </li>
                  ))}
                </ol>
              ) : null}
            </li>
          ))}
        </ol>
      )}
      {restore.isError ? <p role="alert" className="mt-2 text-sm text-red-700">{restore.error.message}</p> : null}
    </Dialog>
  );
}
