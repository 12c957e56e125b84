"use client";

import {
  Bar,
  BarChart,
  CartesianGrid,
  ErrorBar,
  Legend,
  Line,
  LineChart,
  ReferenceLine,
  ResponsiveContainer,
  Scatter,
  ScatterChart,
  Tooltip,
  XAxis,
  YAxis,
} from "recharts";
import { DIAGONAL, FAILURE_SERIES, failureBars, reliabilityPoints, rocArea, rocSeries } from "@/lib/calibration/chart-data";
import type { FailureRow } from "@/lib/calibration/failures";
import type { Coefficient } from "@/lib/calibration/proposal";
import type { ReliabilityBin, Recommendation, RocPoint, SweepPoint } from "@/lib/calibration/scores";
import type { FailureTrendPoint } from "@/lib/schemas/calibration";

// Calibration charts (recharts, as the verifier's metrics page; docs/calibration.md says why).
// Every chart carries its numbers as data attributes and the panels show them in tables too, so
// tests and screen readers read state, not pixels.

const COLORS = ["#6366f1", "#f59e0b", "#10b981", "#ef4444", "#0ea5e9", "#8b5cf6", "#14b8a6", "#f43f5e", "#84cc16", "#64748b"];
const percent = (x: number) => `${Math.round(x * 100)}%`;

function Frame({ testId, caption, children, attributes }: { testId: string; caption: string; children: React.ReactNode; attributes?: Record<string, string | number> }) {
  return (
    <figure data-testid={testId} {...attributes} className="rounded-lg border border-slate-200 bg-white p-3">
      <figcaption className="mb-2 text-sm font-medium text-slate-700">{caption}</figcaption>
      <div className="h-64 w-full">
        <ResponsiveContainer width="100%" height="100%">
          {children as React.ReactElement}
        </ResponsiveContainer>
      </div>
    </figure>
  );
}

export function SweepChart({ sweep, recommended, targetPrecision }: { sweep: SweepPoint[]; recommended: Recommendation | null; targetPrecision: number }) {
  const data = sweep.map((p) => ({ threshold: p.threshold, precision: p.precision, recall: p.recall, kept: p.keptShare }));
  return (
    <Frame testId="sweep-chart" caption="Threshold sweep: keep traces with quality ≥ threshold" attributes={{ "data-points": sweep.length, "data-recommended": recommended?.threshold ?? "" }}>
      <LineChart data={data} margin={{ top: 16, right: 12, bottom: 8, left: 0 }}>
        <CartesianGrid strokeDasharray="3 3" />
        <XAxis dataKey="threshold" type="number" domain={[0, 1]} tick={{ fontSize: 11 }} tickFormatter={(v: number) => v.toFixed(1)} />
        <YAxis domain={[0, 1]} tick={{ fontSize: 11 }} tickFormatter={percent} width={44} />
        <Tooltip formatter={(value) => (typeof value === "number" ? percent(value) : "—")} labelFormatter={(v) => `threshold ${Number(v).toFixed(2)}`} />
        <Legend wrapperStyle={{ fontSize: 12 }} />
        <ReferenceLine y={targetPrecision} stroke="#94a3b8" strokeDasharray="4 2" label={{ value: `target ${percent(targetPrecision)}`, fontSize: 11, position: "insideTopLeft" }} />
        {recommended ? <ReferenceLine x={recommended.threshold} stroke="#334155" strokeDasharray="4 2" label={{ value: "recommended", fontSize: 11, position: "top" }} /> : null}
        <Line type="stepAfter" dataKey="precision" name="precision" stroke={COLORS[0]} dot={false} isAnimationActive={false} connectNulls={false} />
        <Line type="stepAfter" dataKey="recall" name="recall" stroke={COLORS[2]} dot={false} isAnimationActive={false} />
        <Line type="stepAfter" dataKey="kept" name="traces kept" stroke={COLORS[1]} dot={false} isAnimationActive={false} />
      </LineChart>
    </Frame>
  );
}

