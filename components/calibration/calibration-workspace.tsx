"use client";

import Link from "next/link";
import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { ReactNode } from "react";
import { AgreementPanel } from "@/components/calibration/agreement-panel";
import { downloadJson } from "@/components/calibration/export";
import { FailuresPanel } from "@/components/calibration/failures-panel";
import { FitPanel } from "@/components/calibration/fit-panel";
import { FlipsPanel } from "@/components/calibration/flips-panel";
import { TracesPanel } from "@/components/calibration/traces-panel";
import { Button } from "@/components/ui/button";
import { RunError, RunProgress } from "@/components/verdicts/run-progress";
import { calibrationKeys, calibrationMutations, calibrationQueries, type CalibrationParams } from "@/lib/queries/calibration";
import { runLabel } from "@/components/calibration/format";
import type { CalibrationReport } from "@/lib/schemas/calibration";

// The calibration screen. All state lives in the URL (shareable, back/forward work); each tab reads
// its own resource through React Query.

export const TABS = [
  { id: "agreement", label: "Agreement" },
  { id: "traces", label: "Traces" },
  { id: "fit", label: "Fit" },
  { id: "flips", label: "Flips" },
  { id: "failures", label: "Failures" },
] as const;
export type TabId = (typeof TABS)[number]["id"];

const LABEL_KEYS = ["neutral", "reviewer", "source", "minN", "minCell"] as const;

function Select({ label, value, onChange, children, testId }: { label: string; value: string; onChange: (value: string) => void; children: ReactNode; testId?: string }) {
  return (
    <label className="flex flex-col gap-0.5 text-xs text-slate-500">
      {label}
      <select value={value} onChange={(e) => onChange(e.target.value)} data-testid={testId} className="rounded-md border border-slate-300 bg-white px-2 py-1 text-sm text-slate-800">
        {children}
      </select>
    </label>
  );
}

