import { SpareRuns } from "@/components/spare/spare-runs";

export const dynamic = "force-dynamic";
export const metadata = { title: "SpaRE" };

export default function SparePage() {
  return (
    <div className="space-y-4">
      <div>
        <h1 className="text-2xl font-semibold tracking-tight">SpaRE: spatial QA from captions</h1>
        <p className="mt-1 text-sm text-slate-500">
          Hyper-detailed captions → spatial pre-filter → QA generation → filters with reasons → the 29-relation taxonomy. Review the pairs, publish them to the dataset, export VQA SFT.
        </p>
      </div>
      <SpareRuns />
    </div>
  );
}
