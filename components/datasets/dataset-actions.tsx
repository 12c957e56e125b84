"use client";

import { useQuery } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { Dialog } from "@/components/ui/dialog";
import { datasetQueries, useDatasetAdmin } from "@/lib/queries/datasets";

// Rename and delete on a dataset card. Delete shows what goes (GET /api/datasets/NAME/contents) and
// asks for the name typed again, as the API does (?confirm=NAME); only admins may delete, so the
// button says why it is off for everyone else.

export function DatasetActions({ name, canRename, canDelete }: { name: string; canRename: boolean; canDelete: boolean }) {
  const [open, setOpen] = useState<"rename" | "delete" | null>(null);
  const close = () => setOpen(null);
  return (
    <div className="flex gap-1 text-xs">
      <button
        type="button"
        onClick={() => setOpen("rename")}
        disabled={!canRename}
        title={canRename ? undefined : "Renaming needs the reviewer role"}
        className="rounded px-2 py-1 text-slate-600 hover:bg-slate-100 disabled:cursor-not-allowed disabled:text-slate-400"
        aria-label={`Rename ${name}`}
      >
        Rename
      </button>
      <button
        type="button"
        onClick={() => setOpen("delete")}
        disabled={!canDelete}
        title={canDelete ? undefined : "Only admins may delete a dataset"}
        className="rounded px-2 py-1 text-red-700 hover:bg-red-50 disabled:cursor-not-allowed disabled:text-slate-400 disabled:hover:bg-transparent"
        aria-label={`Delete ${name}`}
      >
        Delete
      </button>
      {open === "rename" ? <RenameDialog name={name} onClose={close} /> : null}
      {open === "delete" ? <DeleteDialog name={name} onClose={close} /> : null}
    </div>
  );
}

function RenameDialog({ name, onClose }: { name: string; onClose: () => void }) {
  const router = useRouter();
  const { rename } = useDatasetAdmin();
  const [to, setTo] = useState(name);
  const submit = (event: React.FormEvent) => {
    event.preventDefault();
    rename.mutate({ name, to: to.trim() }, { onSuccess: () => { onClose(); router.refresh(); } });
  };
  return (
    <Dialog title={`Rename ${name}`} open onClose={onClose}>
      <form onSubmit={submit} className="space-y-3 text-sm">
        <label className="block">
          New name
          <input autoFocus value={to} onChange={(e) => setTo(e.target.value)} className="mt-1 w-full rounded border border-slate-300 px-2 py-1" />
        </label>
        <p className="text-xs text-slate-500">Traces, reviews, runs and exports keep their data; links and CLI commands use the new name from now on.</p>
        {rename.isError ? <p role="alert" className="text-red-700">{rename.error.message}</p> : null}
        <div className="flex justify-end gap-2">
          <button type="button" onClick={onClose} className="rounded px-3 py-1.5 hover:bg-slate-100">Cancel</button>
          <button type="submit" disabled={!to.trim() || to.trim() === name || rename.isPending} className="rounded bg-brand px-3 py-1.5 font-medium text-white disabled:opacity-60">
            {rename.isPending ? "Renaming…" : "Rename"}
          </button>
        </div>
      </form>
    </Dialog>
  );
}

function DeleteDialog({ name, onClose }: { name: string; onClose: () => void }) {
  const router = useRouter();
  const contents = useQuery(datasetQueries.contents(name));
  const { remove } = useDatasetAdmin();
  const [typed, setTyped] = useState("");
  const c = contents.data;
  const submit = (event: React.FormEvent) => {
    event.preventDefault();
    remove.mutate({ name, confirm: typed }, { onSuccess: () => { onClose(); router.refresh(); } });
  };
  return (
    <Dialog title={`Delete ${name}`} open onClose={onClose}>
      <form onSubmit={submit} className="space-y-3 text-sm">
        {c ? (
          <p data-testid="delete-contents">
            This removes <strong>{c.traces.toLocaleString("en-US")} traces</strong> ({c.steps.toLocaleString("en-US")} steps), {c.reviews.toLocaleString("en-US")} reviews,{" "}
            {c.runs.toLocaleString("en-US")} verifier runs, {c.questions.toLocaleString("en-US")} questions, {c.scenes.toLocaleString("en-US")} scenes and {c.images.toLocaleString("en-US")} images. It cannot be undone;
            exports already written stay on disk.
          </p>
        ) : contents.isError ? (
          <p role="alert" className="text-red-700">{contents.error.message}</p>
        ) : (
          <p className="text-slate-500">Counting what goes…</p>
        )}
        <label className="block">
          Type <span className="font-mono">{name}</span> to confirm
          <input autoFocus value={typed} onChange={(e) => setTyped(e.target.value)} aria-label="Dataset name to confirm" className="mt-1 w-full rounded border border-slate-300 px-2 py-1 font-mono" />
        </label>
        {remove.isError ? <p role="alert" className="text-red-700">{remove.error.message}</p> : null}
        <div className="flex justify-end gap-2">
          <button type="button" onClick={onClose} className="rounded px-3 py-1.5 hover:bg-slate-100">Cancel</button>
          <button type="submit" disabled={typed !== name || !c || remove.isPending} className="rounded bg-red-600 px-3 py-1.5 font-medium text-white disabled:opacity-60">
            {remove.isPending ? "Deleting…" : "Delete dataset"}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
