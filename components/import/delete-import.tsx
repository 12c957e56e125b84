"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { Dialog } from "@/components/ui/dialog";
import { datasetKeys } from "@/lib/queries/datasets";
import { deleteImportRequest, importKeys, importQueries } from "@/lib/queries/imports";
import type { ImportContentsDto, ImportHistoryItem } from "@/lib/schemas/imports";

const n = (value: number) => value.toLocaleString("en-US");

/** What goes, in words, for the confirmation ("12 traces (96 steps), 4 imported labels, …"). */
export function whatGoes(c: ImportContentsDto): string[] {
  const parts = [
    c.traces ? `${n(c.traces)} ${c.traces === 1 ? "trace" : "traces"} (${n(c.steps)} steps, with their verdicts and reviews)` : null,
    c.labels ? `${n(c.labels)} imported ${c.labels === 1 ? "label" : "labels"}` : null,
    c.questions ? `${n(c.questions)} ${c.questions === 1 ? "question" : "questions"}` : null,
    c.scenes ? `${n(c.scenes)} ${c.scenes === 1 ? "scene" : "scenes"}` : null,
    c.images ? `${n(c.images)} ${c.images === 1 ? "image" : "images"}` : null,
    c.boxes ? `${n(c.boxes)} ${c.boxes === 1 ? "box" : "boxes"}` : null,
  ];
  return parts.filter((p): p is string => p !== null);
}

function Contents({ id }: { id: number }) {
  const { data, error, isPending } = useQuery(importQueries.contents(id));
  if (isPending) return <p className="text-sm text-slate-500">Counting what this import created…</p>;
  if (error) return <p className="text-sm text-red-700">{error.message}</p>;
  if (data.status !== "done" || data.dryRun) return <p className="text-sm text-slate-700" data-testid="import-delete-contents">This import wrote nothing ({data.dryRun ? "dry run" : data.status}); deleting it removes it from the history.</p>;
  const parts = whatGoes(data);
  const kept = data.kept.scenes + data.kept.questions + data.kept.images;
  return (
    <div className="space-y-2 text-sm text-slate-700" data-testid="import-delete-contents" data-traces={data.traces}>
      {parts.length ? (
        <>
          <p>This removes from dataset <strong>{data.dataset}</strong>:</p>
          <ul className="list-disc pl-5">{parts.map((p) => <li key={p}>{p}</li>)}</ul>
        </>
      ) : (
        <p>Nothing this import created is left in dataset <strong>{data.dataset}</strong>.</p>
      )}
      {kept ? <p className="text-slate-500">Kept, because traces of other imports use them: {n(data.kept.scenes)} scenes, {n(data.kept.questions)} questions, {n(data.kept.images)} images.</p> : null}
      <p className="text-slate-500">The dataset itself stays. This cannot be undone.</p>
    </div>
  );
}

export function DeleteImportButton({ item }: { item: ImportHistoryItem }) {
  const [open, setOpen] = useState(false);
  const queryClient = useQueryClient();
  const mutation = useMutation({
    mutationFn: () => deleteImportRequest(item.id),
    onSuccess: async () => {
      setOpen(false);
      await Promise.all([queryClient.invalidateQueries({ queryKey: importKeys.all }), queryClient.invalidateQueries({ queryKey: datasetKeys.all })]);
    },
  });
  if (item.status === "running" || item.status === "deleted") return null;
  return (
    <>
      <button type="button" onClick={() => setOpen(true)} className="rounded px-1.5 py-0.5 text-xs text-slate-500 hover:bg-red-50 hover:text-red-700" aria-label={`Delete import ${item.id}`}>
        Delete
      </button>
      <Dialog title={`Delete import ${item.id}?`} open={open} onClose={() => setOpen(false)}>
        <div className="space-y-4">
          {open ? <Contents id={item.id} /> : null}
          {mutation.error ? <p className="text-sm text-red-700" role="alert">{mutation.error.message}</p> : null}
          <div className="flex justify-end gap-2">
            <button type="button" onClick={() => setOpen(false)} className="rounded border border-slate-300 px-3 py-1.5 text-sm">Cancel</button>
            <button type="button" onClick={() => mutation.mutate()} disabled={mutation.isPending} className="rounded bg-red-600 px-3 py-1.5 text-sm font-medium text-white disabled:opacity-50">
              {mutation.isPending ? "Deleting…" : "Delete import"}
            </button>
          </div>
        </div>
      </Dialog>
    </>
  );
}
