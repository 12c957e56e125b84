import path from "node:path";
import { AppError } from "@/lib/errors";
import { canonicalFormat } from "@/lib/formats/canonical";
import { clevrQuestionsFormat, clevrScenesFormat } from "@/lib/formats/clevr";
import { parseJson } from "@/lib/formats/records";
import type { FormatDefinition, Sniff } from "@/lib/formats/reader";
import { fileHead, type ReadProgress } from "@/lib/formats/source";
import type { ReadItem } from "@/lib/formats/types";
import { visprogFormat } from "@/lib/formats/visprog";
import { boxLinesFormat } from "@/lib/formats/box-lines";
import { clevrMasksFormat, cocoFormat } from "@/lib/formats/coco";
import { openaiChatFormat } from "@/lib/formats/openai-chat";
import { prm800kFormat } from "@/lib/formats/prm800k";
import { reactFormat } from "@/lib/formats/react";
import { reactChatFormat } from "@/lib/formats/react-chat";
import { jsonActionsFormat } from "@/lib/formats/json-actions";
import { verifiersFormat } from "@/lib/formats/verifiers";
import { openaiAgentsFormat } from "@/lib/formats/openai-agents";
import { sceneGraphFormat } from "@/lib/formats/scene-graph";
import { stepLabelsFormat } from "@/lib/formats/step-labels";

// Format registry, detection and dispatch. Detection looks at the first 64 KiB only; the order
// below decides between formats whose first bytes could match several (most specific first).

export const FORMATS = ["canonical", "openai-chat", "react", "react-chat", "json-actions", "verifiers", "openai-agents", "clevr-scenes", "clevr-questions", "coco", "clevr-masks", "boxes", "visprog", "prm800k", "scene-graph", "step-labels"] as const;
export type FormatName = (typeof FORMATS)[number];

const DEFINITIONS: Record<FormatName, FormatDefinition> = {
  canonical: canonicalFormat,
  "openai-chat": openaiChatFormat,
  react: reactFormat,
  "react-chat": reactChatFormat,
  "json-actions": jsonActionsFormat,
  verifiers: verifiersFormat,
  "openai-agents": openaiAgentsFormat,
  "clevr-scenes": clevrScenesFormat,
  "clevr-questions": clevrQuestionsFormat,
  coco: cocoFormat,
  "clevr-masks": clevrMasksFormat,
  boxes: boxLinesFormat,
  visprog: visprogFormat,
  prm800k: prm800kFormat,
  "scene-graph": sceneGraphFormat,
  "step-labels": stepLabelsFormat,
};

const DETECTION_ORDER: FormatName[] = ["canonical", "step-labels", "scene-graph", "openai-agents", "verifiers", "json-actions", "react-chat", "clevr-masks", "coco", "clevr-scenes", "clevr-questions", "openai-chat", "prm800k", "visprog", "boxes", "react"];

export const isFormatName = (value: unknown): value is FormatName => typeof value === "string" && (FORMATS as readonly string[]).includes(value);

export function formatSummaries(): Array<{ name: FormatName; summary: string }> {
  return FORMATS.map((name) => ({ name, summary: DEFINITIONS[name].summary }));
}

export function sniff(file: string): Sniff {
  const head = fileHead(file).toString("utf8").replace(/^\ufeff/, "");
  const firstLine = head.split("\n").find((l) => l.trim())?.trim() ?? "";
  const parsed = firstLine.startsWith("{") || firstLine.startsWith("[") ? parseJson(firstLine) : null;
  return { fileName: path.basename(file), head, firstLine, firstValue: parsed?.ok ? parsed.value : undefined };
}

/**
 * `chooseFormat` says how the caller names a format: the CLI's flag by default; browser messages
 * must not name CLI flags (the import page passes its Format menu, the API its field).
 */
export function detectFormat(file: string, displayName = file, chooseFormat = "name one with --format"): FormatName {
  const sniffed = sniff(file);
  const found = DETECTION_ORDER.find((name) => DEFINITIONS[name].detect(sniffed));
  if (found) return found;
  if (!sniffed.head.trim()) {
    throw new AppError("invalid_input", `${displayName}: the file is empty`, [{ file: displayName, line: 1, path: "$", error: "the file is empty (expected records of one of the formats in docs/formats.md)" }]);
  }
  const tried = DETECTION_ORDER.join(", ");
  throw new AppError("invalid_input", `${displayName}: cannot tell the format: its first bytes match none of the formats tried (${tried}); ${chooseFormat}`, [
    { file: displayName, line: 1, path: "$", error: `unrecognised format: tried ${tried}` },
  ]);
}

/** What a record of the format looks like, for the error of a file in which none was found. */
export function formatExpectation(format: FormatName): string {
  return DEFINITIONS[format].summary;
}

export function readItems(file: string, format: FormatName, options: { trusted?: boolean; progress?: ReadProgress; detector?: string; skip?: (unit: string) => boolean } = {}): Generator<ReadItem> {
  return DEFINITIONS[format].read({ file, trusted: Boolean(options.trusted), progress: options.progress ?? { bytes: 0 }, detector: options.detector, skip: options.skip });
}

