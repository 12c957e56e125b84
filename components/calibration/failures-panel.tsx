"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { FailureBars, TrendChart } from "@/components/calibration/charts";
import { NoRelationTags } from "@/components/calibration/no-relation-tags";
import { count, interval } from "@/components/calibration/format";
import { SortableTable, type Column } from "@/components/calibration/sortable-table";
import { Badge } from "@/components/ui/badge";
import type { FailureRow } from "@/lib/calibration/failures";
import { calibrationQueries, type CalibrationParams } from "@/lib/queries/calibration";
import type { FailureExample, FailureTrendPoint, FailuresReport } from "@/lib/schemas/calibration";

// Failure explorer: where the verifier fails — by rule, step kind, tool and relation class — how
// that moved across verifier versions, and example steps one click away from the review page.

type FilterKey = "rule" | "kind" | "tool" | "class";

interface FailuresPanelProps {
  params: CalibrationParams;
  /** Filter changes (and the example page size, `limit`). */
  onFilter: (changes: Partial<Record<FilterKey | "limit", string | null>>) => void;
}

export function FailuresPanel({ params, onFilter }: FailuresPanelProps) {
  const router = useRouter();
  const failures = useQuery({ ...calibrationQueries.failures(params), placeholderData: keepPreviousData });
  if (failures.error) return <p role="alert" className="rounded-md border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-800">{failures.error.message}</p>;
  const f = failures.data;
  if (!f) return <p className="text-sm text-slate-500" role="status">Grouping failures…</p>;
  const filters: Array<[FilterKey, string, string | null]> = [
    ["rule", "rule", f.filter.rule],
    ["kind", "kind", f.filter.kind],
    ["tool", "tool", f.filter.tool],
    ["class", "relation class", f.filter.relationClass],
  ];
  const columns = (header: string): Array<Column<FailureRow>> => [
    { key: "key", header, value: (r) => r.key, render: (r) => <span className="font-mono text-xs">{r.key}</span> },
    { key: "failures", header: "Failures", value: (r) => r.failures, align: "right", title: "failing (step, rule) pairs" },
    { key: "steps", header: "Steps", value: (r) => r.steps, align: "right", title: "distinct failing steps" },
    { key: "reject", header: "Human reject", value: (r) => r.humans.reject, align: "right" },
    { key: "accept", header: "Human accept", value: (r) => r.humans.accept, align: "right" },
    { key: "confirmed", header: "Confirmed", value: (r) => r.confirmed.value, render: (r) => interval(r.confirmed), align: "right", title: "of the labelled failures, the share humans rejected (95% Wilson)" },
  ];
  const table = (name: string, caption: string, header: string, key: FilterKey, rows: FailureRow[]) => (
    <SortableTable
      name={name}
      caption={`${caption} — click to filter`}
      columns={columns(header)}
      rows={rows}
      rowKey={(r) => r.key}
      rowProps={(r) => ({ "data-key": r.key, "data-failures": r.failures })}
      onRowClick={(r) => onFilter({ [key]: r.key })}
      empty="No failures in this selection."
    />
  );
  return (
    <div className="space-y-6" data-testid="failures-panel" data-total={f.totalFailures}>
      <div className="flex flex-wrap items-center gap-2 text-sm">
        <span className="text-slate-600">
          <strong>{count(f.totalFailures)}</strong> failures on <strong>{count(f.totalFailingSteps)}</strong> steps of run {f.run?.id}
        </span>
        {filters.map(([key, label, value]) =>
          value === null ? null : (
            <button key={key} type="button" onClick={() => onFilter({ [key]: null })} data-filter={key} className="rounded-full border border-indigo-200 bg-indigo-50 px-2 py-0.5 text-xs text-indigo-800 hover:bg-indigo-100">
              {label}: {value} ✕
            </button>
          ),
        )}
      </div>
      <div className="grid gap-6 xl:grid-cols-2">
        <FailureBars rows={f.breakdowns.rule} onSelect={(rule) => onFilter({ rule })} />
        <TrendChart trend={f.trend} rules={f.ruleOrder} />
      </div>
      <div className="grid gap-6 xl:grid-cols-2">
        {table("failures-rule", "By rule", "Rule", "rule", f.breakdowns.rule)}
        {table("failures-kind", "By step kind", "Kind", "kind", f.breakdowns.kind)}
        {table("failures-tool", "By tool", "Tool", "tool", f.breakdowns.tool)}
        {f.breakdowns.relationClass ? (
          table("failures-relation", "By relation class", "Class", "class", f.breakdowns.relationClass)
        ) : (
          <NoRelationTags dataset={f.dataset} taggedTraces={f.taggedTraces} scope="failing" />
        )}
      </div>
      <SortableTable<FailureExample>
        name="failure-examples"
        caption={`Example failing steps (${f.examples.length}${f.examples.length === f.limit ? "+" : ""}) — click to open the step`}
        rows={f.examples}
        rowKey={(e) => `${e.traceId}-${e.stepIndex}-${e.rule}`}
        rowProps={(e) => ({ "data-trace-id": e.traceId, "data-step-index": e.stepIndex, "data-rule": e.rule })}
        onRowClick={(e) => router.push(`/traces/${e.traceId}?step=${e.stepIndex}`)}
        maxHeight={640}
        columns={[
          { key: "trace", header: "Trace", value: (e) => e.externalId, render: (e) => <Link href={`/traces/${e.traceId}?step=${e.stepIndex}`} className="font-mono text-xs text-brand hover:underline">{e.externalId}</Link> },
          { key: "step", header: "Step", value: (e) => e.stepIndex, align: "right" },
          { key: "kind", header: "Kind", value: (e) => e.kind },
          { key: "tool", header: "Tool", value: (e) => e.tool },
          { key: "rule", header: "Rule", value: (e) => e.rule, render: (e) => <span className="font-mono text-xs">{e.rule}</span> },
          { key: "message", header: "Verifier says", value: (e) => e.message, render: (e) => <span className="whitespace-normal text-xs">{e.message}</span> },
          { key: "human", header: "Human", value: (e) => e.human, render: (e) => (e.human ? <Badge tone={e.human === "reject" ? "fail" : e.human === "accept" ? "pass" : "neutral"} title={e.human === "accept" ? "a human accepted this step: a false failure?" : "a human rejected this step too"}>{e.human}</Badge> : <span className="text-slate-300">unlabelled</span>) },
        ]}
      />
      {f.examples.length === f.limit ? (
        <button type="button" className="text-sm text-brand hover:underline" onClick={() => onFilter({ limit: String(Math.min(5000, f.limit * 4)) })}>
          Show more examples
        </button>
      ) : null}
      <div className="grid gap-6 xl:grid-cols-2">
        <SortableTable<FailuresReport["outcomes"][number]>
          name="failures-outcomes"
          caption="Verdicts per rule over the whole run"
          rows={f.outcomes}
          rowKey={(o) => o.rule}
          columns={[
            { key: "rule", header: "Rule", value: (o) => o.rule, render: (o) => <span className="font-mono text-xs">{o.rule}</span> },
            { key: "pass", header: "Pass", value: (o) => o.pass, align: "right" },
            { key: "fail", header: "Fail", value: (o) => o.fail, align: "right" },
            { key: "skip", header: "Skip", value: (o) => o.skip, align: "right" },
            { key: "rate", header: "Fail rate", value: (o) => o.failRate.value, render: (o) => interval(o.failRate), align: "right" },
          ]}
        />
        <SortableTable<FailureTrendPoint>
          name="failures-trend"
          caption="Trend across verifier runs"
          rows={f.trend}
          rowKey={(p) => String(p.run)}
          columns={[
            { key: "run", header: "Run", value: (p) => p.run, align: "right" },
            { key: "config", header: "Config", value: (p) => p.config, render: (p) => `v${p.config}`, align: "right" },
            { key: "steps", header: "Steps", value: (p) => p.steps, align: "right" },
            ...f.ruleOrder.map((rule): Column<FailureTrendPoint> => ({ key: rule, header: rule, value: (p) => p.failures[rule] ?? 0, align: "right" })),
          ]}
        />
      </div>
    </div>
  );
}
