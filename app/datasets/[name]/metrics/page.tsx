import Link from "next/link";
import { notFound } from "next/navigation";
import { MetricsView } from "@/components/metrics/metrics-view";
import { AppError } from "@/lib/errors";
import { datasetNameParams } from "@/lib/schemas/verifier";
import { getDatasetMetrics } from "@/lib/services/verify/metrics";
import { listRuns } from "@/lib/services/verify/verdicts";

export const dynamic = "force-dynamic";

export async function generateMetadata({ params }: { params: Promise<{ name: string }> }) {
  return { title: `Metrics · ${decodeURIComponent((await params).name)}` };
}

export default async function DatasetMetricsPage({ params }: { params: Promise<{ name: string }> }) {
  const parsed = datasetNameParams.safeParse(await params);
  if (!parsed.success) notFound();
  const name = decodeURIComponent(parsed.data.name);
  const [metrics, runs] = await Promise.all([
    getDatasetMetrics({ dataset: name, ablation: true }).catch((error) => {
      if (error instanceof AppError && error.code === "not_found") notFound();
      throw error;
    }),
    listRuns({ dataset: name }),
  ]);
  return (
    <div className="space-y-4">
      <nav aria-label="Breadcrumb" className="text-sm text-slate-500">
        <Link href="/" className="hover:underline">Datasets</Link> / <Link href="/metrics" className="hover:underline">Metrics</Link> / <span>{name}</span>
      </nav>
      <div>
        <h1 className="text-2xl font-semibold tracking-tight">Verifier metrics · {name}</h1>
        <p className="mt-1 text-sm text-slate-500">
          The papers&apos; figures from the verifier&apos;s verdicts: average quality, variance and valid ratio per generation method (SpatialTraceGen Table 1), and the ablation of its checks.
        </p>
      </div>
      <MetricsView dataset={name} initial={metrics} initialRuns={runs} />
    </div>
  );
}
