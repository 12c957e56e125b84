import type { z } from "zod";
import type { BuiltRows, ExportUnit, RowContext } from "@/lib/formats/export/rows";
import type { ExportStep } from "@/lib/formats/export/types";
import type { ExportConfig } from "@/lib/schemas/exports";

// The contract every export format implements (docs/design.md §17 "How to extend"): one file under
// lib/formats/export/formats/ exporting one ExportFormatDefinition<"name"> (the annotation keeps
// the name a literal type without inferring the definition), and one line in
// lib/formats/export/registry.ts. Everything else — the format names of the config schema, the
// row schema the tests check, the planning (which traces qualify, pairs, de-duplication,
// sidecars), the dataset card, the web form's and the CLI's options — is read from the definition.

/** Format-specific options of the export config; a format lists the ones it honours. */
export type ExportFormatOption =
  /** rejectedSteps "mask": wrong assistant turns kept with weight 0. */
  | "mask"
  /** images "embed": the image as a data: URL inside the row. */
  | "embed"
  /** imageBaseUrl: copied images referenced by URL. */
  | "imageBaseUrl"
  /** truncateAfterFirstError: each trace cut after its first wrong step. */
  | "truncateAfterFirstError"
  /** neutral + labelType: how step labels become scalars. */
  | "stepLabels"
  /** gamma: the discount of returns. */
  | "gamma"
  /** turns "multi": every unit of one image (and split) becomes one multi-turn conversation. */
  | "turns";

export interface ExportFormatNeeds {
  /** A trace without a trace-level judgment (human decision or verifier validity) is left out as "unlabeled". */
  judgment?: boolean;
  /** A trace with a kept step that has no label is left out as "unlabeled". */
  stepLabels?: boolean;
  /** Units are chosen/rejected pairs (two traces of one group, or an edited trace and its original). */
  pairs?: boolean;
  /** De-duplication keeps one trace per image + question *and judgment* (KTO keeps a desirable and an undesirable one). */
  dedupeByJudgment?: boolean;
  /** `build` returns a `sidecar`: provenance written to meta/ shards aligned line by line with the data shards. */
  sidecar?: boolean;
}

export interface ExportFormatCard {
  /** Hugging Face tags after "stepwise" and "spatial-reasoning". */
  tags: string[];
  /** The "Columns" paragraph (Markdown). */
  columns: string;
  /** Curation lines about this format's own options (after the relation weights, before images). */
  curation?: (config: ExportConfig) => string[];
  /** Python lines of the "Loading" snippet that decode the image column when images are copied. */
  loadImages?: string[];
  /** Python lines of the "Loading" snippet that turn rows into chat-template text (chat formats). */
  loadChat?: string[];
}

export interface ExportFormatDefinition<Name extends string = string> {
  /** The config's `format` value, the CLI's `--format`, the manifest's format. Kebab-case, never renamed. */
  name: Name;
  /** Short name in the web form, the export list and the card. */
  label: string;
  /** One sentence under the label in the web form. */
  summary: string;
  /** What trains on it, for the card ("rows for <trainer>"). */
  trainer: string;
  /** zod mirror of the target layout: every exported row must parse (tests check it). */
  rowSchema: z.ZodType;
  /** A unit → its rows, keys in a fixed order (JSON.stringify of a row is the line written). Pure. */
  build: (unit: ExportUnit, context: RowContext) => BuiltRows;
  /** Rows one trace gives, for planning and progress; must agree with `build`. Default 1. */
  rowsPerTrace?: (steps: ExportStep[], config: Pick<ExportConfig, "rejectedSteps" | "truncateAfterFirstError">) => number;
  needs: ExportFormatNeeds;
  /** Format-specific options it honours; any other one set in a config is refused naming the field. */
  options: readonly ExportFormatOption[];
  card: ExportFormatCard;
}