export function RocChart({ roc }: { roc: RocPoint[] }) {
  const points = rocSeries(roc);
  const area = rocArea(points);
  return (
    <Frame testId="roc-chart" caption={`ROC: accepted traces kept against rejected traces kept, quality threshold swept${area !== null ? ` · AUC ${area.toFixed(2)}` : ""}`} attributes={{ "data-points": points.length, "data-auc": area ?? "" }}>
      <LineChart data={points} margin={{ top: 16, right: 12, bottom: 24, left: 8 }}>
        <CartesianGrid strokeDasharray="3 3" />
        <XAxis dataKey="fpr" type="number" domain={[0, 1]} tick={{ fontSize: 11 }} tickFormatter={percent}
          label={{ value: "false-positive rate: rejected traces kept", position: "insideBottom", offset: -12, fontSize: 11 }} />
        <YAxis dataKey="tpr" type="number" domain={[0, 1]} tick={{ fontSize: 11 }} tickFormatter={percent} width={48}
          label={{ value: "true-positive rate: accepted kept", angle: -90, position: "insideLeft", offset: 4, fontSize: 11 }} />
        <Tooltip formatter={(value) => (typeof value === "number" ? percent(value) : "—")} labelFormatter={(v) => `rejected kept ${percent(Number(v))}`} />
        <Legend verticalAlign="top" height={24} wrapperStyle={{ fontSize: 12 }} />
        <Line type="linear" dataKey="tpr" name="verifier quality, threshold swept 1 → 0" stroke={COLORS[0]} dot={false} isAnimationActive={false} />
        <Line type="linear" data={[{ fpr: 0, tpr: 0 }, { fpr: 1, tpr: 1 }]} dataKey="tpr" name="chance (no better than a coin)" stroke="#94a3b8" strokeDasharray="4 2" dot={false} legendType="plainline" isAnimationActive={false} />
      </LineChart>
    </Frame>
  );
}

export function ReliabilityChart({ bins }: { bins: ReliabilityBin[] }) {
  // Observed against predicted (lib/calibration/chart-data.ts): each bin with labelled traces is a
  // point at (mean quality of its traces, share of them people accepted) with its 95% Wilson
  // interval. A calibrated score sits on the diagonal; points below it promise more than people accept.
  const points = reliabilityPoints(bins);
  return (
    <Frame
      testId="reliability-chart"
      caption="Reliability: share accepted by people (observed) against mean quality (predicted), per quality bin"
      attributes={{ "data-bins": points.length, "data-observed": points.map((p) => p.observed.toFixed(3)).join(","), "data-predicted": points.map((p) => p.predicted.toFixed(3)).join(",") }}
    >
      <ScatterChart margin={{ top: 16, right: 12, bottom: 24, left: 8 }}>
        <CartesianGrid strokeDasharray="3 3" />
        <XAxis dataKey="predicted" type="number" domain={[0, 1]} tick={{ fontSize: 11 }} tickFormatter={(v: number) => v.toFixed(1)}
          label={{ value: "predicted: mean quality of the bin", position: "insideBottom", offset: -12, fontSize: 11 }} />
        <YAxis dataKey="observed" type="number" domain={[0, 1]} tick={{ fontSize: 11 }} tickFormatter={percent} width={48}
          label={{ value: "observed: accepted", angle: -90, position: "insideLeft", offset: 4, fontSize: 11 }} />
        <Tooltip
          formatter={(value) => (typeof value === "number" ? percent(value) : "—")}
          labelFormatter={(_, payload) => `quality bin ${payload?.[0]?.payload?.label ?? ""} (${payload?.[0]?.payload?.n ?? 0} traces)`}
        />
        <Legend verticalAlign="top" height={24} wrapperStyle={{ fontSize: 12 }} />
        <Scatter data={[...DIAGONAL]} name="perfectly calibrated (observed = predicted)" line={{ stroke: "#94a3b8", strokeDasharray: "4 2" }} shape={() => <g />} legendType="plainline" fill="#94a3b8" isAnimationActive={false} />
        <Scatter data={points} name="accepted by people, 95% interval" fill={COLORS[0]} isAnimationActive={false}>
          <ErrorBar dataKey="error" width={4} stroke="#334155" direction="y" />
        </Scatter>
      </ScatterChart>
    </Frame>
  );
}

