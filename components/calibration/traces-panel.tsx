"use client";

import { useState } from "react";
import { AgreementStats, ConfusionMatrix } from "@/components/calibration/agreement-view";
import { ReliabilityChart, RocChart, SweepChart } from "@/components/calibration/charts";
import { count, fixed, interval, pct } from "@/components/calibration/format";
import { SortableTable } from "@/components/calibration/sortable-table";
import type { ReliabilityBin, SweepPoint } from "@/lib/calibration/scores";
import type { CalibrationReport } from "@/lib/schemas/calibration";

// Trace level: the quality score against human trace decisions.

export function TracesPanel({ report, onTargetPrecision }: { report: CalibrationReport; onTargetPrecision: (value: number) => void }) {
  const t = report.traces;
  const [target, setTarget] = useState(String(t.targetPrecision));
  if (t.n === 0) {
    return (
      <div className="rounded-lg border border-dashed border-slate-300 bg-white px-6 py-10 text-center text-sm text-slate-500" data-testid="traces-empty">
        <p className="font-medium text-slate-800">No trace of this dataset has a human decision yet</p>
        <p className="mt-2">Accept or reject whole traces on the trace page (or import decisions, e.g. VisProg verdicts) to compare them with the quality score.</p>
      </div>
    );
  }
  const commit = () => {
    const value = Number(target);
    if (value > 0 && value <= 1) onTargetPrecision(value);
  };
  return (
    <div className="space-y-6" data-testid="traces-panel" data-n={t.n} data-auc={t.auc ?? ""}>
      <div className="grid gap-4 md:grid-cols-4">
        <Card title="Traces with a decision">
          <span className="text-2xl font-semibold">{count(t.n)}</span>
          <span className="block text-xs text-slate-500">{count(t.accepted)} accepted, {count(t.rejected)} rejected{t.ties ? `, ${t.ties} reviewer ties left out` : ""}</span>
        </Card>
        <Card title="Quality ROC AUC">
          <span className="text-2xl font-semibold" data-testid="trace-auc">{fixed(t.auc)}</span>
          <span className="block text-xs text-slate-500">95% CI [{fixed(t.aucInterval.lo)}, {fixed(t.aucInterval.hi)}] (Hanley–McNeil)</span>
        </Card>
        <Card title="Recommended threshold">
          <form onSubmit={(e) => { e.preventDefault(); commit(); }} className="mb-1 flex items-center gap-2 text-xs text-slate-500">
            <label htmlFor="target-precision">for precision ≥</label>
            <input
              id="target-precision"
              data-testid="target-precision"
              type="number"
              min={0.01}
              max={1}
              step={0.01}
              value={target}
              onChange={(e) => setTarget(e.target.value)}
              onBlur={commit}
              className="w-20 rounded border border-slate-300 px-1.5 py-0.5 text-sm text-slate-800"
            />
          </form>
          {t.recommended ? (
            <>
              <span className="text-2xl font-semibold" data-testid="recommended-threshold" data-threshold={t.recommended.threshold}>{fixed(t.recommended.threshold)}</span>
              <span className="block text-xs text-slate-500">precision {pct(t.recommended.precision)}, recall {pct(t.recommended.recall)}, keeps {count(t.recommended.kept)}</span>
            </>
          ) : (
            <span className="text-sm text-amber-800" data-testid="recommended-threshold" data-threshold="">No threshold reaches {pct(t.targetPrecision)} precision on the labelled traces.</span>
          )}
        </Card>
        <Card title="Expected calibration error">
          <span className="text-2xl font-semibold" data-testid="ece">{fixed(t.reliability.ece)}</span>
          <span className="block text-xs text-slate-500">max gap {fixed(t.reliability.mce)} over 10 bins</span>
        </Card>
      </div>
      <div className="grid gap-4 xl:grid-cols-3">
        <SweepChart sweep={t.sweep} recommended={t.recommended} targetPrecision={t.targetPrecision} />
        <RocChart roc={t.roc} />
        <ReliabilityChart bins={t.reliability.bins} />
      </div>
      <div className="flex flex-wrap items-start gap-8">
        <ConfusionMatrix agreement={t.valid} testId="valid-matrix" caption="Verifier 'valid' flag vs trace decision (positive = invalid / rejected)" />
        <AgreementStats agreement={t.valid} />
      </div>
      <div className="grid gap-4 xl:grid-cols-2">
        <SortableTable<SweepPoint>
          name="threshold-sweep"
          caption="Threshold sweep"
          maxHeight={420}
          rows={t.sweep}
          rowKey={(p) => String(p.threshold)}
          columns={[
            { key: "threshold", header: "Threshold", value: (p) => p.threshold, render: (p) => p.threshold.toFixed(2), align: "right" },
            { key: "precision", header: "Precision", value: (p) => p.precision, render: (p) => (p.precision === null ? "—" : `${pct(p.precision)} [${pct(p.precisionLo)}, ${pct(p.precisionHi)}]`), align: "right" },
            { key: "recall", header: "Recall", value: (p) => p.recall, render: (p) => pct(p.recall), align: "right" },
            { key: "kept", header: "Kept", value: (p) => p.kept, align: "right" },
            { key: "keptShare", header: "Kept %", value: (p) => p.keptShare, render: (p) => pct(p.keptShare), align: "right" },
          ]}
        />
        <SortableTable<ReliabilityBin>
          name="reliability-bins"
          caption="Reliability bins"
          rows={t.reliability.bins}
          rowKey={(b) => String(b.from)}
          columns={[
            { key: "bin", header: "Quality", value: (b) => b.from, render: (b) => `${b.from.toFixed(1)}–${b.to.toFixed(1)}` },
            { key: "n", header: "Traces", value: (b) => b.n, align: "right" },
            { key: "mean", header: "Mean quality", value: (b) => b.meanScore, render: (b) => fixed(b.meanScore), align: "right" },
            { key: "rate", header: "Accepted", value: (b) => b.rate.value, render: (b) => interval(b.rate), align: "right" },
          ]}
        />
      </div>
    </div>
  );
}

function Card({ title, children }: { title: string; children: React.ReactNode }) {
  return (
    <div className="rounded-lg border border-slate-200 bg-white p-3">
      <div className="mb-1 text-xs font-medium uppercase tracking-wide text-slate-500">{title}</div>
      {children}
    </div>
  );
}
