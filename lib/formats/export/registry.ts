import type { z } from "zod";
import type { ExportFormatDefinition, ExportFormatOption } from "@/lib/formats/export/format";
import { dpo } from "@/lib/formats/export/formats/dpo";
import { kto } from "@/lib/formats/export/formats/kto";
import { mmPrm } from "@/lib/formats/export/formats/mm-prm";
import { offlineRl } from "@/lib/formats/export/formats/offline-rl";
import { openai } from "@/lib/formats/export/formats/openai";
import { trlPrm } from "@/lib/formats/export/formats/trl-prm";
import { trlSft } from "@/lib/formats/export/formats/trl-sft";
import { visualProcessBench } from "@/lib/formats/export/formats/visualprocessbench";
import { vqaSft } from "@/lib/formats/export/formats/vqa-sft";
import type { BuiltRows, ExportUnit, RowContext } from "@/lib/formats/export/rows";

// The one list of export formats (docs/design.md §17 "How to extend"). A new format is a file under
// lib/formats/export/formats/ and one entry here; the config schema's names, the web form, the
// CLI help, the card, planning and writing all read this array. Order = order in the form and help.

export const EXPORT_FORMAT_DEFINITIONS = [trlSft, trlPrm, dpo, kto, offlineRl, openai, visualProcessBench, mmPrm, vqaSft] as const;

export type ExportFormat = (typeof EXPORT_FORMAT_DEFINITIONS)[number]["name"];

/** The format names, in registry order (the config schema's enum). */
export const EXPORT_FORMATS = EXPORT_FORMAT_DEFINITIONS.map((d) => d.name) as unknown as readonly [ExportFormat, ...ExportFormat[]];

const BY_NAME = new Map<string, ExportFormatDefinition>(EXPORT_FORMAT_DEFINITIONS.map((d) => [d.name, d]));

/** The definition of a registered format (the config schema has already checked the name). */
export function exportFormat(name: ExportFormat): ExportFormatDefinition<ExportFormat> {
  const definition = BY_NAME.get(name);
  if (!definition) throw new Error(`unknown export format "${name}"`);
  return definition as ExportFormatDefinition<ExportFormat>;
}

/** Formats that honour a format-specific option, in registry order. */
export function formatsWith(option: ExportFormatOption): ExportFormat[] {
  return EXPORT_FORMAT_DEFINITIONS.filter((d) => (d.options as readonly ExportFormatOption[]).includes(option)).map((d) => d.name);
}

export const ROW_SCHEMAS = Object.fromEntries(EXPORT_FORMAT_DEFINITIONS.map((d) => [d.name, d.rowSchema])) as Record<ExportFormat, z.ZodType>;
export const ROW_BUILDERS = Object.fromEntries(EXPORT_FORMAT_DEFINITIONS.map((d) => [d.name, d.build])) as Record<ExportFormat, (unit: ExportUnit, context: RowContext) => BuiltRows>;
