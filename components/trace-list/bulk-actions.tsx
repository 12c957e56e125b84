"use client";

import Link from "next/link";
import { useRouter, useSearchParams } from "next/navigation";
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { Button } from "@/components/ui/button";
import { Dialog } from "@/components/ui/dialog";
import { reviewQueries } from "@/lib/queries/reviews";
import { traceListQueries, useBulkMutations } from "@/lib/queries/trace-list";
import type { BulkActionDto, BulkActionSpec, BulkApplyResult, BulkPreview } from "@/lib/schemas/bulk";
import { LIMITS } from "@/lib/schemas/limits";
import { FILTER_KEYS } from "@/lib/schemas/trace-list";

// Bulk review actions on the list's current filter (docs/design.md §6 "Bulk actions"): choose an
// action, preview what it writes (per the review policy's slots; your own other labels are kept
// unless you say otherwise), apply it as one action, undo it in one step.

type Kind = BulkActionSpec["kind"];

const KIND_LABELS: Record<Kind, string> = {
  accept_passed_steps: "Accept every step the verifier passed, on the valid traces",
  label_rule_steps: "Label the steps on which a rule failed",
  decide_traces: "Decide the traces (all of them, or those failing a rule)",
};

export function describeBulk(b: Pick<BulkActionDto, "kind" | "label" | "rule">): string {
  if (b.kind === "accept_passed_steps") return "accept the steps the verifier passed";
  if (b.kind === "label_rule_steps") return `${b.label} the steps failing ${b.rule}`;
  return `${b.label} the traces${b.rule ? ` failing ${b.rule}` : ""}`;
}

