"use client";

import Link from "next/link";
import { useSearchParams } from "next/navigation";
import { useQuery } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { traceListQueries, useSavedViewMutations } from "@/lib/queries/trace-list";
import { viewQuery } from "@/lib/schemas/trace-list";

// Your saved views (docs/design.md §6 "Saved views"): the current URL state under a name. Opening
// one is following its link, so a view is also what you share: copy the address bar.

export function SavedViews() {
  const params = useSearchParams();
  const current = viewQuery(params);
  const { data: views, error } = useQuery(traceListQueries.views());
  const { create, update, remove } = useSavedViewMutations();
  const [name, setName] = useState("");
  const [renaming, setRenaming] = useState<{ id: number; name: string } | null>(null);
  const [deleting, setDeleting] = useState<number | null>(null);
  const [menuOpen, setMenuOpen] = useState(false);
  const open = views?.find((v) => v.query === current);
  const problem = create.error ?? update.error ?? remove.error ?? error;

  const save = (event: FormEvent) => {
    event.preventDefault();
    if (!name.trim()) return;
    create.mutate({ name: name.trim(), query: current }, { onSuccess: () => setName("") });
  };
  const rename = (event: FormEvent) => {
    event.preventDefault();
    if (!renaming || !renaming.name.trim()) return;
    update.mutate({ id: renaming.id, name: renaming.name.trim() }, { onSuccess: () => setRenaming(null) });
  };

  return (
    <details className="relative" data-testid="saved-views" open={menuOpen} onToggle={(e) => setMenuOpen(e.currentTarget.open)}>
      <summary className="cursor-pointer list-none rounded-md border border-slate-300 bg-white px-3 py-1 text-sm text-slate-700 shadow-sm hover:bg-slate-50">
        Views{open ? <>: <span className="font-medium" data-testid="open-view">{open.name}</span></> : null} ▾
      </summary>
      <div className="absolute z-20 mt-1 w-80 space-y-2 rounded-md border border-slate-200 bg-white p-3 shadow-lg">
        {views && views.length === 0 ? <p className="text-sm text-slate-500">No saved views yet. Set filters, sort, columns or the gallery, then save them here under a name.</p> : null}
        <ul className="space-y-1" aria-label="Saved views">
          {views?.map((v) => (
            <li key={v.id} className="flex items-center gap-2 text-sm" data-view-id={v.id}>
              {renaming?.id === v.id ? (
                <form onSubmit={rename} className="flex flex-1 items-center gap-1">
                  <input aria-label={`New name for ${v.name}`} autoFocus value={renaming.name} onChange={(e) => setRenaming({ id: v.id, name: e.target.value })} maxLength={100} className="min-w-0 flex-1 rounded border border-slate-300 px-1.5 py-0.5" />
                  <button type="submit" className="text-brand underline">Save</button>
                  <button type="button" onClick={() => setRenaming(null)} className="text-slate-500 underline">Cancel</button>
                </form>
              ) : (
                <>
                  <Link href={v.href} onClick={() => setMenuOpen(false)} aria-current={v.query === current ? "page" : undefined} className={`min-w-0 flex-1 truncate hover:underline ${v.query === current ? "font-semibold text-brand" : "text-slate-800"}`} title={v.query || "no filters"}>
                    {v.name}
                  </Link>
                  {v.query !== current ? (
                    <button type="button" onClick={() => update.mutate({ id: v.id, query: current })} className="text-xs text-slate-500 underline" title="give this view the filters, sort and columns shown now">Update</button>
                  ) : null}
                  <button type="button" onClick={() => setRenaming({ id: v.id, name: v.name })} className="text-xs text-slate-500 underline">Rename</button>
                  {deleting === v.id ? (
                    <button type="button" onClick={() => remove.mutate(v.id, { onSuccess: () => setDeleting(null) })} className="text-xs font-medium text-red-700 underline">Delete “{v.name}”?</button>
                  ) : (
                    <button type="button" onClick={() => setDeleting(v.id)} className="text-xs text-slate-500 underline">Delete</button>
                  )}
                </>
              )}
            </li>
          ))}
        </ul>
        <form onSubmit={save} className="flex items-center gap-1 border-t border-slate-100 pt-2">
          <input aria-label="View name" value={name} onChange={(e) => setName(e.target.value)} maxLength={100} placeholder="name this view" className="min-w-0 flex-1 rounded border border-slate-300 px-2 py-1 text-sm" />
          <button type="submit" disabled={!name.trim() || create.isPending} className="rounded-md bg-brand px-2.5 py-1 text-sm font-medium text-white disabled:opacity-40">Save view</button>
        </form>
        {problem ? <p role="alert" className="text-xs text-red-700">{problem.message}</p> : null}
      </div>
    </details>
  );
}
