import fs from "node:fs";
import { addAgreement, emptyAgreement, type AgreementCounts } from "@/lib/formats/export/agreement";
import type { LabelProvenance } from "@/lib/formats/export/card";
import { UNCHECKED_SOURCE, humanAccepted, resolveHuman, stepLabel, traceJudgment, uncheckedLabel, verifierOutcome } from "@/lib/formats/export/labels";
import { keptSteps } from "@/lib/formats/export/messages";
import { exportFormat } from "@/lib/formats/export/registry";
import { groupKey, imageKey, splitOf, unitHashes } from "@/lib/formats/export/split";
import { splitWarnings } from "@/lib/formats/export/warnings";
import type { ExportImage, ExportStep, StepKind, StepLabel, TraceJudgment } from "@/lib/formats/export/types";
import { SPLITS, type ExportClass, type ExportConfig, type ExportCounts, type SkipCounts, type SkipReason } from "@/lib/schemas/exports";
import { UNLABELED, checkAbort, compareCodeUnits, groupBy, imageOf, parseJson, yieldToEventLoop, type Context, type ProgressHandler } from "@/lib/services/export/export-context";
import type { CandidateRow, TraceRow } from "@/lib/services/export/export-source";
import { RELATION_CLASSES } from "@/lib/taxonomy/relations";
import { classMask, classesOf, rarityOrder, tagQuestion } from "@/lib/taxonomy/tagger";

// Passes 1 and 2 of an export (see export-build.ts): plan — scan the datasets in keyset pages,
// resolve labels, apply the per-trace filters, one candidate row per trace in a TEMP table;
// select — de-duplicate, pair, cap and weight with SQL over that table, units in output order.

