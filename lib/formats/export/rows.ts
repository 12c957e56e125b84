import type { ExportConfig } from "@/lib/schemas/exports";
import { quotedToolsText, stepTurns, toolsJson, type TrlOptions } from "@/lib/formats/export/messages";
import type { ExportStep, ExportTrace } from "@/lib/formats/export/types";

// What every format's builder (lib/formats/export/formats/*.ts) shares: a unit (a trace, or a
// chosen/rejected pair for DPO) and its context in, rows out, in the exact column layout of
// docs/design.md §7. Key order is fixed by construction, so JSON.stringify of a row is
// deterministic. Rows carry `meta` with the provenance of their labels; formats whose rows cannot
// hold extra keys (OpenAI) put theirs in an aligned sidecar file instead.

export interface ExportUnit {
  trace: ExportTrace;
  /** DPO: the rejected side (another trace of the same group, or this trace before its edits). */
  rejected?: ExportTrace;
  pair?: "group" | "edit";
  /** Multi-turn (config turns "multi"): the further traces of the conversation, in order, after `trace`. */
  turns?: ExportTrace[];
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
  /** Chat layouts: the index in the row's messages of the message holding each step. */
  step_turns?: number[];
  /** Multi-turn VQA rows: the trace of each turn, in order. */
  turn_trace_ids?: string[];
}

/** `firstTurn`: chat layouts give the index of the first completion message, to fill `step_turns`. */
export function traceMeta(trace: ExportTrace, steps: ExportStep[], firstTurn?: number): TraceMeta {
  const meta: TraceMeta = {
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
  if (firstTurn !== undefined) meta.step_turns = stepTurns(steps).map((t) => t + firstTurn);
  return meta;
}

export function trlOptions(context: RowContext): TrlOptions {
  return { parts: context.config.images !== "none", hasImage: context.images.length > 0, systemPrompt: context.config.systemPrompt };
}

export function withImages<T extends object>(row: T, context: RowContext): T & { images?: string[] } {
  return context.config.images === "none" ? row : { ...row, images: context.images };
}

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
    const cached = typeof value === "object" && value !== null ? toolsJson.get(value) : typeof value === "string" && value.length > 64 ? quotedToolsText.get(value) : undefined;
    out += `${out.length > 1 ? "," : ""}${JSON.stringify(key)}:${cached ?? JSON.stringify(value)}`;
  }
  return `${out}}`;
}
