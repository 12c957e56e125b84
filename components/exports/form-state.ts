import { exportFormat } from "@/lib/formats/export/registry";
import type { ExportFormatOption } from "@/lib/formats/export/format";
import {
  EXPORT_CLASSES,
  type ExportClass,
  type ExportConfigInput,
  type ExportFormat,
  type ExportOptionsDto,
  type ImageMode,
  type UncheckedStepMode,
} from "@/lib/schemas/exports";

// The export form's state: strings where the user types numbers (so a half-typed "0." survives),
// converted to an ExportConfigInput for the preview and the start request. The server validates.

export interface FormState {
  datasets: string[];
  format: ExportFormat;
  verifierVersion: string;
  labels: "human-first" | "human-only" | "verifier-only";
  minQuality: string;
  validOnly: boolean;
  humanAcceptedOnly: boolean;
  rejectedSteps: "keep" | "drop" | "mask";
  uncheckedSteps: UncheckedStepMode;
  truncateAfterFirstError: boolean;
  dedupe: boolean;
  train: string;
  validation: string;
  test: string;
  seed: string;
  caps: Partial<Record<ExportClass, string>>;
  weights: Partial<Record<ExportClass, string>>;
  images: ImageMode;
  neutral: "positive" | "negative";
  labelType: "bool" | "float";
  gamma: string;
  /** VQA SFT: one row per pair, or one conversation per image. */
  turns: "single" | "multi";
  shardRows: string;
  parquet: boolean;
  name: string;
  systemPrompt: string;
}

export function defaultForm(options: ExportOptionsDto | undefined): FormState {
  const first = options?.datasets.find((d) => d.traces > 0)?.name;
  return {
    datasets: first ? [first] : [],
    format: "trl-sft",
    verifierVersion: "",
    labels: "human-first",
    minQuality: "",
    validOnly: false,
    humanAcceptedOnly: false,
    rejectedSteps: "keep",
    uncheckedSteps: "positive",
    truncateAfterFirstError: false,
    dedupe: true,
    train: "0.8",
    validation: "0.1",
    test: "0.1",
    seed: "0",
    caps: {},
    weights: {},
    images: "copy",
    neutral: "positive",
    labelType: "bool",
    gamma: "1",
    turns: "single",
    shardRows: "50000",
    parquet: false,
    name: "",
    systemPrompt: "",
  };
}

/** Whether the chosen format honours a format-specific option (its definition lists it). */
export const formatHas = (format: ExportFormat, option: ExportFormatOption): boolean => exportFormat(format).options.includes(option);

const num = (value: string): number | undefined => (value.trim() === "" ? undefined : Number(value));

/** Format-specific fields are only sent where they apply, so switching formats never trips validation. */
export function toConfig(form: FormState): ExportConfigInput {
  const perClass = (values: Partial<Record<ExportClass, string>>) =>
    Object.fromEntries(EXPORT_CLASSES.filter((c) => (values[c] ?? "").trim() !== "").map((c) => [c, Number(values[c])])) as Partial<Record<ExportClass, number>>;
  const has = (option: ExportFormatOption) => formatHas(form.format, option);
  const config: ExportConfigInput = {
    datasets: form.datasets,
    format: form.format,
    verifierVersion: form.verifierVersion ? Number(form.verifierVersion) : null,
    labels: form.labels,
    minQuality: num(form.minQuality) ?? null,
    validOnly: form.validOnly,
    humanAcceptedOnly: form.humanAcceptedOnly,
    rejectedSteps: form.rejectedSteps === "mask" && !has("mask") ? "keep" : form.rejectedSteps,
    uncheckedSteps: form.uncheckedSteps,
    truncateAfterFirstError: has("truncateAfterFirstError") && form.truncateAfterFirstError,
    dedupe: form.dedupe,
    split: { train: num(form.train) ?? 0, validation: num(form.validation) ?? 0, test: num(form.test) ?? 0 },
    seed: num(form.seed) ?? 0,
    relationCaps: perClass(form.caps),
    relationWeights: perClass(form.weights),
    images: form.images === "embed" && !has("embed") ? "copy" : form.images,
    shardRows: num(form.shardRows) ?? 50_000,
    parquet: form.parquet,
  };
  if (has("stepLabels")) Object.assign(config, { neutral: form.neutral, labelType: form.labelType });
  if (has("gamma")) config.gamma = num(form.gamma) ?? 1;
  if (has("turns") && form.turns === "multi") config.turns = "multi";
  if (form.name.trim()) config.name = form.name.trim();
  if (form.systemPrompt.trim()) config.systemPrompt = form.systemPrompt.trim();
  return config;
}
