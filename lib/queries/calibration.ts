import { queryOptions } from "@tanstack/react-query";
import { fetchJson } from "@/lib/queries/fetch-json";
import type {
  CalibrationReport,
  FailuresReport,
  FitEffectBody,
  FitEffectDto,
  FitProposalDto,
  FitSaveBody,
  FlipsReport,
  ReverifyResultDto,
  SavedConfigDto,
} from "@/lib/schemas/calibration";

// Calibration resources. Parameters are plain string records (the page's URL state), so keys are
// stable and shareable; empty values are dropped.

export type CalibrationParams = Record<string, string | number | undefined>;

function clean(params: CalibrationParams): Record<string, string> {
  return Object.fromEntries(Object.entries(params).filter(([, v]) => v !== undefined && v !== "").map(([k, v]) => [k, String(v)]));
}

const search = (params: CalibrationParams) => new URLSearchParams(clean(params)).toString();

export const calibrationKeys = {
  all: ["calibration"] as const,
  report: (params: CalibrationParams) => [...calibrationKeys.all, "report", clean(params)] as const,
  fit: (params: CalibrationParams) => [...calibrationKeys.all, "fit", clean(params)] as const,
  flips: (params: CalibrationParams) => [...calibrationKeys.all, "flips", clean(params)] as const,
  failures: (params: CalibrationParams) => [...calibrationKeys.all, "failures", clean(params)] as const,
};

export const calibrationQueries = {
  report: (params: CalibrationParams) =>
    queryOptions({ queryKey: calibrationKeys.report(params), queryFn: () => fetchJson<CalibrationReport>(`/api/calibration?${search(params)}`) }),
  fit: (params: CalibrationParams) =>
    queryOptions({ queryKey: calibrationKeys.fit(params), queryFn: () => fetchJson<FitProposalDto>(`/api/calibration/fit?${search(params)}`) }),
  flips: (params: CalibrationParams) =>
    queryOptions({ queryKey: calibrationKeys.flips(params), queryFn: () => fetchJson<FlipsReport>(`/api/calibration/flips?${search(params)}`) }),
  failures: (params: CalibrationParams) =>
    queryOptions({ queryKey: calibrationKeys.failures(params), queryFn: () => fetchJson<FailuresReport>(`/api/calibration/failures?${search(params)}`) }),
};

export const calibrationMutations = {
  fitEffect: (body: FitEffectBody) => fetchJson<FitEffectDto>("/api/calibration/fit/effect", { method: "POST", body: JSON.stringify(body) }),
  saveFit: (body: FitSaveBody) => fetchJson<SavedConfigDto>("/api/calibration/fit", { method: "POST", body: JSON.stringify(body) }),
  reverify: (body: { dataset: string; config?: number }) => fetchJson<ReverifyResultDto>("/api/calibration/reverify", { method: "POST", body: JSON.stringify(body) }),
};
