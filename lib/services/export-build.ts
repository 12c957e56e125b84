import fs from "node:fs";
import { once } from "node:events";
import path from "node:path";
import { dataDir } from "@/lib/env";
import { AppError } from "@/lib/errors";
import { addAgreement, emptyAgreement, type AgreementCounts } from "@/lib/formats/export/agreement";
import { renderCard, type ExportSummary, type LabelProvenance } from "@/lib/formats/export/card";
import { humanAccepted, resolveHuman, stepLabel, traceJudgment, verifierOutcome } from "@/lib/formats/export/labels";
import { buildManifest, renderManifest } from "@/lib/formats/export/manifest";
import { keptSteps } from "@/lib/formats/export/messages";
import { ROW_BUILDERS, rowsPerTrace, stringifyRow, type ExportUnit } from "@/lib/formats/export/rows";
import { ShapeCollector, writeParquetShard, type ShardShapes } from "@/lib/formats/export/parquet";
import { ShardWriter, sha256File } from "@/lib/formats/export/shards";
import { groupKey, imageKey, splitOf, unitHashes } from "@/lib/formats/export/split";
import type { ExportImage, ExportStep, ExportTrace, StepKind, StepLabel, TraceJudgment } from "@/lib/formats/export/types";
import {
  SPLITS,
  exportConfig,
  type ExportClass,
  type ExportConfig,
  type ExportCounts,
  type ExportFileEntry,
  type ExportPreview,
  type SkipCounts,
  type SkipReason,
  type VerifierRunRef,
} from "@/lib/schemas/exports";
import { ExportSource, type TraceRow } from "@/lib/services/export-source";
import { RELATION_CLASSES } from "@/lib/taxonomy/relations";
import { classMask, classesOf, rarityOrder, tagQuestion } from "@/lib/taxonomy/tagger";

// Builds an export in three streaming passes over a read snapshot:
// 1. plan — scan the selected datasets in keyset pages of traces, resolve labels, apply the
//    per-trace filters and record one small candidate row per trace in a TEMP table;
// 2. select — de-duplicate, pair (DPO), cap and weight relation classes with SQL over that table
//    and lay out the final units in output order (split, then trace id);
// 3. write — read the units back in pages, load those traces with their steps, build the rows
//    and stream them into shards; then the card and the manifest.
// Memory holds one page at a time whatever the dataset size; the same snapshot and config give
// the same bytes (ordering by ids and seeded hashes only, no timestamps).

const PLAN_PAGE = 2000;
const WRITE_PAGE = 500;

export type ProgressHandler = (fraction: number, stage: string) => void;

export interface BuildOptions {
  config: ExportConfig;
  /** Folder to create; replaced only when `overwrite`. */
  out: string;
  overwrite?: boolean;
  onProgress?: ProgressHandler;
  signal?: AbortSignal;
}

export interface BuildResult {
  out: string;
  title: string;
  files: ExportFileEntry[];
  rows: number;
  skipped: SkipCounts;
  counts: ExportCounts;
  verifier: VerifierRunRef[];
}

export class ExportCancelled extends Error {
  constructor() {
    super("export cancelled");
  }
}

interface Context {
  config: ExportConfig;
  source: ExportSource;
  /** Whether any step of the datasets was edited (edits label steps even without reviews). */
  hasEdits: boolean;
  datasets: Map<number, string>;
  runIds: number[];
  versionOf: Map<number, number>;
  verifier: VerifierRunRef[];
}

/** zod-parses an export config; errors name the field. */
export function parseExportConfig(input: unknown): ExportConfig {
  const parsed = exportConfig.safeParse(input);
  if (parsed.success) return parsed.data;
  const details = parsed.error.issues.map((i) => ({ path: i.path.join(".") || "config", error: i.message }));
  throw new AppError("invalid_input", details.map((d) => `${d.path}: ${d.error}`).join("; "), details);
}

export function exportTitle(config: ExportConfig): string {
  return config.name ?? `${config.datasets.join(" + ")} · ${config.format}`;
}

function checkAbort(signal?: AbortSignal): void {
  if (signal?.aborted) throw new ExportCancelled();
}

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

