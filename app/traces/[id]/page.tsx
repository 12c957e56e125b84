import type { Metadata } from "next";
import { notFound } from "next/navigation";
import Link from "next/link";
import { cache } from "react";
import { ReviewWorkspace } from "@/components/review/review-workspace";
import { pageUser } from "@/lib/auth/page";
import { atLeast } from "@/lib/auth/roles";
import { AppError } from "@/lib/errors";
import { idParams } from "@/lib/schemas/ids";
import { getTrace } from "@/lib/services/traces/traces";

export const dynamic = "force-dynamic";

// One read per request: the title and the page share it.
const traceOf = cache(async (id: string) => {
  const parsed = idParams.safeParse({ id });
  if (!parsed.success) return null;
  // blind review: a reviewer sees only their own labels (docs/design.md §13)
  return getTrace(parsed.data.id, await pageUser()).catch((error) => {
    if (error instanceof AppError && error.code === "not_found") return null;
    throw error;
  });
});

/** The tab shows the trace's question, so several open traces can be told apart. */
export async function generateMetadata({ params }: { params: Promise<{ id: string }> }): Promise<Metadata> {
  const trace = await traceOf((await params).id);
  if (!trace) return { title: "Not found" };
  const question = trace.question.length > 80 ? `${trace.question.slice(0, 79)}…` : trace.question;
  return { title: question || `Trace ${trace.externalId}` };
}

export default async function TracePage({ params, searchParams }: { params: Promise<{ id: string }>; searchParams: Promise<{ step?: string }> }) {
  const me = await pageUser();
  const trace = await traceOf((await params).id);
  const step = Number((await searchParams).step);
  if (!trace) notFound();
  return (
    <div className="space-y-4">
      <nav aria-label="Breadcrumb" className="text-sm text-slate-500">
        <Link href="/" className="hover:underline">Datasets</Link> /{" "}
        <Link href={`/traces?dataset=${encodeURIComponent(trace.dataset.name)}`} className="hover:underline">{trace.dataset.name}</Link> /{" "}
        <span className="font-mono text-xs">{trace.externalId}</span>
      </nav>
      <ReviewWorkspace
        key={trace.id}
        initial={trace}
        reviewer={me?.name ?? ""}
        readOnly={!me || !atLeast(me.role, "reviewer")}
        initialStep={Number.isInteger(step) && step >= 0 && step < trace.steps.length ? step : 0}
      />
    </div>
  );
}
