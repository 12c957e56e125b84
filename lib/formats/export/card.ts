import {
  EXPORT_CLASSES,
  SKIP_REASON_LABELS,
  SPLITS,
  type ExportConfig,
  type ExportCounts,
  type ExportFileEntry,
  type SkipCounts,
  type SkipReason,
  type VerifierRunRef,
} from "@/lib/schemas/exports";
import { RELATION_CLASS_LABELS } from "@/lib/taxonomy/relations";
import { agreementSection, type AgreementCounts } from "@/lib/formats/export/agreement";
import { exportFormat } from "@/lib/formats/export/registry";
import { cardLicense, type DatasetSource } from "@/lib/schemas/license";
import { mdName, mdText, yamlString } from "@/lib/formats/export/markdown";

// The Hugging Face dataset card (README.md): YAML front matter with `configs` (data_files per
// split) so `load_dataset(dir)` finds the splits, then counts per split and relation class, the
// curation settings, label provenance, the verifier version and the agreement figures. Pure: the
// same summary always renders the same bytes (no dates, no paths of the machine).

export interface LabelProvenance {
  /** Exported steps by the source of their label ("human", "external:<name>", "verifier", "unlabeled"). */
  steps: Record<string, number>;
  /** Exported traces by the source of their trace-level judgment. */
  traces: Record<string, number>;
}

export interface ExportSummary {
  title: string;
  config: ExportConfig;
  counts: ExportCounts;
  skipped: SkipCounts;
  verifier: VerifierRunRef[];
  labels: LabelProvenance;
  agreement: AgreementCounts;
  /** Data files (shards), in manifest order. */
  files: ExportFileEntry[];
  /** Licence and attribution of every exported dataset. */
  sources: DatasetSource[];
  /** Empty or small splits, images in two splits (lib/formats/export/warnings.ts). */
  warnings: string[];
}

function sizeCategory(rows: number): string {
  if (rows < 1_000) return "n<1K";
  if (rows < 10_000) return "1K<n<10K";
  if (rows < 100_000) return "10K<n<100K";
  if (rows < 1_000_000) return "100K<n<1M";
  return "1M<n<10M";
}


function frontMatter(summary: ExportSummary): string {
  const { config } = summary;
  const splits = SPLITS.filter((s) => (summary.counts.splits[s] ?? 0) > 0);
  const lines = [
    "---",
    `pretty_name: ${yamlString(summary.title)}`,
    "language:",
    "- en",
    `license: ${cardLicense(summary.sources)}`,
    "task_categories:",
    `- ${config.images === "none" ? "text-generation" : "image-text-to-text"}`,
    "tags:",
    ...["stepwise", "spatial-reasoning", ...exportFormat(config.format).card.tags].map((t) => `- ${t}`),
    "size_categories:",
    `- ${sizeCategory(summary.counts.rows)}`,
    "configs:",
    "- config_name: default",
    "  data_files:",
    ...splits.flatMap((s) => [`  - split: ${s}`, `    path: data/${s}-*.jsonl`]),
  ];
  if (config.parquet) {
    lines.push("- config_name: parquet", "  data_files:", ...splits.flatMap((s) => [`  - split: ${s}`, `    path: data/${s}-*.parquet`]));
  }
  if (exportFormat(config.format).needs.sidecar) {
    lines.push("- config_name: meta", "  data_files:", ...splits.flatMap((s) => [`  - split: ${s}`, `    path: meta/${s}-*.jsonl`]));
  }
  lines.push("---");
  return lines.join("\n");
}

function table(headers: string[], rows: Array<Array<string | number>>): string {
  return [`| ${headers.join(" | ")} |`, `|${headers.map((_, i) => (i === 0 ? "---" : "---:")).join("|")}|`, ...rows.map((r) => `| ${r.join(" | ")} |`)].join("\n");
}

const UNCHECKED_TEXT: Record<ExportConfig["uncheckedSteps"], string> = {
  positive: "counted as correct, label source `verifier:unchecked`",
  negative: "counted as wrong, label source `verifier:unchecked`",
  drop: "dropped from the rows (a call and its result together)",
  "skip-trace": "a trace with one is left out",
};

function curation(config: ExportConfig): string[] {
  const items = [
    `datasets: ${config.datasets.map(mdName).join(", ")}`,
    `label priority: ${config.labels} (human labels are the current reviews, minus after-error and stale ones; imported human labels appear as \`external:<source>\`)`,
    `minimum quality: ${config.minQuality ?? "none"}; valid only: ${config.validOnly ? "yes" : "no"}; human-accepted only: ${config.humanAcceptedOnly ? "yes" : "no"}`,
    `wrong steps: ${config.rejectedSteps}${config.truncateAfterFirstError ? "; traces truncated after the first wrong step" : ""}`,
    `unchecked steps (verified, but no rule could check them and no human labelled them): ${UNCHECKED_TEXT[config.uncheckedSteps]}`,
    `de-duplication by image + normalised question: ${config.dedupe ? "on" : "off"}`,
    `split by image with seed ${config.seed}: train ${config.split.train}, validation ${config.split.validation}, test ${config.split.test}`,
  ];
  const caps = Object.entries(config.relationCaps);
  if (caps.length) items.push(`relation class caps: ${caps.map(([c, n]) => `${c} ≤ ${n}`).join(", ")}`);
  const weights = Object.entries(config.relationWeights);
  if (weights.length) items.push(`relation class weights (train split only): ${weights.map(([c, w]) => `${c} × ${w}`).join(", ")}`);
  items.push(...(exportFormat(config.format).card.curation?.(config) ?? []));
  items.push(`images: ${config.images}`);
  if (config.parquet) items.push("Parquet copies of the data shards (config `parquet`): nested columns as lists and structs; values whose type differs between rows are stored as JSON text");
  return items.map((i) => `- ${i}`);
}