function openContext(source: ExportSource, config: ExportConfig): Context {
  const datasets = source.datasets(config.datasets);
  const runs = source.runs(datasets.map((d) => d.id), config.verifierVersion);
  const nameOf = new Map(datasets.map((d) => [d.id, d.name]));
  if (config.verifierVersion !== null) {
    const without = datasets.filter((d) => !runs.some((r) => r.datasetId === d.id));
    if (without.length) {
      throw new AppError("invalid_input", `no finished run of verifier version ${config.verifierVersion} on ${without.map((d) => `"${d.name}"`).join(", ")}; run that verifier first or pick another version`);
    }
  }
  if ((config.validOnly || config.minQuality !== null || config.labels === "verifier-only") && runs.length < datasets.length) {
    const without = datasets.filter((d) => !runs.some((r) => r.datasetId === d.id)).map((d) => `"${d.name}"`);
    const what = config.validOnly ? "valid only" : config.minQuality !== null ? "a minimum quality" : "verifier-only labels";
    throw new AppError("invalid_input", `${what} needs a finished verifier run, and ${without.join(", ")} has none; run the verifier first`);
  }
  return {
    config,
    source,
    hasEdits: source.hasEdits(datasets.map((d) => d.id)),
    datasets: nameOf,
    runIds: runs.map((r) => r.runId),
    versionOf: new Map(runs.map((r) => [r.datasetId, r.version])),
    verifier: runs.map((r) => ({ dataset: nameOf.get(r.datasetId)!, runId: r.runId, version: r.version, name: r.name })).sort((a, b) => a.dataset.localeCompare(b.dataset)),
  };
}

// ---------- pass 1: plan ----------

interface Labelled {
  row: TraceRow;
  steps: ExportStep[];
  /** Some step was edited and its original is kept: the trace can form a DPO edit pair. */
  edited: boolean;
  decision: ReturnType<typeof resolveHuman>;
  quality: number | null;
  valid: boolean | null;
  relations: string[];
  mask: number;
}

function parseJson(text: string | null | undefined): unknown {
  return text === null || text === undefined ? undefined : JSON.parse(text);
}

function groupBy<T, K>(items: T[], key: (item: T) => K): Map<K, T[]> {
  const map = new Map<K, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = map.get(k);
    if (list) list.push(item);
    else map.set(k, [item]);
  }
  return map;
}

const UNLABELED: StepLabel = { value: null, source: null, human: null, humanSource: null, verifier: null };

const placeholders = new Map<number, ExportStep[]>();

/** `count` unlabeled steps standing in for steps pass 1 did not need to read (shared, never mutated). */
function placeholderSteps(count: number): ExportStep[] {
  let steps = placeholders.get(count);
  if (!steps) {
    steps = Array.from({ length: count }, (_, index) => ({
      id: 0, index, kind: "reasoning", revision: 0, text: null, tool: null, callId: null, args: null, argsJson: null, resultJson: null, label: UNLABELED,
    }));
    placeholders.set(count, steps);
  }
  return steps;
}

/**
 * One page of traces with resolved labels, scores and relation tags (step content not loaded).
 * When nothing in the page can carry a step label — no step review, no verdict, no edit in the
 * datasets — the steps are not read at all: every step is unlabeled and Trace.stepCount says how
 * many there are.
 */
