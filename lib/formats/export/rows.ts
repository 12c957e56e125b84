import type { ExportConfig, ExportFormat } from "@/lib/schemas/exports";
import { labelScalar, stepReward } from "@/lib/formats/export/labels";
import {
  keptSteps,
  toolsJson,
  openAiMessages,
  stepText,
  toolsFor,
  trlCompletion,
  trlPrompt,
  trlStepMessage,
  type TrlOptions,
} from "@/lib/formats/export/messages";
import type { ExportStep, ExportTrace } from "@/lib/formats/export/types";

// One builder per format: a unit (a trace, or a chosen/rejected pair for DPO) → rows, in the
// exact column layout of docs/design.md §7. Key order is fixed by construction, so JSON.stringify of a
// row is deterministic. Every row carries `meta` with the provenance of its labels; OpenAI rows
// cannot hold extra keys, so theirs go to an aligned sidecar file instead.

export interface ExportUnit {
  trace: ExportTrace;
  /** DPO: the rejected side (another trace of the same group, or this trace before its edits). */
  rejected?: ExportTrace;
  pair?: "group" | "edit";
}

export interface RowContext {
  config: ExportConfig;
  /** TRL `images` column for the unit's image (copied path, reference, or none). */
  images: string[];
  /** OpenAI image_url for the unit's image. */
  imageUrl: string | null;
}

export interface BuiltRows {
  rows: unknown[];
  /** OpenAI only: one meta object per row, written to meta/ shards aligned line by line. */
  sidecar?: unknown[];
}

export interface TraceMeta {
  trace_id: string;
  dataset: string;
  split: string;
  image: string | null;
  method: string;
  teacher_model: string | null;
  relations: string[];
  relation_class: string;
  quality: number | null;
  valid: boolean | null;
  verifier_version: number | null;
  judgment: string | null;
  judgment_source: string | null;
  step_index: number[];
  step_kinds: string[];
  step_call_ids: Array<string | null>;
  step_labels: Array<string | null>;
  step_label_sources: Array<string | null>;
}

export function traceMeta(trace: ExportTrace, steps: ExportStep[]): TraceMeta {
  return {
    trace_id: trace.externalId,
    dataset: trace.dataset,
    split: trace.split,
    image: trace.image?.name ?? null,
    method: trace.method,
    teacher_model: trace.teacherModel,
    relations: trace.relations,
    relation_class: trace.relationClass,
    quality: trace.quality,
    valid: trace.valid,
    verifier_version: trace.verifierVersion,
    judgment: trace.judgment.value,
    judgment_source: trace.judgment.source,
    step_index: steps.map((s) => s.index),
    step_kinds: steps.map((s) => s.kind),
    step_call_ids: steps.map((s) => s.callId),
    step_labels: steps.map((s) => s.label.value),
    step_label_sources: steps.map((s) => s.label.source),
  };
}

function trlOptions(context: RowContext): TrlOptions {
  return { parts: context.config.images !== "none", hasImage: context.images.length > 0, systemPrompt: context.config.systemPrompt };
}

function withImages<T extends object>(row: T, context: RowContext): T & { images?: string[] } {
  return context.config.images === "none" ? row : { ...row, images: context.images };
}

function sft(unit: ExportUnit, context: RowContext): BuiltRows {
  const steps = keptSteps(unit.trace.steps, context.config);
  const options = trlOptions(context);
  const messages = [...trlPrompt(unit.trace, options), ...trlCompletion(steps, unit.trace.steps, options)];
  return { rows: [{ ...withImages({ messages, tools: toolsFor(unit.trace.steps) }, context), meta: traceMeta(unit.trace, steps) }] };
}

function prm(unit: ExportUnit, context: RowContext): BuiltRows {
  const steps = keptSteps(unit.trace.steps, context.config);
  const labels = steps.map((s) => labelScalar(s.label.value, context.config));
  if (labels.some((l) => l === null)) throw new Error(`trace ${unit.trace.externalId}: unlabeled step reached the PRM writer`);
  const row = { prompt: unit.trace.question, completions: steps.map((s) => stepText(s, unit.trace.steps)), labels };
  return { rows: [{ ...withImages(row, context), meta: traceMeta(unit.trace, steps) }] };
}

