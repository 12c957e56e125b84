import { z } from "zod";
import type { ExportFormatDefinition } from "@/lib/formats/export/format";
import { labelScalar } from "@/lib/formats/export/labels";
import { images, traceMetaSchema } from "@/lib/formats/export/layouts";
import { keptSteps, stepText } from "@/lib/formats/export/messages";
import { traceMeta, withImages } from "@/lib/formats/export/rows";
import { TRL_LOAD_IMAGES } from "@/lib/formats/export/loading";

// TRL stepwise supervision (PRMTrainer): prompt, one completion string per step, one label per step.

export const trlPrmRow = z.object({
  prompt: z.string().min(1),
  completions: z.array(z.string()).min(1),
  labels: z.union([z.array(z.boolean()), z.array(z.number().min(0).max(1))]),
  images: images.optional(),
  meta: traceMetaSchema,
}).strict().refine((r) => r.labels.length === r.completions.length, "one label per completion");

export const trlPrm: ExportFormatDefinition<"trl-prm"> = {
  name: "trl-prm",
  label: "TRL stepwise supervision (PRM)",
  summary: "prompt, completions (one per step) and a label per step.",
  trainer: "PRMTrainer",
  rowSchema: trlPrmRow,
  build: (unit, context) => {
    const steps = keptSteps(unit.trace.steps, context.config);
    const labels = steps.map((s) => labelScalar(s.label.value, context.config));
    if (labels.some((l) => l === null)) throw new Error(`trace ${unit.trace.externalId}: unlabeled step reached the PRM writer`);
    const row = { prompt: unit.trace.question, completions: steps.map((s) => stepText(s, unit.trace.steps)), labels };
    return { rows: [{ ...withImages(row, context), meta: traceMeta(unit.trace, steps) }] };
  },
  needs: { stepLabels: true },
  options: ["truncateAfterFirstError", "stepLabels"],
  card: {
    tags: ["process-reward-model", "stepwise-supervision"],
    columns: "`prompt` (the question), `completions` (one string per step), `labels` (one per step: true = correct), `images`, `meta`.",
    curation: (config) => [`neutral labels count as ${config.neutral}; labels as ${config.labelType}`],
    loadImages: TRL_LOAD_IMAGES,
  },
};
