import { defineCommand, table } from "@/lib/cli/command";
import { AppError } from "@/lib/errors";
import { EXPORT_FORMAT_DEFINITIONS } from "@/lib/formats/export/registry";
import { EXPORT_CLASSES, EXPORT_FORMATS, SPLITS, type ExportCliResult, type ExportConfigInput, type ExportPreview } from "@/lib/schemas/exports";
import { previewExport, runExport } from "@/lib/services/export/exports";

// `stepwise export`: flags → export config → one synchronous export into --out. Progress goes to
// stderr; --json prints the contract of issue 7 on stdout: {"out","files","rows","skipped"}.

function number(flag: string, value: unknown): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n)) throw new AppError("invalid_input", `--${flag} must be a number (got "${value}")`);
  return n;
}

/** "train=0.8,validation=0.1,test=0.1" → { train: 0.8, validation: 0.1, test: 0.1 } (missing splits are 0). */
export function parseSplit(value: string): Record<string, number> {
  const split: Record<string, number> = { train: 0, validation: 0, test: 0 };
  for (const part of value.split(",").map((p) => p.trim()).filter(Boolean)) {
    const [name, raw] = part.split("=");
    const key = name === "val" ? "validation" : name;
    if (!SPLITS.includes(key as (typeof SPLITS)[number])) throw new AppError("invalid_input", `--split: unknown split "${name}" (use ${SPLITS.join(", ")})`);
    split[key] = number("split", raw)!;
  }
  return split;
}

/** ["projective=100", "metric=50"] → { projective: 100, metric: 50 }. */
export function parseClassValues(flag: string, values: string[] | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  for (const item of values ?? []) {
    for (const part of item.split(",").filter(Boolean)) {
      const [cls, raw] = part.split("=");
      if (!EXPORT_CLASSES.includes(cls as (typeof EXPORT_CLASSES)[number])) throw new AppError("invalid_input", `--${flag}: unknown relation class "${cls}" (use ${EXPORT_CLASSES.join(", ")})`);
      out[cls] = number(flag, raw)!;
    }
  }
  return out;
}

function configFrom(values: Record<string, string | boolean | string[] | undefined>): ExportConfigInput {
  const datasets = (values.dataset as string[] | undefined) ?? [];
  if (datasets.length === 0) throw new AppError("invalid_input", "--dataset NAME is required (repeat it for several datasets)");
  const format = values.format as string | undefined;
  if (!format) throw new AppError("invalid_input", `--format is required (${EXPORT_FORMATS.join("|")})`);
  const config: Record<string, unknown> = { datasets, format };
  const set = (key: string, value: unknown) => {
    if (value !== undefined) config[key] = value;
  };
  set("name", values.name);
  set("verifierVersion", number("verifier-version", values["verifier-version"]));
  set("labels", values.labels);
  set("neutral", values.neutral);
  set("labelType", values["label-type"]);
  set("minQuality", number("min-quality", values["min-quality"]));
  if (values["valid-only"]) config.validOnly = true;
  if (values["human-accepted-only"]) config.humanAcceptedOnly = true;
  set("rejectedSteps", values["rejected-steps"]);
  set("uncheckedSteps", values["unchecked-steps"]);
  if (values["truncate-after-first-error"]) config.truncateAfterFirstError = true;
  if (values["no-dedupe"]) config.dedupe = false;
  if (values.split !== undefined) config.split = parseSplit(values.split as string);
  set("seed", number("seed", values.seed));
  if (values["relation-cap"]) config.relationCaps = parseClassValues("relation-cap", values["relation-cap"] as string[]);
  if (values["relation-weight"]) config.relationWeights = parseClassValues("relation-weight", values["relation-weight"] as string[]);
  set("images", values.images);
  set("imageBaseUrl", values["image-base-url"]);
  set("gamma", number("gamma", values.gamma));
  set("turns", values.turns);
  set("systemPrompt", values["system-prompt"]);
  set("shardRows", number("shard-rows", values["shard-rows"]));
  if (values.parquet) config.parquet = true;
  return config as ExportConfigInput;
}