function kto(unit: ExportUnit, context: RowContext): BuiltRows {
  const steps = keptSteps(unit.trace.steps, context.config);
  const options = trlOptions(context);
  const label = unit.trace.judgment.value;
  if (label === null) throw new Error(`trace ${unit.trace.externalId}: unjudged trace reached the KTO writer`);
  const row = {
    prompt: trlPrompt(unit.trace, options),
    completion: trlCompletion(steps, unit.trace.steps, options),
    label: label === "good",
  };
  return { rows: [{ ...withImages(row, context), tools: toolsFor(unit.trace.steps), meta: traceMeta(unit.trace, steps) }] };
}

function dpo(unit: ExportUnit, context: RowContext): BuiltRows {
  const rejected = unit.rejected;
  if (!rejected) throw new Error(`trace ${unit.trace.externalId}: DPO unit without a rejected side`);
  const options = trlOptions(context);
  const chosenSteps = keptSteps(unit.trace.steps, context.config);
  const rejectedSteps = keptSteps(rejected.steps, context.config);
  const row = {
    prompt: trlPrompt(unit.trace, options),
    chosen: trlCompletion(chosenSteps, unit.trace.steps, options),
    rejected: trlCompletion(rejectedSteps, rejected.steps, options),
  };
  return {
    rows: [{
      ...withImages(row, context),
      tools: toolsFor([...unit.trace.steps, ...rejected.steps]),
      meta: { pair: unit.pair ?? "group", chosen: traceMeta(unit.trace, chosenSteps), rejected: traceMeta(rejected, rejectedSteps) },
    }],
  };
}

function offlineRl(unit: ExportUnit, context: RowContext): BuiltRows {
  const steps = keptSteps(unit.trace.steps, context.config);
  const options = trlOptions(context);
  const rewards = steps.map((s) => stepReward(s.label.value));
  const returns: number[] = new Array(steps.length);
  let running = 0;
  for (let i = steps.length - 1; i >= 0; i--) {
    running = rewards[i] + context.config.gamma * running;
    // rounded so the float sum prints the same everywhere
    returns[i] = Math.round(running * 1e9) / 1e9;
  }
  const prompt = trlPrompt(unit.trace, options);
  const tools = toolsFor(unit.trace.steps);
  const base = traceMeta(unit.trace, []);
  const rows = steps.map((step, i) => ({
    ...withImages({
      state: [...prompt, ...steps.slice(0, i).map((s) => trlStepMessage(s, unit.trace.steps, options))],
      action: trlStepMessage(step, unit.trace.steps, options),
      reward: rewards[i],
      return: returns[i],
      done: i === steps.length - 1,
    }, context),
    tools,
    meta: {
      trace_id: base.trace_id, dataset: base.dataset, split: base.split, image: base.image, method: base.method,
      relations: base.relations, relation_class: base.relation_class, quality: base.quality, valid: base.valid,
      verifier_version: base.verifier_version, step_index: step.index, step_kind: step.kind,
      label: step.label.value, label_source: step.label.source,
    },
  }));
  return { rows };
}

function openai(unit: ExportUnit, context: RowContext): BuiltRows {
  const steps = keptSteps(unit.trace.steps, context.config);
  const messages = openAiMessages(unit.trace, steps, { imageUrl: context.imageUrl, systemPrompt: context.config.systemPrompt, mask: context.config.rejectedSteps === "mask" });
  return {
    rows: [{ messages, tools: toolsFor(unit.trace.steps), parallel_tool_calls: false }],
    sidecar: [traceMeta(unit.trace, steps)],
  };
}

export const ROW_BUILDERS: Record<ExportFormat, (unit: ExportUnit, context: RowContext) => BuiltRows> = {
  "trl-sft": sft,
  "trl-prm": prm,
  dpo,
  kto,
  "offline-rl": offlineRl,
  openai,
};

/**
 * JSON.stringify of a row, except that values stringified before (the tools column, identical
 * across rows) are spliced in from cache. Same bytes as JSON.stringify(row).
 */
export function stringifyRow(row: unknown): string {
  const record = row as Record<string, unknown>;
  let out = "{";
  for (const key of Object.keys(record)) {
    const value = record[key];
    if (value === undefined) continue;
    const cached = typeof value === "object" && value !== null ? toolsJson.get(value) : undefined;
    out += `${out.length > 1 ? "," : ""}${JSON.stringify(key)}:${cached ?? JSON.stringify(value)}`;
  }
  return `${out}}`;
}

/** Rows a trace will produce (for progress and planning), mirroring the builders above. */
export function rowsPerTrace(format: ExportFormat, steps: ExportStep[], config: Pick<ExportConfig, "rejectedSteps" | "truncateAfterFirstError">): number {
  return format === "offline-rl" ? keptSteps(steps, config).length : 1;
}