function labelPage(ctx: Context, rows: TraceRow[]): Labelled[] {
  const traceIds = rows.map((r) => r.id);
  const reviews = groupBy(ctx.source.reviews(traceIds), (r) => r.traceId);
  const verdicts = new Map(ctx.source.verdicts(ctx.runIds, traceIds).map((v) => [v.stepId, v]));
  const scores = new Map(ctx.source.scores(ctx.runIds, traceIds).map((s) => [s.traceId, s]));
  const questionIds = [...new Set(rows.map((r) => r.questionId).filter((q): q is number => q !== null))];
  const relationLabels = groupBy(ctx.source.relations(questionIds), (r) => r.questionId);
  const stepLabelsPossible = ctx.hasEdits || verdicts.size > 0 || [...reviews.values()].some((list) => list.some((r) => r.stepId !== null));
  const steps = stepLabelsPossible ? groupBy(ctx.source.steps(traceIds, false), (s) => s.traceId) : null;
  const counts = steps ? null : ctx.source.stepCounts(traceIds);
  const withOriginals = ctx.hasEdits ? ctx.source.tracesWithOriginals(traceIds) : new Set<number>();
  return rows.map((row) => {
    const traceReviews = reviews.get(row.id) ?? [];
    const byStep = groupBy(traceReviews.filter((r) => r.stepId !== null), (r) => r.stepId!);
    const stepRows = steps?.get(row.id) ?? [];
    const exportSteps = steps
      ? stepRows.map((s): ExportStep => ({
          id: s.id, index: s.index, kind: s.kind as StepKind, revision: s.revision, text: null, tool: null, callId: s.callId ?? null, args: null, argsJson: null, resultJson: null,
          label: stepLabel(resolveHuman(byStep.get(s.id) ?? [], s.revision), verifierOutcome(verdicts.get(s.id)), ctx.config.labels, s.revision > 0),
        }))
      : placeholderSteps(counts!.get(row.id) ?? 0);
    const score = scores.get(row.id);
    const tags = tagQuestion({ text: row.question, program: parseJson(row.program), labels: (relationLabels.get(row.questionId ?? -1) ?? []).map((l) => l.relation) });
    return {
      row,
      steps: exportSteps,
      edited: withOriginals.has(row.id),
      decision: resolveHuman(traceReviews.filter((r) => r.stepId === null)),
      quality: score ? score.quality : null,
      valid: score ? Boolean(score.valid) : null,
      relations: tags.map((t) => t.relation),
      mask: classMask(classesOf(tags)),
    };
  });
}

function imageOf(row: TraceRow): ExportImage | null {
  if (!row.imageName) return null;
  const file = row.imagePath ? path.resolve(dataDir(), row.imagePath) : null;
  return { name: row.imageName, sha256: row.imageSha256, file: file && file.startsWith(path.join(dataDir(), "images") + path.sep) ? file : null, url: row.imageUrl, mime: row.imageMime };
}

function imageAvailable(image: ExportImage | null, mode: ExportConfig["images"]): boolean {
  if (!image || mode === "none" || mode === "reference") return true;
  return Boolean(image.url) || Boolean(image.file && fs.existsSync(image.file));
}

const AGREEMENT_KEYS: Array<keyof AgreementCounts> = ["good_pass", "good_fail", "bad_pass", "bad_fail", "neutral_pass", "neutral_fail"];
const JUDGMENT_CODE = { good: 1, bad: 0 } as const;

function skipReason(ctx: Context, t: Labelled, judgment: TraceJudgment): SkipReason | null {
  const { config } = ctx;
  if (!imageAvailable(imageOf(t.row), config.images)) return "image_missing";
  if ((config.minQuality !== null || config.validOnly) && t.quality === null) return "no_verifier_score";
  if (config.minQuality !== null && t.quality! < config.minQuality) return "below_min_quality";
  if (config.validOnly && t.valid !== true) return "not_valid";
  if (config.humanAcceptedOnly && !humanAccepted(t.decision, t.steps)) return "not_human_accepted";
  const kept = keptSteps(t.steps, config);
  if (kept.length === 0) return "empty";
  if (config.format === "trl-prm" && kept.some((s) => s.label.value === null)) return "unlabeled";
  if (config.format === "kto" && judgment.value === null) return "unlabeled";
  if (config.format === "dpo" && judgment.value === null) return "unlabeled";
  return null;
}

// Step labels travel from pass 1 to pass 3 in the candidate table, so pass 3 reads no review or
// verdict again: per step [value, source, human value, human source, verifier], null when no step
// of the trace has any label.
type PackedLabel = [StepLabel["value"], string | null, StepLabel["human"], string | null, StepLabel["verifier"]];

function packLabels(steps: ExportStep[]): string | null {
  if (steps.every((s) => s.label === UNLABELED || (s.label.value === null && s.label.human === null && s.label.verifier === null))) return null;
  return JSON.stringify(steps.map((s): PackedLabel => [s.label.value, s.label.source, s.label.human, s.label.humanSource, s.label.verifier]));
}

