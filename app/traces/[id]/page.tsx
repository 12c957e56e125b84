import { notFound } from "next/navigation";
import Link from "next/link";
import { ReviewWorkspace } from "@/components/review/review-workspace";
import { pageUser } from "@/lib/auth/page";
import { atLeast } from "@/lib/auth/roles";
import { AppError } from "@/lib/errors";
import { idParams } from "@/lib/schemas/ids";
import { getTrace } from "@/lib/services/traces/traces";

export const dynamic = "force-dynamic";

export default async function TracePage({ params, searchParams }: { params: Promise<{ id: string }>; searchParams: Promise<{ step?: string }> }) {
  const me = await pageUser();
  const parsed = idParams.safeParse(await params);
  const step = Number((await searchParams).step);
  if (!parsed.success) notFound();
  const trace = await getTrace(parsed.data.id).catch((error) => {
    if (error instanceof AppError && error.code === "not_found") notFound();
    throw error;
  });
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
