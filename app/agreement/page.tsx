import { AgreementDashboard } from "@/components/review-team/agreement-dashboard";
import { DatasetPicker } from "@/components/review-team/dataset-picker";
import { EmptyState } from "@/components/ui/empty-state";
import { pageUser } from "@/lib/auth/page";
import { agreementReport } from "@/lib/services/review/agreement";
import { reviewProgress } from "@/lib/services/review/review-slots";
import { listDatasetNames } from "@/lib/services/traces/datasets";

export const dynamic = "force-dynamic";
export const metadata = { title: "Agreement" };

export default async function AgreementPage({ searchParams }: { searchParams: Promise<{ dataset?: string }> }) {
  await pageUser();
  const datasets = (await listDatasetNames()).map((d) => d.name);
  const wanted = (await searchParams).dataset;
  const dataset = wanted && datasets.includes(wanted) ? wanted : datasets[0];
  return (
    <div className="space-y-4">
      <div className="flex flex-wrap items-end justify-between gap-4">
        <div>
          <h1 className="text-2xl font-semibold tracking-tight">Reviewer agreement</h1>
          <p className="mt-1 text-sm text-slate-500">How far reviewers agree on the same steps and traces — Krippendorff&apos;s α as the headline, pairwise Cohen&apos;s κ, Gwet&apos;s AC1 and raw agreement, each with a 95% bootstrap interval — and each reviewer against the others and the verifier.</p>
        </div>
        {dataset ? <DatasetPicker datasets={datasets} value={dataset} /> : null}
      </div>
      {!dataset ? (
        <EmptyState title="No datasets yet">Import traces first.</EmptyState>
      ) : (
        <AgreementDashboard key={dataset} dataset={dataset} initial={await agreementReport(dataset)} progress={await reviewProgress(dataset)} />
      )}
    </div>
  );
}
