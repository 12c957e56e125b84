import Link from "next/link";
import { TraceTable } from "@/components/traces/trace-table";
import { EmptyState } from "@/components/ui/empty-state";
import { traceListQuery } from "@/lib/schemas/traces";
import { listTraces } from "@/lib/services/traces";

export const dynamic = "force-dynamic";
export const metadata = { title: "Traces" };

export default async function TracesPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const raw = await searchParams;
  const query = traceListQuery.parse(Object.fromEntries(Object.entries(raw).filter(([, v]) => typeof v === "string")));
  const page = await listTraces(query);
  const nextHref = page.nextCursor
    ? `/traces?${new URLSearchParams({ ...(query.dataset ? { dataset: query.dataset } : {}), cursor: String(page.nextCursor) })}`
    : null;
  return (
    <div className="space-y-4">
      <div className="flex items-baseline justify-between">
        <div>
          <h1 className="text-2xl font-semibold tracking-tight">Traces{query.dataset ? <span className="text-slate-400"> · {query.dataset}</span> : null}</h1>
          <p className="mt-1 text-sm text-slate-500">{page.total.toLocaleString("en-US")} traces</p>
        </div>
      </div>
      {page.items.length === 0 ? (
        <EmptyState title="No traces match">Import traces or pick another dataset on the <Link className="text-brand underline" href="/">datasets page</Link>.</EmptyState>
      ) : (
        <TraceTable items={page.items} />
      )}
      <nav aria-label="Pagination" className="flex justify-end gap-2 text-sm">
        {query.cursor ? (
          <Link className="rounded border border-slate-300 bg-white px-3 py-1 hover:bg-slate-50" href={`/traces${query.dataset ? `?dataset=${encodeURIComponent(query.dataset)}` : ""}`}>
            First page
          </Link>
        ) : null}
        {nextHref ? (
          <Link className="rounded border border-slate-300 bg-white px-3 py-1 hover:bg-slate-50" href={nextHref}>
            Next page →
          </Link>
        ) : null}
      </nav>
    </div>
  );
}
