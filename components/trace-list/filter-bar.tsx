"use client";

import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { useQuery } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { useHydrated } from "@/components/ui/use-hydrated";
import { reviewQueries } from "@/lib/queries/reviews";
import { FILTER_KEYS } from "@/lib/schemas/trace-list";

// Filters live in the URL so a filtered list can be bookmarked and shared; changing one resets
// the page cursor.

const LABEL_STATES = ["unlabeled", "partial", "complete"];

/** Clearing filters keeps the dataset and how the list is shown (sort, columns, table / gallery). */
function keepOnClear(params: URLSearchParams): URLSearchParams {
  return new URLSearchParams([...params].filter(([k]) => ["dataset", "sort", "mode", "cols"].includes(k)));
}

export function FilterBar() {
  const router = useRouter();
  const pathname = usePathname();
  const params = useSearchParams();
  const dataset = params.get("dataset") ?? undefined;
  const { data: facets } = useQuery(reviewQueries.facets(dataset));
  const [text, setText] = useState(params.get("q") ?? "");
  const ready = useHydrated();

  const set = (key: string, value: string | null) => {
    const next = new URLSearchParams(params.toString());
    next.delete("cursor");
    if (value === null || value === "") next.delete(key);
    else next.set(key, value);
    router.push(`${pathname}?${next.toString()}`);
  };
  const active = FILTER_KEYS.filter((k) => params.get(k) !== null && k !== "dataset").length;
  const submitText = (event: FormEvent) => {
    event.preventDefault();
    set("q", text.trim() || null);
  };

  const select = (key: string, label: string, options: string[], allLabel = "any") => (
    <label className="flex flex-col gap-0.5 text-xs text-slate-500">
      {label}
      <select
        aria-label={label}
        value={params.get(key) ?? ""}
        onChange={(e) => set(key, e.target.value || null)}
        className="rounded-md border border-slate-300 bg-white px-2 py-1 text-sm text-slate-800"
      >
        <option value="">{allLabel}</option>
        {options.map((o) => <option key={o} value={o}>{o}</option>)}
      </select>
    </label>
  );

  return (
    <div className="flex flex-wrap items-end gap-3 rounded-lg border border-slate-200 bg-white p-3" data-testid="filter-bar" data-ready={ready}>
      {select("dataset", "Dataset", facets?.datasets ?? (dataset ? [dataset] : []), "all datasets")}
      {select("method", "Method", facets?.methods ?? [])}
      {select("rule", "Failing rule", facets?.rules ?? [])}
      {select("valid", "Valid", ["true", "false"])}
      {select("label", "Review labels", LABEL_STATES)}
      {select("decision", "Trace decision", ["accept", "reject", "none"])}
      {select("disagreement", "Disagrees with verifier", ["true", "false"])}
      {select("unchecked", "Unchecked steps", ["true", "false"])}
      {select("relation", "Relation class", facets?.relations ?? [])}
      {select("reviewer", "Reviewer", facets?.reviewers ?? [])}
      <label className="flex flex-col gap-0.5 text-xs text-slate-500">
        Sort
        <select aria-label="Sort" value={params.get("sort") ?? ""} onChange={(e) => set("sort", e.target.value || null)} className="rounded-md border border-slate-300 bg-white px-2 py-1 text-sm text-slate-800">
          <option value="">oldest first</option>
          <option value="-id">newest first</option>
          <option value="quality">quality, lowest first</option>
          <option value="-quality">quality, highest first</option>
        </select>
      </label>
      <label className="flex flex-col gap-0.5 text-xs text-slate-500">
        Quality
        <span className="flex items-center gap-1">
          <input aria-label="Minimum quality" type="number" min={0} max={1} step={0.05} defaultValue={params.get("qmin") ?? ""} onBlur={(e) => set("qmin", e.target.value || null)} className="w-16 rounded-md border border-slate-300 px-1.5 py-1 text-sm" placeholder="0" />
          –
          <input aria-label="Maximum quality" type="number" min={0} max={1} step={0.05} defaultValue={params.get("qmax") ?? ""} onBlur={(e) => set("qmax", e.target.value || null)} className="w-16 rounded-md border border-slate-300 px-1.5 py-1 text-sm" placeholder="1" />
        </span>
      </label>
      <form onSubmit={submitText} className="flex flex-col gap-0.5 text-xs text-slate-500">
        <label htmlFor="trace-search">Search</label>
        <input id="trace-search" type="search" value={text} onChange={(e) => setText(e.target.value)} placeholder="question or id" className="w-48 rounded-md border border-slate-300 px-2 py-1 text-sm text-slate-800" />
      </form>
      {active > 0 ? (
        <button type="button" onClick={() => router.push(`${pathname}?${keepOnClear(params)}`)} className="mb-1 text-sm text-brand underline">
          Clear {active} filter{active > 1 ? "s" : ""}
        </button>
      ) : null}
    </div>
  );
}
