export type Phase = "idle" | "upload" | "validate" | "write" | "verify" | "done" | "failed";

export interface ProgressState {
  phase: Phase;
  /** 0–1 within the current phase */
  fraction: number;
  detail: string;
}

// The bar covers the whole job: upload (0–30 %), the server's check pass (30–65 %, bytes read),
// the write pass (65–90 %, records committed in chunks), verify on import (90–99 %, traces verified
// of the dataset's). The import runs in the background once the files are on the server's disk;
// the page polls its status (lib/queries/imports.ts).
const SPAN: Record<Phase, [number, number]> = {
  idle: [0, 0],
  upload: [0, 30],
  validate: [30, 65],
  write: [65, 90],
  verify: [90, 99],
  done: [100, 100],
  failed: [100, 100],
};

const LABEL: Record<Phase, string> = {
  idle: "Waiting",
  upload: "Uploading",
  validate: "Validating on the server",
  write: "Writing (all or nothing)",
  verify: "Verifying the new traces",
  done: "Done",
  failed: "Failed",
};

export function percentOf(state: ProgressState): number {
  const [from, to] = SPAN[state.phase];
  return Math.round(from + (to - from) * Math.min(1, Math.max(0, state.fraction)));
}

export function ImportProgress({ state, phasesSeen }: { state: ProgressState; phasesSeen: Phase[] }) {
  const percent = percentOf(state);
  const tone = state.phase === "failed" ? "bg-red-500" : state.phase === "done" ? "bg-green-600" : "bg-brand";
  return (
    <div className="space-y-1" data-testid="import-progress" data-phase={state.phase} data-phases-seen={phasesSeen.join(",")}>
      <div className="flex items-baseline justify-between text-sm">
        <span className="font-medium">{LABEL[state.phase]}</span>
        <span className="tabular-nums text-slate-500">{percent}%</span>
      </div>
      <div role="progressbar" aria-label="Import progress" aria-valuemin={0} aria-valuemax={100} aria-valuenow={percent} className="h-2 overflow-hidden rounded bg-slate-200">
        <div className={`h-full ${tone} transition-[width] duration-200`} style={{ width: `${percent}%` }} />
      </div>
      <p className="text-xs text-slate-500">{state.detail}</p>
    </div>
  );
}
