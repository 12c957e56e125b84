import type { Interval } from "@/lib/calibration/intervals";
import type { RunRef } from "@/lib/schemas/calibration";

// Number formatting shared by the calibration panels.

export const pct = (x: number | null | undefined, digits = 1) => (x === null || x === undefined ? "—" : `${(100 * x).toFixed(digits)}%`);
/** x to `digits` decimals; a value that rounds to zero prints without a sign ("0.000", not "-0.000"). */
export function fixed(x: number | null | undefined, digits = 3): string {
  if (x === null || x === undefined) return "—";
  const rounded = Number(x.toFixed(digits));
  return (rounded === 0 ? 0 : rounded).toFixed(digits);
}
export const count = (x: number) => x.toLocaleString("en-US");

/** "77.7% [77.3, 78.0]" — the value and its 95% interval. */
export function interval(i: Interval, kind: "pct" | "num" = "pct"): string {
  if (i.value === null) return "—";
  const f = kind === "pct" ? (x: number | null) => (x === null ? "—" : (100 * x).toFixed(1)) : (x: number | null) => fixed(x);
  return `${kind === "pct" ? pct(i.value) : fixed(i.value)} [${f(i.lo)}, ${f(i.hi)}]`;
}

export function runLabel(run: RunRef): string {
  return `run ${run.id} · config v${run.config} · ${new Date(run.startedAt).toLocaleString("en-GB", { dateStyle: "short", timeStyle: "short" })}`;
}
