import Link from "next/link";
import { Suspense } from "react";
import { FilterBar } from "@/components/trace-list/filter-bar";
import { ListToolbar } from "@/components/trace-list/list-toolbar";
import { TraceGallery } from "@/components/trace-list/trace-gallery";
import { TraceTable } from "@/components/traces/trace-table";
import { EmptyState } from "@/components/ui/empty-state";
import { StartReviewing } from "@/components/trace-list/start-reviewing";
import { pageUser } from "@/lib/auth/page";
import { atLeast } from "@/lib/auth/roles";
import { traceFilters, traceViewState, VIEW_KEYS } from "@/lib/schemas/trace-list";
import { listTraces } from "@/lib/services/traces/trace-list";

export const dynamic = "force-dynamic";
export const metadata = { title: "Traces" };

// The trace list (docs/design.md §6): filters, sort, columns and table / gallery mode are all URL
// state, so a saved view is its URL and any list can be shared by its address.

export default async function TracesPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const raw = Object.fromEntries(Object.entries(await searchParams).filter(([, v]) => typeof v === "string")) as Record<string, string>;
  const parsed = traceFilters.safeParse(raw);
  const filters = parsed.success ? parsed.data : traceFilters.parse({});
  const view = traceViewState.parse(raw);
  const [page, me] = await Promise.all([listTraces(filters), pageUser()]);
  const canReview = me ? atLeast(me.role, "reviewer") : false;
  const kept = new URLSearchParams(Object.entries(raw).filter(([k]) => (VIEW_KEYS as readonly string[]).includes(k)));
  const nextHref = page.nextCursor ? `/traces?${new URLSearchParams([...kept, ["cursor", String(page.nextCursor)]])}` : null;
  return (
    <div className="space-y-4">
      <div className="flex flex-wrap items-end justify-between gap-3">
        <div>
          <h1 className="text-2xl font-semibold tracking-tight">Traces{filters.dataset ? <span className="text-slate-400"> · {filters.dataset}</span> : null}</h1>
          <p className="mt-1 text-sm text-slate-500" data-testid="trace-total">{page.total.toLocaleString("en-US")}{page.totalCapped ? "+" : ""} traces match</p>
        </div>
        <StartReviewing dataset={filters.dataset} />
      </div>
      {!parsed.success ? <p role="alert" className="text-sm text-red-700">Some filters were not understood and were ignored: {parsed.error.issues.map((i) => i.path.join(".")).join(", ")}</p> : null}
      <Suspense>
        <FilterBar />
      </Suspense>
      <Suspense>
        <ListToolbar canReview={canReview} total={page.total} />
      </Suspense>
      {page.items.length === 0 ? (
        <EmptyState title="No traces match">Loosen the filters, import traces, or pick another dataset on the <Link className="text-brand underline" href="/">datasets page</Link>.</EmptyState>
      ) : view.mode === "gallery" ? (
        <TraceGallery items={page.items} />
      ) : (
        <TraceTable items={page.items} cols={view.cols} />
      )}
      <nav aria-label="Pagination" className="flex justify-end gap-2 text-sm">
        {filters.cursor ? <Link className="rounded border border-slate-300 bg-white px-3 py-1 hover:bg-slate-50" href={`/traces?${kept}`}>First page</Link> : null}
        {nextHref ? <Link className="rounded border border-slate-300 bg-white px-3 py-1 hover:bg-slate-50" href={nextHref}>Next page →</Link> : null}
      </nav>
    </div>
  );
}