function unpackLabels(packed: string | null, count: number): StepLabel[] {
  if (packed === null) return new Array<StepLabel>(count).fill(UNLABELED);
  return (JSON.parse(packed) as PackedLabel[]).map(([value, source, human, humanSource, verifier]) => ({ value, source, human, humanSource, verifier }));
}

async function plan(ctx: Context, onProgress: ProgressHandler, signal?: AbortSignal): Promise<{ candidates: number; skipped: SkipCounts }> {
  const { config, source } = ctx;
  const datasetIds = [...ctx.datasets.keys()];
  const total = source.countTraces(datasetIds);
  const skipped: SkipCounts = {};
  source.createPlan();
  let scanned = 0;
  let lastImageKey = "";
  let lastSplit = 0;
  // pages walk (dataset, method, id), an index order; the output order is fixed in pass 2
  const walk = datasetIds.flatMap((datasetId) => source.methods(datasetId).map((method) => ({ datasetId, method })));
  for (const { datasetId, method } of walk) {
    for (let after = 0; ; ) {
      checkAbort(signal);
      const page = source.tracePage(datasetId, method, after, PLAN_PAGE);
      if (page.length === 0) break;
      for (const t of labelPage(ctx, page)) {
        const judgment = traceJudgment(t.decision, t.steps, t.valid, config.labels);
        const reason = skipReason(ctx, t, judgment);
        if (reason) {
          skipped[reason] = (skipped[reason] ?? 0) + 1;
          continue;
        }
        const image = t.row.imageName ? { sha256: t.row.imageSha256, name: t.row.imageName } : null;
        const key = imageKey(image, ctx.datasets.get(t.row.datasetId)!, t.row.question);
        const group = groupKey(key, t.row.question);
        const agreement = emptyAgreement();
        const sources: Record<string, number> = {};
        for (const step of t.steps) {
          addAgreement(agreement, step.label);
          const s = step.label.source ?? "unlabeled";
          sources[s] = (sources[s] ?? 0) + 1;
        }
        const [h, hw] = unitHashes(config.seed, `${group}\n${t.row.id}`);
        // traces of one image usually come together: hash each image once
        if (key !== lastImageKey) {
          lastImageKey = key;
          lastSplit = SPLITS.indexOf(splitOf(config.seed, key, config.split));
        }
        source.insertCandidate({
          traceId: t.row.id,
          imageKey: key,
          groupKey: group,
          split: lastSplit,
          mask: t.mask,
          judgment: judgment.value === null ? null : JUDGMENT_CODE[judgment.value],
          judgmentSource: judgment.source,
          jrank: judgment.value === "good" ? 2 : judgment.value === null ? 1 : 0,
          quality: t.quality,
          valid: t.valid === null ? null : t.valid ? 1 : 0,
          edited: t.edited ? 1 : 0,
          h,
          hw,
          rows: rowsPerTrace(config.format, t.steps, config),
          sources: JSON.stringify(sources),
          labels: packLabels(t.steps),
          relations: JSON.stringify(t.relations),
          agreement: AGREEMENT_KEYS.map((k) => agreement[k]) as [number, number, number, number, number, number],
        });
      }
      scanned += page.length;
      after = page[page.length - 1].id;
      onProgress(total ? 0.3 * (scanned / total) : 0.3, `Scanning traces: ${scanned.toLocaleString("en-US")} of ${total.toLocaleString("en-US")}`);
      await yieldToEventLoop();
    }
  }
  return { candidates: scanned, skipped };
}

// ---------- pass 2: select ----------

const CLASS_BITS = RELATION_CLASSES.map((c, i) => ({ name: c, bit: 1 << i }));

function add(skipped: SkipCounts, reason: SkipReason, n: number): void {
  if (n > 0) skipped[reason] = (skipped[reason] ?? 0) + n;
}

