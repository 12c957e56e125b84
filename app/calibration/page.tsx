import { Suspense } from "react";
import { CalibrationWorkspace } from "@/components/calibration/calibration-workspace";
import { EmptyState } from "@/components/ui/empty-state";
import { calibrationQuery } from "@/lib/schemas/calibration";
import { getCalibration } from "@/lib/services/calibration/calibration";
import { listDatasetNames } from "@/lib/services/traces/datasets";

export const dynamic = "force-dynamic";
export const metadata = { title: "Calibration" };

const REPORT_KEYS = ["dataset", "run", "targetPrecision", "neutral", "reviewer", "source", "minN", "minCell"] as const;

export default async function CalibrationPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const raw = Object.fromEntries(Object.entries(await searchParams).filter(([, v]) => typeof v === "string")) as Record<string, string>;
  const datasets = (await listDatasetNames()).map((d) => d.name);
  const dataset = raw.dataset ?? datasets[0];
  // the agreement and traces tabs show the report: prefetch it here; other tabs load their own
  const tab = raw.tab ?? "agreement";
  let initial = null;
  if (dataset && (tab === "agreement" || tab === "traces")) {
    const params = Object.fromEntries(REPORT_KEYS.map((k) => [k, k === "dataset" ? dataset : raw[k]]));
    const parsed = calibrationQuery.safeParse(params);
    if (parsed.success) initial = { params, report: await getCalibration(parsed.data) };
  }
  return (
    <div className="space-y-4">
      <div>
        <h1 className="text-2xl font-semibold tracking-tight">Calibration</h1>
        <p className="mt-1 text-sm text-slate-500">
          How far the verifier agrees with human labels — per rule, by step kind, tool and relation class, with 95% intervals — and what to change:
          fitted rule weights saved as a new verifier version, the steps whose verdict flips, and where the verifier fails.
        </p>
      </div>
      {datasets.length === 0 ? (
        <EmptyState title="No datasets yet">Import traces and run the verifier first.</EmptyState>
      ) : (
        <Suspense>
          <CalibrationWorkspace datasets={datasets} initial={initial} />
        </Suspense>
      )}
    </div>
  );
}