export function CalibrationWorkspace({ datasets, initial }: { datasets: string[]; initial: { params: CalibrationParams; report: CalibrationReport } | null }) {
  const searchParams = useSearchParams();
  const router = useRouter();
  const pathname = usePathname();
  const raw = Object.fromEntries(searchParams.entries());
  const dataset = raw.dataset ?? datasets[0];
  const tab: TabId = (TABS.find((t) => t.id === raw.tab)?.id ?? "agreement");

  const update = (changes: Record<string, string | number | undefined | null>) => {
    const next = new URLSearchParams(searchParams);
    for (const [key, value] of Object.entries(changes)) {
      if (value === undefined || value === null || value === "") next.delete(key);
      else next.set(key, String(value));
    }
    if (!next.get("dataset") && dataset) next.set("dataset", dataset);
    router.replace(`${pathname}?${next}`, { scroll: false });
  };

  const labelParams: CalibrationParams = Object.fromEntries(LABEL_KEYS.map((k) => [k, raw[k]]));
  const reportParams: CalibrationParams = { dataset, run: raw.run, targetPrecision: raw.targetPrecision, ...labelParams };
  const useInitial = initial !== null && JSON.stringify(calibrationQueries.report(initial.params).queryKey) === JSON.stringify(calibrationQueries.report(reportParams).queryKey);
  const queryClient = useQueryClient();
  const verify = useMutation({
    mutationFn: () => calibrationMutations.reverify({ dataset }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: calibrationKeys.all }),
  });
  const report = useQuery({
    ...calibrationQueries.report(reportParams),
    initialData: useInitial ? initial.report : undefined,
    placeholderData: keepPreviousData,
    enabled: Boolean(dataset),
  });

  if (!dataset) {
    return <p className="text-sm text-slate-500">No datasets yet.</p>;
  }
  const data = report.data;
  const runs = data?.runs ?? [];
  const tabHref = (id: TabId) => {
    const next = new URLSearchParams(searchParams);
    next.set("tab", id);
    next.set("dataset", dataset);
    return `${pathname}?${next}`;
  };

  return (
    <div className="space-y-5">
      <div className="flex flex-wrap items-end gap-3" data-testid="calibration-controls">
        <Select label="Dataset" value={dataset} onChange={(v) => update({ dataset: v, run: null, before: null, after: null, rule: null, kind: null, tool: null, class: null })} testId="calibration-dataset">
          {datasets.map((d) => <option key={d} value={d}>{d}</option>)}
        </Select>
        <Select label="Verifier run" value={raw.run ?? ""} onChange={(v) => update({ run: v })} testId="calibration-run">
          <option value="">latest{runs[0] ? ` (${runLabel(runs[0])})` : ""}</option>
          {runs.map((r) => <option key={r.id} value={r.id}>{runLabel(r)}</option>)}
        </Select>
        <Select label="Reviewers" value={raw.reviewer ?? ""} onChange={(v) => update({ reviewer: v })} testId="calibration-reviewer">
          <option value="">all (plurality per step)</option>
          {(data?.reviewers ?? []).map((r) => <option key={r} value={r}>{r}</option>)}
        </Select>
        <Select label="Label source" value={raw.source ?? "all"} onChange={(v) => update({ source: v === "all" ? null : v })}>
          <option value="all">all (gold where adjudicated)</option>
          <option value="gold">gold, else Stepwise majority</option>
          <option value="human">made in Stepwise (reviewers only, no gold)</option>
          <option value="external">imported (PRM800K, VisProg…)</option>
        </Select>
        <Select label="Neutral labels" value={raw.neutral ?? "exclude"} onChange={(v) => update({ neutral: v === "exclude" ? null : v })} testId="calibration-neutral">
          <option value="exclude">left out</option>
          <option value="accept">count as accept</option>
          <option value="reject">count as reject</option>
        </Select>
        <label className="flex flex-col gap-0.5 text-xs text-slate-500" title="cells with fewer labelled steps are flagged as too small to trust">
          Min. n
          <input
            type="number"
            min={1}
            defaultValue={raw.minN ?? "30"}
            onBlur={(e) => update({ minN: e.target.value === "30" ? null : e.target.value })}
            className="w-20 rounded-md border border-slate-300 bg-white px-2 py-1 text-sm text-slate-800"
          />
        </label>
        <button
          type="button"
          disabled={!data}
          onClick={() => data && downloadJson(`calibration-${dataset}-run${data.run?.id ?? "none"}.json`, data)}
          className="ml-auto rounded-md border border-slate-300 bg-white px-2.5 py-1 text-sm text-slate-700 hover:bg-slate-50 disabled:opacity-40"
        >
          Export report (JSON)
        </button>
      </div>

      <nav aria-label="Calibration views" className="flex gap-1 border-b border-slate-200">
        {TABS.map((t) => (
          <Link
            key={t.id}
            href={tabHref(t.id)}
            replace
            scroll={false}
            aria-current={t.id === tab ? "page" : undefined}
            className={`-mb-px border-b-2 px-3 py-2 text-sm ${t.id === tab ? "border-brand font-medium text-brand" : "border-transparent text-slate-600 hover:text-slate-900"}`}
          >
            {t.label}
          </Link>
        ))}
        {report.isFetching ? <span className="ml-auto self-center text-xs text-slate-400" role="status">updating…</span> : null}
      </nav>

      {report.error ? (
        <p role="alert" className="rounded-md border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-800">{report.error.message}</p>
      ) : !data ? (
        <p className="text-sm text-slate-500" role="status">Computing agreement…</p>
      ) : !data.run ? (
        <div className="rounded-lg border border-dashed border-slate-300 bg-white px-6 py-10 text-center text-sm text-slate-500" data-testid="no-run">
          <p className="font-medium text-slate-800">The verifier has not run on {dataset} yet</p>
          <p className="mt-2">Calibration compares its verdicts with your labels.</p>
          <div className="mt-4 flex justify-center">
            <Button variant="primary" onClick={() => verify.mutate()} disabled={verify.isPending}>
              {verify.isPending ? `Verifying ${dataset}…` : "Run the verifier now (default config)"}
            </Button>
          </div>
          {verify.isPending ? (
            <div className="mt-3 flex justify-center">
              <RunProgress dataset={dataset} />
            </div>
          ) : null}
          {verify.error ? (
            <p className="mt-2">
              <RunError error={verify.error} />
            </p>
          ) : null}
          <p className="mt-3 text-xs">or <code className="rounded bg-slate-100 px-1">npm run stepwise -- verify --dataset {dataset}</code></p>
        </div>
      ) : tab === "agreement" ? (
        <AgreementPanel report={data} onRule={(rule) => update({ tab: "failures", rule })} />
      ) : tab === "traces" ? (
        <TracesPanel report={data} onTargetPrecision={(value) => update({ targetPrecision: value })} />
      ) : tab === "fit" ? (
        <FitPanel
          params={{ ...reportParams, target: raw.target, l2: raw.l2 }}
          onParams={update}
          onReverified={(before, after) => update({ tab: "flips", before, after, run: null })}
        />
      ) : tab === "flips" ? (
        <FlipsPanel params={{ dataset, before: raw.before, after: raw.after, limit: raw.limit, ...labelParams }} runs={runs} onParams={update} />
      ) : (
        <FailuresPanel
          params={{ dataset, run: raw.run, rule: raw.rule, kind: raw.kind, tool: raw.tool, relationClass: raw.class, limit: raw.limit, ...labelParams }}
          onFilter={(filter) => update({ limit: null, ...filter })}
        />
      )}
    </div>
  );
}