const PLAN_PAGE = 2000;

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
async function labelPage(ctx: Context, rows: TraceRow[]): Promise<Labelled[]> {
  const traceIds = rows.map((r) => r.id);
  const reviews = groupBy(await ctx.source.reviews(traceIds), (r) => r.traceId);
  const verdicts = new Map((await ctx.source.verdicts(ctx.runIds, traceIds)).map((v) => [v.stepId, v]));
  const scores = new Map((await ctx.source.scores(ctx.runIds, traceIds)).map((s) => [s.traceId, s]));
  const questionIds = [...new Set(rows.map((r) => r.questionId).filter((q): q is number => q !== null))];
  const relationLabels = groupBy(await ctx.source.relations(questionIds), (r) => r.questionId);
  // a verified trace's unchecked steps get a label (or a mark) from the unchecked-steps policy
  const uncheckedPolicy = ctx.config.labels !== "human-only" && scores.size > 0;
  const stepLabelsPossible = ctx.hasEdits || verdicts.size > 0 || uncheckedPolicy || [...reviews.values()].some((list) => list.some((r) => r.stepId !== null));
  const steps = stepLabelsPossible ? groupBy(await ctx.source.steps(traceIds, false), (s) => s.traceId) : null;
  const counts = steps ? null : await ctx.source.stepCounts(traceIds);
  const withOriginals = ctx.hasEdits ? await ctx.source.tracesWithOriginals(traceIds) : new Set<number>();
  return rows.map((row) => {
    const traceReviews = reviews.get(row.id) ?? [];
    const byStep = groupBy(traceReviews.filter((r) => r.stepId !== null), (r) => r.stepId!);
    const stepRows = steps?.get(row.id) ?? [];
    const verified = scores.has(row.id);
    const exportSteps = steps
      ? stepRows.map((s): ExportStep => ({
          id: s.id, index: s.index, kind: s.kind as StepKind, revision: s.revision, text: null, tool: null, callId: s.callId ?? null, args: null, argsJson: null, resultJson: null,
          label: uncheckedLabel(stepLabel(resolveHuman(byStep.get(s.id) ?? [], s.revision), verifierOutcome(verdicts.get(s.id)), ctx.config.labels, s.revision > 0), verified, ctx.config),
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
  if (config.uncheckedSteps === "skip-trace" && t.steps.some((s) => s.label.source === UNCHECKED_SOURCE)) return "unchecked_steps";
  const kept = keptSteps(t.steps, config);
  if (kept.length === 0) return "empty";
  const { needs } = exportFormat(config.format);
  if (needs.stepLabels && kept.some((s) => s.label.value === null)) return "unlabeled";
  if (needs.judgment && judgment.value === null) return "unlabeled";
  return null;
}

// Step labels travel from pass 1 to pass 3 in the candidate table, so pass 3 reads no review or
// verdict again: per step [value, source, human value, human source, verifier], null when no step
// of the trace has any label.
type PackedLabel = [StepLabel["value"], string | null, StepLabel["human"], string | null, StepLabel["verifier"]];

function packLabels(steps: ExportStep[]): string | null {
  if (steps.every((s) => s.label === UNLABELED || (s.label.value === null && s.label.source === null && s.label.human === null && s.label.verifier === null))) return null;
  return JSON.stringify(steps.map((s): PackedLabel => [s.label.value, s.label.source, s.label.human, s.label.humanSource, s.label.verifier]));
}

export function unpackLabels(packed: string | null, count: number): StepLabel[] {
  if (packed === null) return new Array<StepLabel>(count).fill(UNLABELED);
  return (JSON.parse(packed) as PackedLabel[]).map(([value, source, human, humanSource, verifier]) => ({ value, source, human, humanSource, verifier }));
}

export async function plan(ctx: Context, onProgress: ProgressHandler, signal?: AbortSignal): Promise<{ candidates: number; skipped: SkipCounts }> {
  const { config, source } = ctx;
  const format = exportFormat(config.format);
  const datasetIds = [...ctx.datasets.keys()];
  const total = await source.countTraces(datasetIds);
  const skipped: SkipCounts = {};
  await source.createPlan();
  let scanned = 0;
  let lastImageKey = "";
  let lastSplit = 0;
  // pages walk (dataset, method, id), an index order; the output order is fixed in pass 2
  const walk: Array<{ datasetId: number; method: string }> = [];
  for (const datasetId of datasetIds) for (const method of await source.methods(datasetId)) walk.push({ datasetId, method });
  for (const { datasetId, method } of walk) {
    for (let after = 0; ; ) {
      checkAbort(signal);
      const page = await source.tracePage(datasetId, method, after, PLAN_PAGE);
      if (page.length === 0) break;
      const candidates: CandidateRow[] = [];
      for (const t of await labelPage(ctx, page)) {
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
        // keyed by what the data says (dataset name, the trace's own id), never by a database id: the same
        // data gives the same selection in any database and on either dialect, whatever ids it was given
        const [h, hw] = unitHashes(config.seed, `${group}\n${ctx.datasets.get(t.row.datasetId)!}\n${t.row.externalId}`);
        // traces of one image usually come together: hash each image once
        if (key !== lastImageKey) {
          lastImageKey = key;
          lastSplit = SPLITS.indexOf(splitOf(config.seed, key, config.split));
        }
        candidates.push({
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
          rows: format.rowsPerTrace?.(t.steps, config) ?? 1,
          sources: JSON.stringify(sources),
          labels: packLabels(t.steps),
          relations: JSON.stringify(t.relations),
          agreement: AGREEMENT_KEYS.map((k) => agreement[k]) as [number, number, number, number, number, number],
        });
      }
      await source.insertCandidates(candidates);
      scanned += page.length;
      after = page[page.length - 1].id;
      onProgress(total ? 0.3 * (scanned / total) : 0.3, `Scanning traces: ${scanned.toLocaleString("en-US")} of ${total.toLocaleString("en-US")}`);
      await yieldToEventLoop();
    }
  }
  await source.planned();
  return { candidates: scanned, skipped };
}
// ---------- pass 2: select ----------

const CLASS_BITS = RELATION_CLASSES.map((c, i) => ({ name: c, bit: 1 << i }));

function add(skipped: SkipCounts, reason: SkipReason, n: number): void {
  if (n > 0) skipped[reason] = (skipped[reason] ?? 0) + n;
}

export async function select(ctx: Context, skipped: SkipCounts): Promise<void> {
  const { config, source } = ctx;
  const counts = await source.classCounts(CLASS_BITS.map((c) => c.bit));
  const rarity = rarityOrder(Object.fromEntries(RELATION_CLASSES.map((c, i) => [c, counts[i]])));
  await source.assignClasses(rarity.map((name) => ({ name, bit: CLASS_BITS.find((c) => c.name === name)!.bit })));
  const { needs } = exportFormat(config.format);
  if (needs.pairs) {
    add(skipped, "no_pair", await source.basePairs());
    if (config.dedupe) add(skipped, "duplicate", await source.dedupePairs());
  } else {
    if (config.dedupe) add(skipped, "duplicate", await source.dedupeCandidates(Boolean(needs.dedupeByJudgment)));
    await source.baseFromCandidates();
  }
  add(skipped, "relation_cap", await source.capClasses(Object.entries(config.relationCaps).map(([cls, cap]) => ({ cls, cap: cap! }))));
  add(skipped, "relation_weight", await source.buildUnits(Object.entries(config.relationWeights).map(([cls, weight]) => ({ cls, weight: weight! }))));
  if (config.turns === "multi") await source.groupTurns();
}

export async function summarize(ctx: Context): Promise<{ counts: ExportCounts; labels: LabelProvenance; agreement: AgreementCounts }> {
  const counts: ExportCounts = { rows: 0, splits: {}, classes: {}, traces: 0, images: 0 };
  for (const { split, cls, rows } of await ctx.source.rowsBySplitAndClass()) {
    const name = SPLITS[split];
    counts.rows += rows;
    counts.splits[name] = (counts.splits[name] ?? 0) + rows;
    const classes = (counts.classes[name] ??= {});
    classes[cls as ExportClass] = rows;
  }
  const exported = await ctx.source.exportedTraces();
  counts.traces = exported.traces;
  counts.images = ctx.config.images === "none" ? 0 : exported.images;
  const agreement = emptyAgreement();
  AGREEMENT_KEYS.forEach((k, i) => (agreement[k] = exported.agreement[i]));
  const labels: LabelProvenance = { steps: {}, traces: {} };
  await ctx.source.forEachExportedSource((row) => {
    for (const [s, n] of Object.entries(JSON.parse(row.sources) as Record<string, number>)) labels.steps[s] = (labels.steps[s] ?? 0) + n;
    const j = row.judgmentSource ?? "unjudged";
    labels.traces[j] = (labels.traces[j] ?? 0) + 1;
  });
  labels.steps = sortKeys(labels.steps);
  labels.traces = sortKeys(labels.traces);
  return { counts, labels, agreement };
}

/** Empty or small splits and images in two splits, in words (preview, CLI, card, manifest). */
export async function exportWarnings(ctx: Context, counts: ExportCounts): Promise<string[]> {
  const images: Partial<Record<(typeof SPLITS)[number], number>> = {};
  for (const row of await ctx.source.imagesBySplit()) images[SPLITS[row.split]] = row.images;
  const leaked = await ctx.source.leakedImages(1000);
  const leaks = leaked.map((l) => ({ name: l.name, splits: l.splits.split(",").map(Number).sort().map((i) => SPLITS[i]) }));
  return splitWarnings({ ratios: ctx.config.split, counts, images, leaks, leakCount: leaked.length });
}

function sortKeys<T>(record: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => compareCodeUnits(a, b)));
}

export function orderedSkips(skipped: SkipCounts): SkipCounts {
  return sortKeys(skipped as Record<string, number>) as SkipCounts;
}