export function CoefficientChart({ coefficients }: { coefficients: Coefficient[] }) {
  const data = coefficients
    .filter((c) => c.beta !== null)
    .map((c) => ({ rule: c.rule, beta: c.beta, error: c.lo === null || c.hi === null ? [0, 0] : [c.beta! - c.lo, c.hi - c.beta!] }));
  return (
    <Frame testId="coefficient-chart" caption="Fitted log-odds of a human reject when the rule fails (95% intervals)" attributes={{ "data-rules": data.length }}>
      <BarChart data={data} layout="vertical" margin={{ top: 8, right: 16, bottom: 24, left: 8 }}>
        <CartesianGrid strokeDasharray="3 3" />
        <XAxis type="number" tick={{ fontSize: 11 }} label={{ value: "β (log-odds; > 0: a failure predicts a reject)", position: "insideBottom", offset: -12, fontSize: 11 }} />
        <YAxis type="category" dataKey="rule" tick={{ fontSize: 11 }} width={120} />
        <Tooltip formatter={(value) => (typeof value === "number" ? value.toFixed(2) : "—")} />
        <ReferenceLine x={0} stroke="#334155" />
        <Bar dataKey="beta" name="β" fill={COLORS[0]} isAnimationActive={false}>
          <ErrorBar dataKey="error" width={4} stroke="#334155" direction="x" />
        </Bar>
      </BarChart>
    </Frame>
  );
}

export function TrendChart({ trend, rules }: { trend: FailureTrendPoint[]; rules: string[] }) {
  const data = trend.map((p) => ({ label: `run ${p.run} · v${p.config}`, ...p.failures }));
  return (
    <Frame testId="trend-chart" caption="Failing verdicts per rule across verifier runs (oldest → newest)" attributes={{ "data-runs": trend.length }}>
      <LineChart data={data} margin={{ top: 16, right: 12, bottom: 8, left: 0 }}>
        <CartesianGrid strokeDasharray="3 3" />
        <XAxis dataKey="label" tick={{ fontSize: 11 }} />
        <YAxis allowDecimals={false} tick={{ fontSize: 11 }} width={48} />
        <Tooltip />
        <Legend wrapperStyle={{ fontSize: 11 }} />
        {rules.map((rule, i) => (
          <Line key={rule} type="monotone" dataKey={rule} stroke={COLORS[i % COLORS.length]} isAnimationActive={false} />
        ))}
      </LineChart>
    </Frame>
  );
}

export function FailureBars({ rows, onSelect }: { rows: FailureRow[]; onSelect?: (key: string) => void }) {
  const bars = failureBars(rows);
  return (
    <Frame testId="failure-bars" caption="Failures per rule, split by the human verdict on the failing step" attributes={{ "data-rules": bars.length }}>
      <BarChart data={bars} layout="vertical" margin={{ top: 8, right: 16, bottom: 8, left: 8 }} onClick={(state) => {
        const key = (state as { activeLabel?: string } | null)?.activeLabel;
        if (key && onSelect) onSelect(key);
      }}>
        <CartesianGrid strokeDasharray="3 3" />
        <XAxis type="number" allowDecimals={false} tick={{ fontSize: 11 }} />
        <YAxis type="category" dataKey="key" tick={{ fontSize: 11 }} width={120} />
        <Tooltip />
        <Legend verticalAlign="top" height={36} wrapperStyle={{ fontSize: 12 }} />
        {FAILURE_SERIES.map((series, i) => (
          <Bar key={series.key} dataKey={series.key} name={series.name} stackId="f" fill={[COLORS[2], COLORS[3], "#cbd5e1"][i]} isAnimationActive={false} />
        ))}
      </BarChart>
    </Frame>
  );
}
