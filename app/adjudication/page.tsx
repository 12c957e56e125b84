import { AdjudicationPanel } from "@/components/review-team/adjudication-panel";
import { DatasetPicker } from "@/components/review-team/dataset-picker";
import { EmptyState } from "@/components/ui/empty-state";
import { pageUserWithRole } from "@/lib/auth/page";
import { adjudicationQueue } from "@/lib/services/review/adjudication";
import { getReviewPolicy } from "@/lib/services/review/review-slots";
import { listDatasetNames } from "@/lib/services/traces/datasets";

export const dynamic = "force-dynamic";
export const metadata = { title: "Adjudication" };

export default async function AdjudicationPage({ searchParams }: { searchParams: Promise<{ dataset?: string }> }) {
  const me = await pageUserWithRole("admin");
  if (!me) return <p role="alert" className="text-sm text-slate-600">Only admins set the overlap, assign traces and adjudicate disagreements.</p>;
  const datasets = (await listDatasetNames()).map((d) => d.name);
  const wanted = (await searchParams).dataset;
  const dataset = wanted && datasets.includes(wanted) ? wanted : datasets[0];
  return (
    <div className="space-y-4">
      <div className="flex flex-wrap items-end justify-between gap-4">
        <div>
          <h1 className="text-2xl font-semibold tracking-tight">Several reviewers and adjudication</h1>
          <p className="mt-1 text-sm text-slate-500">How many reviewers each trace needs, who reviews what, and a decision on every step where they disagree. Your decision becomes the step&apos;s gold label, which calibration and exports use.</p>
        </div>
        {dataset ? <DatasetPicker datasets={datasets} value={dataset} /> : null}
      </div>
      {!dataset ? (
        <EmptyState title="No datasets yet">Import traces first.</EmptyState>
      ) : (
        <AdjudicationPanel key={dataset} dataset={dataset} policy={await getReviewPolicy(dataset)} initial={await adjudicationQueue({ dataset, status: "open", limit: 100 })} />
      )}
    </div>
  );
}
