"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useState, type FormEvent } from "react";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { EmptyState } from "@/components/ui/empty-state";
import { teamQueries, useTeamMutations } from "@/lib/queries/review-team";
import type { AdjudicationQueue, DisagreementItem, ReviewPolicyDto } from "@/lib/schemas/adjudication";

// Admin page (docs/design.md §13): the overlap (reviewers per trace, blind, lease), assignment of
// traces to reviewers, and the adjudication queue of steps where reviewers disagree.

const TONE: Record<string, "pass" | "fail" | undefined> = { accept: "pass", reject: "fail" };

function PolicyForm({ dataset, policy }: { dataset: string; policy: ReviewPolicyDto }) {
  const mutations = useTeamMutations(dataset);
  const [message, setMessage] = useState<string | null>(null);
  async function save(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setMessage(null);
    try {
      const saved = await mutations.setPolicy.mutateAsync({ minReviews: Number(form.get("minReviews")), blind: form.get("blind") === "on", leaseMinutes: Number(form.get("leaseMinutes")) });
      setMessage(`Saved: ${saved.minReviews} reviewer${saved.minReviews === 1 ? "" : "s"} per trace${saved.blind ? ", blind" : ""}.`);
    } catch (e) {
      setMessage((e as Error).message);
    }
  }
  async function assign(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const users = String(new FormData(event.currentTarget).get("users")).split(/[\s,]+/).filter(Boolean);
    setMessage(null);
    try {
      const result = await mutations.assign.mutateAsync({ users });
      setMessage(`Assigned ${result.assigned.length} slot${result.assigned.length === 1 ? "" : "s"}; ${result.skipped} trace${result.skipped === 1 ? " was" : "s were"} already full.`);
    } catch (e) {
      setMessage((e as Error).message);
    }
  }
  return (
    <section className="space-y-3 rounded-lg border border-slate-200 bg-white p-4">
      <h2 className="text-lg font-semibold">Overlap and assignment</h2>
      <form onSubmit={save} aria-label="Review policy" className="flex flex-wrap items-end gap-3">
        <label className="text-sm">Reviewers per trace<input name="minReviews" type="number" min={1} max={10} defaultValue={policy.minReviews} className="mt-1 block w-24 rounded-md border border-slate-300 px-2 py-1" /></label>
        <label className="text-sm">Lease (minutes)<input name="leaseMinutes" type="number" min={1} defaultValue={policy.leaseMinutes} className="mt-1 block w-24 rounded-md border border-slate-300 px-2 py-1" /></label>
        <label className="flex items-center gap-1.5 text-sm"><input name="blind" type="checkbox" defaultChecked={policy.blind} /> Blind (reviewers see only their own labels)</label>
        <Button type="submit" variant="primary">Save overlap</Button>
      </form>
      <form onSubmit={assign} aria-label="Assign traces" className="flex flex-wrap items-end gap-3">
        <label className="text-sm">Assign every trace with a free slot to<input name="users" placeholder="alice, bob" required className="mt-1 block w-72 rounded-md border border-slate-300 px-2 py-1" /></label>
        <Button type="submit">Assign round-robin</Button>
      </form>
      <p className="text-xs text-slate-500">Without assignment, reviewers take free slots from the pool: a slot is leased to whoever labels the trace first, and the server refuses a reviewer once all of a trace&apos;s slots are held.</p>
      {message ? <p role="status" className="text-sm text-slate-700" data-testid="team-message">{message}</p> : null}
    </section>
  );
}

function Item({ dataset, item }: { dataset: string; item: DisagreementItem }) {
  const mutations = useTeamMutations(dataset);
  const [error, setError] = useState<string | null>(null);
  const decide = (label: string) => mutations.adjudicate.mutate({ stepId: item.stepId, label }, { onError: (e) => setError(e.message) });
  return (
    <li className="space-y-2 rounded-lg border border-slate-200 bg-white p-3" data-testid={`adjudicate-step-${item.stepId}`}>
      <div className="flex items-baseline justify-between gap-4">
        <Link href={`/traces/${item.traceId}?step=${item.stepIndex}`} className="truncate text-sm text-brand hover:underline">{item.question || `trace ${item.traceId}`}</Link>
        <span className="shrink-0 text-xs text-slate-500">step {item.stepIndex} · {item.stepKind}</span>
      </div>
      <p className="line-clamp-3 whitespace-pre-wrap text-sm text-slate-800">{item.stepText || <span className="text-slate-400">(no text)</span>}</p>
      <div className="flex flex-wrap items-center gap-2 text-sm">
        {item.labels.map((l) => <span key={l.reviewId} data-testid="reviewer-label">{l.user}: <Badge tone={TONE[l.label]}>{l.label}</Badge></span>)}
      </div>
      {item.gold ? (
        <p className="text-sm" data-testid="gold-label">Gold: <Badge tone={TONE[item.gold.label]}>{item.gold.label}</Badge> by {item.gold.user}{item.gold.overrode.length ? `, overriding ${item.gold.overrode.map((o) => `${o.user} (${o.label})`).join(", ")}` : ""}</p>
      ) : null}
      <div className="flex gap-2">
        <Button variant="accept" onClick={() => decide("accept")} aria-pressed={item.gold?.label === "accept"}>Accept</Button>
        <Button variant="neutral" onClick={() => decide("neutral")} aria-pressed={item.gold?.label === "neutral"}>Neutral</Button>
        <Button variant="reject" onClick={() => decide("reject")} aria-pressed={item.gold?.label === "reject"}>Reject</Button>
      </div>
      {error ? <p role="alert" className="text-sm text-red-700">{error}</p> : null}
    </li>
  );
}

export function AdjudicationPanel({ dataset, policy, initial }: { dataset: string; policy: ReviewPolicyDto; initial: AdjudicationQueue }) {
  const [status, setStatus] = useState<"open" | "resolved">("open");
  const { data: queue = initial } = useQuery({ ...teamQueries.queue(dataset, status), initialData: status === "open" ? initial : undefined });
  return (
    <div className="space-y-6">
      <PolicyForm dataset={dataset} policy={policy} />
      <section className="space-y-3">
        <div className="flex items-center gap-3">
          <h2 className="text-lg font-semibold">Disagreements</h2>
          <div role="tablist" className="flex gap-1 text-sm">
            <button role="tab" aria-selected={status === "open"} onClick={() => setStatus("open")} className="rounded px-2 py-0.5 aria-selected:bg-slate-200">Open ({queue.open})</button>
            <button role="tab" aria-selected={status === "resolved"} onClick={() => setStatus("resolved")} className="rounded px-2 py-0.5 aria-selected:bg-slate-200">Adjudicated ({queue.resolved})</button>
          </div>
        </div>
        {queue.items.length === 0 ? (
          <EmptyState title={status === "open" ? "No open disagreements" : "Nothing adjudicated yet"}>
            {status === "open" ? "A step appears here when two reviewers give it different labels." : "Decisions you make on open disagreements appear here with the labels they overrode."}
          </EmptyState>
        ) : (
          <ul className="space-y-3" data-testid="adjudication-queue">{queue.items.map((item) => <Item key={item.stepId} dataset={dataset} item={item} />)}</ul>
        )}
      </section>
    </div>
  );
}