function select(ctx: Context, skipped: SkipCounts): void {
  const { config, source } = ctx;
  const counts = source.classCounts(CLASS_BITS.map((c) => c.bit));
  const rarity = rarityOrder(Object.fromEntries(RELATION_CLASSES.map((c, i) => [c, counts[i]])));
  source.assignClasses(rarity.map((name) => ({ name, bit: CLASS_BITS.find((c) => c.name === name)!.bit })));
  if (config.format === "dpo") {
    add(skipped, "no_pair", source.basePairs());
    if (config.dedupe) add(skipped, "duplicate", source.dedupePairs());
  } else {
    if (config.dedupe) add(skipped, "duplicate", source.dedupeCandidates(config.format === "kto"));
    source.baseFromCandidates();
  }
  add(skipped, "relation_cap", source.capClasses(Object.entries(config.relationCaps).map(([cls, cap]) => ({ cls, cap: cap! }))));
  add(skipped, "relation_weight", source.buildUnits(Object.entries(config.relationWeights).map(([cls, weight]) => ({ cls, weight: weight! }))));
}

function summarize(ctx: Context): { counts: ExportCounts; labels: LabelProvenance; agreement: AgreementCounts } {
  const counts: ExportCounts = { rows: 0, splits: {}, classes: {}, traces: 0, images: 0 };
  for (const { split, cls, rows } of ctx.source.rowsBySplitAndClass()) {
    const name = SPLITS[split];
    counts.rows += rows;
    counts.splits[name] = (counts.splits[name] ?? 0) + rows;
    const classes = (counts.classes[name] ??= {});
    classes[cls as ExportClass] = rows;
  }
  const exported = ctx.source.exportedTraces();
  counts.traces = exported.traces;
  counts.images = ctx.config.images === "none" ? 0 : exported.images;
  const agreement = emptyAgreement();
  AGREEMENT_KEYS.forEach((k, i) => (agreement[k] = exported.agreement[i]));
  const labels: LabelProvenance = { steps: {}, traces: {} };
  for (const row of ctx.source.exportedSources()) {
    for (const [s, n] of Object.entries(JSON.parse(row.sources) as Record<string, number>)) labels.steps[s] = (labels.steps[s] ?? 0) + n;
    const j = row.judgmentSource ?? "unjudged";
    labels.traces[j] = (labels.traces[j] ?? 0) + 1;
  }
  labels.steps = sortKeys(labels.steps);
  labels.traces = sortKeys(labels.traces);
  return { counts, labels, agreement };
}