export function BulkActions({ total }: { total: number }) {
  const router = useRouter();
  const params = useSearchParams();
  const filter = Object.fromEntries(FILTER_KEYS.flatMap((k) => (params.get(k) ? [[k, params.get(k)!]] : [])));
  const { data: facets } = useQuery(reviewQueries.facets(params.get("dataset") ?? undefined));
  const { data: recent } = useQuery(traceListQueries.bulk());
  const { preview, apply, undo } = useBulkMutations();
  const [open, setOpen] = useState(false);
  const [kind, setKind] = useState<Kind>("accept_passed_steps");
  const [rule, setRule] = useState(params.get("rule") ?? "");
  const [stepLabel, setStepLabel] = useState<"reject" | "neutral">("reject");
  const [decision, setDecision] = useState<"accept" | "reject">("reject");
  const [overwrite, setOverwrite] = useState(false);
  const [shown, setShown] = useState<BulkPreview | null>(null);
  const [applied, setApplied] = useState<BulkApplyResult | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  const last = recent?.find((b) => b.status === "done");

  const spec = (): BulkActionSpec | null => {
    if (kind === "accept_passed_steps") return { kind };
    if (kind === "label_rule_steps") return rule ? { kind, rule, label: stepLabel } : null;
    return { kind, decision, ...(rule ? { rule } : {}) };
  };
  const changed = () => {
    setShown(null);
    setApplied(null);
    setMessage(null);
  };
  const runPreview = () => {
    const action = spec();
    if (!action) return;
    setMessage(null);
    preview.mutate({ filter, action, overwrite }, { onSuccess: setShown, onError: (e) => setMessage(e.message) });
  };
  const runApply = () => {
    const action = spec();
    if (!action || !shown) return;
    apply.mutate(
      { filter, action, overwrite, expectedItems: shown.items },
      {
        onSuccess: (result) => {
          setApplied(result);
          setShown(null);
          setMessage(null);
          router.refresh();
        },
        onError: (e) => setMessage(e.message),
      },
    );
  };
  const runUndo = (id: number) =>
    undo.mutate(id, {
      onSuccess: (result) => {
        setApplied(null);
        setMessage(`Undone: ${result.bulk?.reverted ?? 0} reverted${result.bulk?.keptLater ? `, ${result.bulk.keptLater} you changed since kept` : ""}.`);
        router.refresh();
      },
      onError: (e) => setMessage(e.message),
    });

  const noun = shown?.steps ? "label" : "decision";
  return (
    <>
      <Button onClick={() => setOpen(true)} disabled={total === 0} title={total === 0 ? "no traces match the filter" : undefined}>Bulk actions…</Button>
      {last && !open ? (
        <span className="flex items-center gap-2 text-xs text-slate-500" data-testid="last-bulk">
          Last bulk action: {describeBulk(last)} ({last.items.toLocaleString("en-US")})
          <button type="button" onClick={() => runUndo(last.id)} disabled={undo.isPending} className="text-brand underline">Undo</button>
        </span>
      ) : null}
      {message && !open ? <span role="status" className="text-xs text-slate-600">{message}</span> : null}
      <Dialog title="Bulk action on this filter" open={open} onClose={() => setOpen(false)} wide>
        <div className="space-y-4 text-sm">
          <p className="text-slate-600">
            Applies to the <strong>{total.toLocaleString("en-US")}</strong> traces the list shows now
            {Object.keys(filter).length ? <> ({Object.entries(filter).map(([k, v]) => `${k}=${v}`).join(", ")})</> : " (no filter: every dataset)"}. Labels are recorded as yours, as one action you can undo.
          </p>
          <fieldset className="space-y-2">
            <legend className="font-medium text-slate-800">Action</legend>
            {(Object.keys(KIND_LABELS) as Kind[]).map((k) => (
              <label key={k} className="flex items-center gap-2">
                <input type="radio" name="bulk-kind" checked={kind === k} onChange={() => { setKind(k); changed(); }} />
                {KIND_LABELS[k]}
              </label>
            ))}
          </fieldset>
          {kind !== "accept_passed_steps" ? (
            <div className="flex flex-wrap items-end gap-3">
              <label className="flex flex-col gap-0.5 text-xs text-slate-500">
                {kind === "label_rule_steps" ? "Rule (required)" : "Only traces failing rule"}
                <select aria-label="Bulk rule" value={rule} onChange={(e) => { setRule(e.target.value); changed(); }} className="rounded-md border border-slate-300 bg-white px-2 py-1 text-sm text-slate-800">
                  <option value="">{kind === "label_rule_steps" ? "choose a rule" : "any (all traces)"}</option>
                  {[...new Set([...(facets?.rules ?? []), ...(rule ? [rule] : [])])].map((r) => <option key={r} value={r}>{r}</option>)}
                </select>
              </label>
              {kind === "label_rule_steps" ? (
                <label className="flex flex-col gap-0.5 text-xs text-slate-500">
                  Label
                  <select aria-label="Bulk label" value={stepLabel} onChange={(e) => { setStepLabel(e.target.value as "reject" | "neutral"); changed(); }} className="rounded-md border border-slate-300 bg-white px-2 py-1 text-sm text-slate-800">
                    <option value="reject">reject</option>
                    <option value="neutral">neutral</option>
                  </select>
                </label>
              ) : (
                <label className="flex flex-col gap-0.5 text-xs text-slate-500">
                  Decision
                  <select aria-label="Bulk decision" value={decision} onChange={(e) => { setDecision(e.target.value as "accept" | "reject"); changed(); }} className="rounded-md border border-slate-300 bg-white px-2 py-1 text-sm text-slate-800">
                    <option value="reject">reject</option>
                    <option value="accept">accept</option>
                  </select>
                </label>
              )}
            </div>
          ) : null}
          <label className="flex items-center gap-2">
            <input type="checkbox" checked={overwrite} onChange={(e) => { setOverwrite(e.target.checked); changed(); }} />
            Replace my own different labels too (otherwise they are kept)
          </label>
          <div className="flex gap-2">
            <Button onClick={runPreview} disabled={!spec() || preview.isPending}>{preview.isPending ? "Counting…" : "Preview"}</Button>
            <Button variant="primary" onClick={runApply} disabled={!shown || shown.items === 0 || shown.overLimit || apply.isPending}>
              {apply.isPending ? "Applying…" : shown ? `Apply: write ${shown.items.toLocaleString("en-US")} ${noun}${shown.items === 1 ? "" : "s"}` : "Apply"}
            </Button>
          </div>
          {shown ? (
            <div className="rounded-md border border-slate-200 bg-slate-50 p-3" data-testid="bulk-preview" data-items={shown.items}>
              <p>
                Writes <strong>{shown.items.toLocaleString("en-US")}</strong> {noun}{shown.items === 1 ? "" : "s"} ({shown.label}) on <strong>{shown.affectedTraces.toLocaleString("en-US")}</strong> trace{shown.affectedTraces === 1 ? "" : "s"}, of {shown.traces.toLocaleString("en-US")} looked at.
              </p>
              <ul className="mt-1 list-disc pl-5 text-slate-600">
                {shown.unchanged ? <li>{shown.unchanged.toLocaleString("en-US")} already carry your {shown.label}: nothing to do.</li> : null}
                {shown.keptOwn ? <li>{shown.keptOwn.toLocaleString("en-US")} carry your own different {noun}: kept (tick “replace” to change them).</li> : null}
                {shown.slotsFull ? <li>{shown.slotsFull.toLocaleString("en-US")} trace{shown.slotsFull === 1 ? "" : "s"} skipped: every review slot of the dataset&apos;s review policy is held by other reviewers.</li> : null}
                {shown.overLimit ? <li className="text-red-700">More than the {LIMITS.bulkItems.toLocaleString("en-US")} one bulk action may write: narrow the filter.</li> : null}
                {shown.items === 0 ? <li>Nothing to write with this action on this filter.</li> : null}
              </ul>
              {shown.sample.length ? (
                <p className="mt-1 text-xs text-slate-500">
                  For example:{" "}
                  {shown.sample.map((s, i) => (
                    <span key={s.id}>{i ? ", " : ""}<Link href={`/traces/${s.id}`} className="font-mono text-brand hover:underline">{s.externalId}</Link> ({s.items})</span>
                  ))}
                </p>
              ) : null}
            </div>
          ) : null}
          {applied ? (
            <div role="status" className="flex items-center justify-between gap-3 rounded-md border border-green-300 bg-green-50 p-3 text-green-900" data-testid="bulk-applied">
              <span>Done: {describeBulk(applied)} — {applied.items.toLocaleString("en-US")} written on {applied.traces.toLocaleString("en-US")} traces.</span>
              <Button onClick={() => runUndo(applied.id)} disabled={undo.isPending}>Undo</Button>
            </div>
          ) : null}
          {message ? <p role="alert" className="text-sm text-slate-700">{message}</p> : null}
        </div>
      </Dialog>
    </>
  );
}
