import Link from "next/link";
import { DatasetCard } from "@/components/datasets/dataset-card";
import { EmptyState } from "@/components/ui/empty-state";
import { pageUser } from "@/lib/auth/page";
import { atLeast } from "@/lib/auth/roles";
import { datasetDashboards } from "@/lib/services/traces/dashboard";
import { listDatasets } from "@/lib/services/traces/datasets";
import { latestQualityByDataset } from "@/lib/services/verify/metrics";

export const dynamic = "force-dynamic";
export const metadata = { title: "Datasets" };

export default async function DatasetsPage() {
  const [datasets, quality, dashboards, me] = await Promise.all([listDatasets(), latestQualityByDataset(), datasetDashboards(), pageUser()]);
  return (
    <div className="space-y-6">
      <div>
        <h1 className="text-2xl font-semibold tracking-tight">Datasets</h1>
        <p className="mt-1 text-sm text-slate-500">Teacher traces grouped by run. Open one to review its traces step by step.</p>
      </div>
      {datasets.length === 0 ? (
        <EmptyState title="No datasets yet">
          Load the demo with <code className="rounded bg-slate-100 px-1">npm run stepwise -- seed-demo</code> or import traces with{" "}
          <code className="rounded bg-slate-100 px-1">npm run stepwise -- import FILE --dataset NAME</code>.
        </EmptyState>
      ) : (
        <div className="overflow-hidden rounded-lg border border-slate-200 bg-white">
          <table className="w-full text-sm">
            <thead className="bg-slate-50 text-left text-xs uppercase tracking-wide text-slate-500">
              <tr>
                <th className="px-4 py-2 font-medium">Dataset</th>
                {["Images", "Scenes", "Questions", "Traces", "Steps", "Reviewed", "Avg quality", "Valid"].map((h) => (
                  <th key={h} className="px-4 py-2 text-right font-medium">{h}</th>
                ))}
                <th className="px-4 py-2 font-medium"><span className="sr-only">Metrics</span></th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {datasets.map((d) => (
                <tr key={d.id} data-dataset={d.name} className="hover:bg-slate-50">
                  <td className="px-4 py-2">
                    <Link href={`/traces?dataset=${encodeURIComponent(d.name)}`} className="font-medium text-brand hover:underline">
                      {d.name}
                    </Link>
                  </td>
                  {[d.images, d.scenes, d.questions, d.traces, d.steps, d.reviewedTraces].map((n, i) => (
                    <td key={i} className="px-4 py-2 text-right tabular-nums text-slate-700">{n.toLocaleString("en-US")}</td>
                  ))}
                  <td data-column="quality" className="px-4 py-2 text-right tabular-nums text-slate-700">{quality.get(d.id)?.overall?.avgQuality.toFixed(3) ?? "—"}</td>
                  <td data-column="valid" className="px-4 py-2 text-right tabular-nums text-slate-700">
                    {quality.get(d.id)?.overall ? `${((quality.get(d.id)!.overall!.validRatio) * 100).toFixed(1)}%` : "—"}
                  </td>
                  <td className="px-4 py-2">
                    <span className="flex gap-3 text-xs">
                      <Link href={`/traces?dataset=${encodeURIComponent(d.name)}&label=unlabeled`} className="text-brand hover:underline">review</Link>
                      <Link href={`/datasets/${encodeURIComponent(d.name)}/metrics`} className="text-brand hover:underline">metrics</Link>
                      <Link href={`/calibration?dataset=${encodeURIComponent(d.name)}`} className="text-brand hover:underline">calibration</Link>
                    </span>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {datasets.length > 0 ? (
        <section aria-labelledby="dashboard" className="space-y-2">
          <h2 id="dashboard" className="text-lg font-semibold">Dashboard</h2>
          <ul className="grid gap-4 md:grid-cols-2 xl:grid-cols-3">
            {datasets.map((d) => (
              <DatasetCard
                key={d.id}
                dataset={d}
                dashboard={dashboards.get(d.id)}
                canRename={!!me && atLeast(me.role, "reviewer")}
                canDelete={!!me && atLeast(me.role, "admin")}
              />
            ))}
          </ul>
        </section>
      ) : null}
    </div>
  );
}