export default defineCommand({
  name: "export",
  summary: `Export curated datasets (${EXPORT_FORMAT_DEFINITIONS.map((d) => d.name).join(", ")}) with a dataset card and manifest`,
  usage: [
    `stepwise export --dataset NAME [--dataset NAME…] --format ${EXPORT_FORMATS.join("|")} --out DIR`,
    "    [--min-quality Q] [--valid-only] [--human-accepted-only] [--truncate-after-first-error]",
    "    [--split train=0.8,validation=0.1,test=0.1] [--seed N] [--verifier-version N]",
    "    [--labels human-first|human-only|verifier-only] [--rejected-steps keep|drop|mask] [--no-dedupe]",
    "    [--unchecked-steps positive|negative|drop|skip-trace]   (verified steps no rule could check; default positive)",
    `    [--relation-cap CLASS=N,…] [--relation-weight CLASS=W,…]   (classes: ${EXPORT_CLASSES.join(", ")})`,
    "    [--images copy|reference|embed|none] [--image-base-url URL] [--neutral positive|negative] [--label-type bool|float]",
    "    [--gamma G] [--turns single|multi] [--system-prompt TEXT] [--shard-rows N] [--parquet] [--name TITLE] [--overwrite] [--preview] [--json]",
  ].join("\n"),
  options: {
    dataset: { type: "string", multiple: true },
    format: { type: "string" },
    out: { type: "string" },
    name: { type: "string" },
    "verifier-version": { type: "string" },
    labels: { type: "string" },
    neutral: { type: "string" },
    "label-type": { type: "string" },
    "min-quality": { type: "string" },
    "valid-only": { type: "boolean", default: false },
    "human-accepted-only": { type: "boolean", default: false },
    "rejected-steps": { type: "string" },
    "unchecked-steps": { type: "string" },
    "truncate-after-first-error": { type: "boolean", default: false },
    "no-dedupe": { type: "boolean", default: false },
    split: { type: "string" },
    seed: { type: "string" },
    "relation-cap": { type: "string", multiple: true },
    "relation-weight": { type: "string", multiple: true },
    images: { type: "string" },
    "image-base-url": { type: "string" },
    gamma: { type: "string" },
    turns: { type: "string" },
    "system-prompt": { type: "string" },
    "shard-rows": { type: "string" },
    parquet: { type: "boolean", default: false },
    overwrite: { type: "boolean", default: false },
    preview: { type: "boolean", default: false },
  },
  run: async ({ values, progress }): Promise<ExportCliResult | ExportPreview> => {
    const config = configFrom(values);
    if (values.preview) return previewExport(config);
    const out = values.out as string | undefined;
    if (!out) throw new AppError("invalid_input", "--out DIR is required");
    let lastStage = "";
    let lastTenth = -1;
    return runExport({
      config,
      out,
      overwrite: Boolean(values.overwrite),
      onProgress: (fraction, stage) => {
        const tenth = Math.floor(fraction * 10);
        const kind = stage.split(":")[0];
        if (kind === lastStage && tenth === lastTenth) return;
        lastStage = kind;
        lastTenth = tenth;
        progress(`[${String(Math.round(fraction * 100)).padStart(3)}%] ${stage}`);
      },
      // stderr, like progress: --json keeps the documented contract on stdout
      onWarning: (warning) => progress(`warning: ${warning}`),
    });
  },
  render: (result) => {
    if (!("out" in result)) {
      const p = result as ExportPreview;
      return [
        `${p.counts.rows} rows from ${p.counts.traces} of ${p.candidates} traces`,
        table(["split", "rows"], Object.entries(p.counts.splits)),
        ...p.warnings.map((w) => `warning: ${w}`),
        skippedLines(p.skipped),
      ].join("\n");
    }
    return [
      `${result.rows} rows → ${result.out}`,
      table(["file", "rows", "sha256"], result.files.map((f) => [f.path, f.rows, f.sha256.slice(0, 16)])),
      skippedLines(result.skipped),
    ].join("\n");
  },
});

function skippedLines(skipped: Record<string, number | undefined>): string {
  const entries = Object.entries(skipped).filter(([, n]) => n);
  return entries.length ? `left out: ${entries.map(([k, n]) => `${k} ${n}`).join(", ")}` : "nothing left out";
}
