"use client";

import { useState } from "react";
import type { BoxDto } from "@/lib/schemas/traces";

// Labelling a box drawn on a photo (docs/design.md §3): its category and attribute words make it an
// object of the photo's scene; the trace is then verified again on the corrected scene.

export interface BoxLabelFormProps {
  box: BoxDto;
  busy: boolean;
  onLabel: (category: string, attributes: string[]) => void;
  onSkip: () => void;
}

export function BoxLabelForm({ box, busy, onLabel, onSkip }: BoxLabelFormProps) {
  const [category, setCategory] = useState(box.label ?? "");
  const [attributes, setAttributes] = useState("");
  const submit = (event: React.FormEvent) => {
    event.preventDefault();
    if (!category.trim()) return;
    onLabel(category.trim(), attributes.split(/[,;]+/).map((a) => a.trim()).filter(Boolean));
  };
  return (
    <form onSubmit={submit} aria-label="Label box" data-testid="box-label-form" className="space-y-2 rounded-lg border border-sky-300 bg-sky-50 p-3 text-sm">
      <p className="text-slate-700">
        Label the box you drew ({Math.round(box.w)}×{Math.round(box.h)} px) to add it to the photo&apos;s scene; the trace is verified again.
      </p>
      <div className="flex flex-wrap gap-2">
        <label className="flex flex-col gap-0.5">
          <span className="text-xs text-slate-500">Category</span>
          <input aria-label="Category" value={category} onChange={(e) => setCategory(e.target.value)} placeholder="book" className="rounded border border-slate-300 px-2 py-1" />
        </label>
        <label className="flex flex-col gap-0.5">
          <span className="text-xs text-slate-500">Attributes (comma-separated)</span>
          <input aria-label="Attributes" value={attributes} onChange={(e) => setAttributes(e.target.value)} placeholder="white, closed" className="rounded border border-slate-300 px-2 py-1" />
        </label>
      </div>
      <div className="flex gap-2">
        <button type="submit" disabled={busy || !category.trim()} className="rounded bg-sky-700 px-3 py-1 text-white disabled:opacity-50">
          {busy ? "Adding…" : "Add to scene"}
        </button>
        <button type="button" onClick={onSkip} className="rounded px-3 py-1 text-slate-600 ring-1 ring-slate-300">Skip</button>
      </div>
    </form>
  );
}