export function renderCard(summary: ExportSummary): string {
  const { config, counts } = summary;
  const info = exportFormat(config.format);
  const splits = SPLITS.filter((s) => (counts.splits[s] ?? 0) > 0);
  const classes = EXPORT_CLASSES.filter((c) => splits.some((s) => (counts.classes[s]?.[c] ?? 0) > 0));
  const skipped = (Object.entries(summary.skipped) as Array<[SkipReason, number]>).filter(([, n]) => n > 0);
  const sections = [
    frontMatter(summary),
    "",
    `# ${mdText(summary.title)}`,
    "",
    `${info.label} rows for ${info.trainer}, exported by Stepwise from teacher reasoning traces on spatial questions about images: ${counts.rows} rows from ${counts.traces} traces${counts.images ? ` on ${counts.images} images` : ""}.`,
    "",
    "## Columns",
    "",
    info.card.columns,
    "",
    "`meta` records the provenance of every label: the trace id and dataset, the split, the relation tags, the verifier quality and validity, the trace judgment and its source, and per step its kind, label and label source (`human`, `external:<source>`, `verifier`, `verifier:unchecked` for a step the verifier could not check, labelled by the unchecked-steps policy, or null when unlabeled).",
    "",
    "## Splits",
    "",
    "Splits are assigned by image (a hash of the image's SHA-256 and the seed), so no image appears in two splits.",
    "",
    table(["split", "rows"], splits.map((s) => [s, counts.splits[s] ?? 0])),
    "",
    ...(summary.warnings.length ? ["**Warnings**", "", ...summary.warnings.map((w) => `- ${w}`), ""] : []),
    "## Relation classes",
    "",
    "Each question's primary relation class (the rarest of its tagged classes, SpaRE-style; `none` = no spatial relation), rows per split:",
    "",
    classes.length
      ? table(["class", ...splits], classes.map((c) => [`${c} ${RELATION_CLASS_LABELS[c].match(/\(.*\)/)?.[0] ?? ""}`.trim(), ...splits.map((s) => counts.classes[s]?.[c] ?? 0)]))
      : "No rows.",
    "",
    "## Curation",
    "",
    ...curation(config),
    "",
    skipped.length ? table(["left out", "count"], skipped.map(([reason, n]) => [SKIP_REASON_LABELS[reason], n])) : "Nothing was left out.",
    "",
    "## Labels and provenance",
    "",
    // label sources come in code-unit order (summarize sorts them): the same card on every machine
    table(["step label source", "steps"], Object.entries(summary.labels.steps).map(([source, n]) => [mdText(source), n])),
    "",
    table(["trace judgment source", "traces"], Object.entries(summary.labels.traces).map(([source, n]) => [mdText(source), n])),
    "",
    "## Verifier",
    "",
    summary.verifier.length
      ? table(["dataset", "verifier version", "config", "run"], summary.verifier.map((v) => [mdText(v.dataset), v.version, mdText(v.name), v.runId]))
      : "No finished verifier run was used: labels come from people only.",
    "",
    agreementSection(summary.agreement),
    "",
    "## Loading",
    "",
    "```python",
    "from datasets import load_dataset",
    "",
    "ds = load_dataset(\"path/to/this/folder\")  # reads the `configs` above",
    ...(config.images === "copy" ? (info.card.loadImages ?? []) : []),
    ...(info.card.loadChat ?? []),
    "```",
    "",
    "## Files",
    "",
    "`manifest.json` holds the full export configuration and the SHA-256 and row count of every data file; the same database and configuration always produce byte-identical files.",
    "",
    table(["file", "rows"], summary.files.map((f) => [mdText(f.path), f.rows ?? ""])),
    "",
    "## Sources and licences",
    "",
    "Images, questions and traces keep the licences of the datasets they were imported from:",
    "",
    table(["dataset", "licence", "attribution"], summary.sources.map((s) => [mdText(s.dataset), mdText(s.license ?? "not declared"), mdText(s.attribution ?? "—")])),
    "",
    summary.sources.some((s) => !s.license)
      ? "A dataset without a declared licence makes the card say `unknown`: set one with `stepwise datasets license NAME ID` (or at import with `--license`) before redistributing."
      : cardLicense(summary.sources) === "other"
        ? "The datasets carry different licences, so the card says `other`: each row's `meta.dataset` names its source."
        : "Credit the sources above when you redistribute or train on this data.",
    "",
  ];
  return sections.join("\n");
}
