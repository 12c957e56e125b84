"use client";

import Link from "next/link";
import { useQuery } from "@tanstack/react-query";
import { reviewQueries } from "@/lib/queries/reviews";

// "Start reviewing →" on the trace list. The queue pick (disagreements, the threshold, the least
// covered relation class: several queries) is asked for by the browser after the list is shown,
// for the signed-in reviewer, so the server-rendered list page does not wait for it (docs/limits.md).
export function StartReviewing({ dataset }: { dataset?: string }) {
  const { data: queue } = useQuery(reviewQueries.queue(dataset, undefined));
  if (!queue?.traceId) return null;
  return (
    <Link href={`/traces/${queue.traceId}`} className="rounded-md bg-brand px-3 py-1.5 text-sm font-medium text-white shadow-sm hover:bg-indigo-700" title={queue.reason ?? undefined}>
      Start reviewing → <span className="font-normal opacity-80">({queue.progress.reviewed}/{queue.progress.total} reviewed)</span>
    </Link>
  );
}
