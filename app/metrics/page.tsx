import Link from "next/link";
import { Badge } from "@/components/ui/badge";
import { EmptyState } from "@/components/ui/empty-state";
import { listDatasetNames } from "@/lib/services/traces/datasets";
import { latestQualityByDataset } from "@/lib/services/verify/metrics";

export const dynamic = "force-dynamic";
export const metadata = { title: "Metrics" };

export default async function MetricsIndexPage() {
  const [datasets, quality] = await Promise.all([listDatasetNames(), latestQualityByDataset()]);
  return (
    <div className="space-y-6">
      <div>
        <h1 className="text-2xl font-semibold tracking-tight">Verifier metrics</h1>
        <p className="mt-1 text-sm text-slate-500">Each dataset&apos;s latest verifier run. Open one for the per-method table, the ablation and the quality histogram.</p>
      </div>
      {datasets.length === 0 ? (
        <EmptyState title="No datasets yet">Import traces first, then run <code className="rounded bg-slate-100 px-1">npm run stepwise -- verify --dataset NAME</code>.</EmptyState>
      ) : (
        <ul className="grid gap-3 md:grid-cols-2 xl:grid-cols-3">
          {datasets.map((d) => {
            const latest = quality.get(d.id);
            return (
              <li key={d.id} data-dataset={d.name} className="rounded-lg border border-slate-200 bg-white p-4">
                <Link href={`/datasets/${encodeURIComponent(d.name)}/metrics`} className="font-medium text-brand hover:underline">{d.name}</Link>
                {latest?.overall ? (
                  <dl className="mt-2 grid grid-cols-3 gap-2 text-sm">
                    <div><dt className="text-xs text-slate-500">Avg quality</dt><dd className="tabular-nums">{latest.overall.avgQuality.toFixed(3)}</dd></div>
                    <div><dt className="text-xs text-slate-500">Valid</dt><dd className="tabular-nums">{(latest.overall.validRatio * 100).toFixed(1)}%</dd></div>
                    <div><dt className="text-xs text-slate-500">Traces</dt><dd className="tabular-nums">{latest.overall.traces.toLocaleString("en-US")}</dd></div>
                  </dl>
                ) : (
                  <p className="mt-2 text-sm text-slate-500"><Badge>not verified</Badge></p>
                )}
              </li>
            );
          })}
        </ul>
      )}
    </div>
  );
}