function sortKeys<T>(record: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

function orderedSkips(skipped: SkipCounts): SkipCounts {
  return sortKeys(skipped as Record<string, number>) as SkipCounts;
}

// ---------- pass 3: write ----------

/** Pass 3: traces with their full steps, labels and tags as pass 1 resolved them. */
function contentPage(ctx: Context, traceIds: number[]): Map<number, Omit<ExportTrace, "split" | "relationClass">> {
  const steps = groupBy(ctx.source.steps(traceIds, true), (s) => s.traceId);
  const planned = new Map(ctx.source.candidates(traceIds).map((c) => [c.traceId, c]));
  const traces = new Map<number, Omit<ExportTrace, "split" | "relationClass">>();
  for (const row of ctx.source.traces(traceIds)) {
    const c = planned.get(row.id)!;
    const stepRows = steps.get(row.id) ?? [];
    const labels = unpackLabels(c.labels, stepRows.length);
    traces.set(row.id, {
      id: row.id,
      externalId: row.externalId,
      dataset: ctx.datasets.get(row.datasetId)!,
      question: row.question,
      answer: row.answer,
      method: row.method,
      teacherModel: row.teacherModel,
      image: imageOf(row),
      steps: stepRows.map((s, i) => ({
        id: s.id,
        index: s.index,
        kind: s.kind as StepKind,
        revision: s.revision,
        text: s.text ?? null,
        tool: s.tool ?? null,
        callId: s.callId ?? null,
        args: (parseJson(s.args) as Record<string, unknown> | undefined) ?? null,
        argsJson: s.args ?? null,
        resultJson: s.result ?? null,
        label: labels[i],
      })),
      judgment: { value: c.judgment === null ? null : c.judgment === 1 ? "good" : "bad", source: c.judgmentSource },
      quality: c.quality,
      valid: c.valid === null ? null : c.valid === 1,
      verifierVersion: ctx.versionOf.get(row.datasetId) ?? null,
      relations: JSON.parse(c.relations) as string[],
    });
  }
  return traces;
}

/** The trace as the teacher first wrote it: edited steps back at revision 0, labelled afresh. */
function originalOf(ctx: Context, trace: ExportTrace, originals: Map<number, { text: string | null; args: string | null; result: string | null }>): ExportTrace {
  return {
    ...trace,
    steps: trace.steps.map((s) => {
      const o = originals.get(s.id);
      if (!o) return s;
      return {
        ...s,
        text: o.text,
        args: (parseJson(o.args) as Record<string, unknown> | undefined) ?? null,
        argsJson: o.args,
        resultJson: o.result,
        // the original of an edited step is what the human corrected: wrong by their edit
        label: { value: "bad", source: "human", human: "bad", humanSource: "human", verifier: s.label.verifier },
      } satisfies ExportStep;
    }),
    judgment: { value: "bad", source: "human" },
  };
}

interface ImageOutput {
  images: string[];
  imageUrl: string | null;
}

function imageExt(image: ExportImage): string {
  const fromFile = image.file ? path.extname(image.file).slice(1) : "";
  return fromFile || (image.mime?.split("/")[1] ?? "bin");
}

function placeImage(ctx: Context, staging: string, image: ExportImage | null, copied: { n: number }): ImageOutput {
  const mode = ctx.config.images;
  if (!image || mode === "none") return { images: [], imageUrl: null };
  if (mode === "reference") {
    const ref = image.url ?? image.name;
    return { images: [ref], imageUrl: ref };
  }
  if (!image.file || !image.sha256) return { images: [image.url!], imageUrl: image.url };
  if (mode === "embed") {
    const data = fs.readFileSync(image.file).toString("base64");
    return { images: [], imageUrl: `data:${image.mime ?? "application/octet-stream"};base64,${data}` };
  }
  const relative = `images/${image.sha256.slice(0, 2)}/${image.sha256}.${imageExt(image)}`;
  const target = path.join(staging, relative);
  if (!fs.existsSync(target)) {
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.copyFileSync(image.file, target);
    fs.chmodSync(target, 0o644);
    copied.n++;
  }
  const base = ctx.config.imageBaseUrl;
  return { images: [relative], imageUrl: base ? `${base.replace(/\/?$/, "/")}${relative}` : relative };
}

async function write(ctx: Context, staging: string, totalRows: number, onProgress: ProgressHandler, signal?: AbortSignal, shapes?: ShapeCollector): Promise<ExportFileEntry[]> {
  const { config, source } = ctx;
  const build = ROW_BUILDERS[config.format];
  // Units come in trace-id order (dense id ranges read fastest); each split has its own writers,
  // so every split's files still hold their rows in trace-id order.
  const writers = SPLITS.map((split) => ({
    data: new ShardWriter(staging, "data", split, config.shardRows),
    meta: config.format === "openai" ? new ShardWriter(staging, "meta", split, config.shardRows) : null,
  }));
  let written = 0;
  let after = 0;
  const copied = { n: 0 };
  try {
    for (;;) {
      checkAbort(signal);
      const units = source.unitPage(after, WRITE_PAGE);
      if (units.length === 0) break;
      const ids = [...new Set(units.flatMap((u) => (u.otherId !== null ? [u.traceId, u.otherId] : [u.traceId])))].sort((a, b) => a - b);
      const loaded = contentPage(ctx, ids);
      const editedStepIds = units.filter((u) => u.pair === "edit").flatMap((u) => loaded.get(u.traceId)!.steps.filter((s) => s.revision > 0).map((s) => s.id));
      const originals = new Map(source.originals(editedStepIds).map((o) => [o.stepId, o]));
      for (const unit of units) {
        const writer = writers[unit.split];
        const split = SPLITS[unit.split];
        const trace: ExportTrace = { ...loaded.get(unit.traceId)!, split, relationClass: unit.cls as ExportClass };
        const exportUnit: ExportUnit = { trace };
        if (unit.pair === "edit") {
          exportUnit.rejected = originalOf(ctx, trace, originals);
          exportUnit.pair = "edit";
        } else if (unit.otherId !== null) {
          exportUnit.rejected = { ...loaded.get(unit.otherId)!, split, relationClass: unit.cls as ExportClass };
          exportUnit.pair = "group";
        }
        const placed = placeImage(ctx, staging, trace.image, copied);
        const built = build(exportUnit, { config, images: placed.images, imageUrl: placed.imageUrl });
        for (const row of built.rows) {
          shapes?.add(row as Record<string, unknown>);
          await writer.data.write(stringifyRow(row));
        }
        for (const meta of built.sidecar ?? []) await writer.meta!.write(JSON.stringify(meta));
        written += built.rows.length;
      }
      after = units[units.length - 1].ord;
      onProgress(0.35 + 0.6 * (totalRows ? Math.min(1, written / totalRows) : 1), `Writing rows: ${written.toLocaleString("en-US")} of ${totalRows.toLocaleString("en-US")}`);
      await yieldToEventLoop();
    }
    const files: ExportFileEntry[] = [];
    for (const writer of writers) files.push(...(await writer.data.close()));
    for (const writer of writers) if (writer.meta) files.push(...(await writer.meta.close()));
    if (written !== totalRows) throw new AppError("internal", `export wrote ${written} rows but planned ${totalRows}`);
    return files;
  } catch (error) {
    for (const writer of writers) {
      writer.data.destroy();
      writer.meta?.destroy();
    }
    throw error;
  }
}

/** Parquet copies of the data shards (not of OpenAI's meta/ sidecars). */
async function writeParquet(staging: string, jsonl: ExportFileEntry[], shapes: ShardShapes, totalRows: number, onProgress: ProgressHandler, signal?: AbortSignal): Promise<ExportFileEntry[]> {
  const data = jsonl.filter((f) => f.path.startsWith("data/"));
  const out: ExportFileEntry[] = [];
  let done = 0;
  for (const file of data) {
    checkAbort(signal);
    const relative = file.path.replace(/\.jsonl$/, ".parquet");
    const target = path.join(staging, relative);
    await writeParquetShard(path.join(staging, file.path), target, shapes, () => {
      if (++done % 2000 === 0) onProgress(0.7 + 0.25 * (done / Math.max(1, totalRows)), `Writing Parquet: ${done.toLocaleString("en-US")} of ${totalRows.toLocaleString("en-US")}`);
    });
    fs.chmodSync(target, 0o644);
    const { sha256, bytes } = await sha256File(target);
    out.push({ path: relative, rows: file.rows, bytes, sha256 });
    await yieldToEventLoop();
  }
  return out;
}

/**
 * images.sha256 (`sha256sum -c` format) for the copied images, so the manifest's hashes cover every
 * file. Image files are content-addressed — their name is the sha256 of their bytes, computed when
 * they were imported — so the lines come from a sorted walk of images/, one directory at a time.
 */
async function writeImageChecksums(staging: string): Promise<ExportFileEntry | null> {
  const dir = path.join(staging, "images");
  if (!fs.existsSync(dir)) return null;
  const file = path.join(staging, "images.sha256");
  const out = fs.createWriteStream(file);
  let rows = 0;
  for (const prefix of fs.readdirSync(dir).sort()) {
    const lines = fs.readdirSync(path.join(dir, prefix)).sort().map((name) => `${name.split(".")[0]}  images/${prefix}/${name}\n`);
    rows += lines.length;
    if (!out.write(lines.join(""))) await once(out, "drain");
  }
  out.end();
  await once(out, "close");
  fs.chmodSync(file, 0o644);
  return { path: "images.sha256", rows, ...(await sha256File(file)) };
}

// ---------- entry points ----------

function prepareOut(out: string, overwrite: boolean): string {
  const target = path.resolve(out);
  if (fs.existsSync(target)) {
    if (!fs.statSync(target).isDirectory()) throw new AppError("invalid_input", `--out ${out} exists and is not a folder`);
    if (fs.readdirSync(target).length > 0 && !overwrite) throw new AppError("invalid_input", `--out ${out} exists and is not empty (pass --overwrite to replace it)`);
  }
  fs.mkdirSync(path.dirname(target), { recursive: true });
  const staging = `${target}.partial-${process.pid}-${Date.now().toString(36)}`;
  fs.mkdirSync(staging);
  return staging;
}

async function writeText(staging: string, name: string, text: string): Promise<ExportFileEntry> {
  const file = path.join(staging, name);
  await fs.promises.writeFile(file, text);
  await fs.promises.chmod(file, 0o644);
  const { sha256, bytes } = await sha256File(file);
  return { path: name, rows: null, bytes, sha256 };
}

/** Runs the whole export into `out` (atomically: a staging folder renamed at the end). */
export async function buildExport(options: BuildOptions): Promise<BuildResult> {
  const { config } = options;
  const onProgress = options.onProgress ?? (() => {});
  const staging = prepareOut(options.out, Boolean(options.overwrite));
  const source = await ExportSource.open();
  try {
    const ctx = openContext(source, config);
    onProgress(0, "Scanning traces");
    const { candidates, skipped } = await plan(ctx, onProgress, options.signal);
    checkAbort(options.signal);
    onProgress(0.3, "Selecting rows");
    select(ctx, skipped);
    const { rows: totalRows } = source.unitTotals();
    if (totalRows === 0) {
      const reasons = Object.entries(orderedSkips(skipped)).map(([reason, n]) => `${reason} ${n}`).join(", ");
      throw new AppError("invalid_input", `nothing to export: ${candidates ? `all ${candidates} traces were left out (${reasons})` : "the datasets have no traces"}`);
    }
    const { counts, labels, agreement } = summarize(ctx);
    onProgress(0.35, "Writing rows");
    // with Parquet, the JSONL pass takes 0.35–0.7 of the bar and the Parquet passes 0.7–0.95
    const span = config.parquet ? 0.35 : 0.6;
    const shapes = config.parquet ? new ShapeCollector() : undefined;
    const jsonlFiles = await write(ctx, staging, totalRows, (f, stage) => onProgress(0.35 + ((f - 0.35) / 0.6) * span, stage), options.signal, shapes);
    const dataFiles = shapes ? [...jsonlFiles, ...(await writeParquet(staging, jsonlFiles, shapes.shapes(), totalRows, onProgress, options.signal))] : jsonlFiles;
    onProgress(0.96, "Writing the card and manifest");
    const title = exportTitle(config);
    const checksums = await writeImageChecksums(staging);
    if (checksums) dataFiles.push(checksums);
    const summary: ExportSummary = { title, config, counts, skipped: orderedSkips(skipped), verifier: ctx.verifier, labels, agreement, files: dataFiles };
    const card = await writeText(staging, "README.md", renderCard(summary));
    const manifest = await writeText(staging, "manifest.json", renderManifest(buildManifest(summary, card)));
    for (const f of dataFiles) fs.chmodSync(path.join(staging, f.path), 0o644);
    const target = path.resolve(options.out);
    fs.rmSync(target, { recursive: true, force: true });
    fs.renameSync(staging, target);
    onProgress(1, "Done");
    return { out: target, title, files: [card, manifest, ...dataFiles], rows: counts.rows, skipped: summary.skipped, counts, verifier: ctx.verifier };
  } catch (error) {
    fs.rmSync(staging, { recursive: true, force: true });
    throw error;
  } finally {
    source.close();
  }
}

/** Passes 1 and 2 only: what an export with this config would contain, without writing anything. */
export async function previewExport(config: ExportConfig, signal?: AbortSignal): Promise<ExportPreview> {
  const source = await ExportSource.open();
  try {
    const ctx = openContext(source, config);
    const { candidates, skipped } = await plan(ctx, () => {}, signal);
    select(ctx, skipped);
    return { candidates, counts: summarize(ctx).counts, skipped: orderedSkips(skipped), verifier: ctx.verifier };
  } finally {
    source.close();
  }
}
