import { z } from "zod";
import type { ExportFormatDefinition } from "@/lib/formats/export/format";
import { labelScalar } from "@/lib/formats/export/labels";
import { traceMetaSchema } from "@/lib/formats/export/layouts";
import { keptSteps, stepText } from "@/lib/formats/export/messages";
import { traceMeta } from "@/lib/formats/export/rows";

// MM-PRM / InternVL PRM conversations (ModalMinds/MM-PRM data_pipeline/prm_data_format.py, read by
// InternVL's chat fine-tuning): one row per trace — `id`, `image` (path relative to the dataset's
// root), and `conversations`: a human turn "Question: …\nProcess: step<prm>step<prm>…" with one
// `<prm>` after every step, and a gpt turn whose value is the list of step labels, one per `<prm>`
// (numbers: 1 correct, 0 wrong; a neutral step 0.5 with float labels, else as `neutral` says).
// InternVL prepends its `<image>` placeholder itself when the turn has none. Stepwise adds `meta`.

export const PRM_TOKEN = "<prm>";

const countTokens = (text: string) => text.split(PRM_TOKEN).length - 1;

export const mmPrmRow = z.object({
  id: z.string().min(1),
  image: z.string().min(1).optional(),
  conversations: z.tuple([
    z.object({ from: z.literal("human"), value: z.string().startsWith("Question: ") }).strict(),
    z.object({ from: z.literal("gpt"), value: z.array(z.number().min(0).max(1)).min(1) }).strict(),
  ]),
  meta: traceMetaSchema,
}).strict().superRefine((row, ctx) => {
  const [human, gpt] = row.conversations;
  if (!human.value.includes("\nProcess: ")) ctx.addIssue({ code: "custom", path: ["conversations", 0, "value"], message: "the human turn reads \"Question: …\\nProcess: …\"" });
  if (!human.value.endsWith(PRM_TOKEN)) ctx.addIssue({ code: "custom", path: ["conversations", 0, "value"], message: `every step ends with ${PRM_TOKEN}` });
  const tokens = countTokens(human.value);
  if (tokens !== gpt.value.length) ctx.addIssue({ code: "custom", path: ["conversations", 1, "value"], message: `${gpt.value.length} labels for ${tokens} ${PRM_TOKEN} tokens` });
});

/** A step's text with the separator token taken out, so `<prm>` only ever marks step ends. */
const clean = (text: string) => text.split(PRM_TOKEN).join("<prm\u200b>").trim();

export const mmPrm: ExportFormatDefinition<"mm-prm"> = {
  name: "mm-prm",
  label: "MM-PRM / InternVL PRM conversations",
  summary: "conversations: \"Question: …\\nProcess: step<prm>step<prm>…\" and the list of step labels.",
  trainer: "InternVL PRM fine-tuning (MM-PRM)",
  rowSchema: mmPrmRow,
  build: (unit, context) => {
    const { trace } = unit;
    const steps = keptSteps(trace.steps, context.config);
    const labels = steps.map((s) => {
      const scalar = labelScalar(s.label.value, context.config);
      if (scalar === null) throw new Error(`trace ${trace.externalId}: unlabeled step reached the MM-PRM writer`);
      return typeof scalar === "boolean" ? (scalar ? 1 : 0) : scalar;
    });
    const process = steps.map((s) => `${clean(stepText(s, trace.steps))}${PRM_TOKEN}`).join("");
    const row: Record<string, unknown> = { id: trace.externalId };
    if (context.images.length) row.image = context.images[0];
    row.conversations = [
      { from: "human", value: `Question: ${clean(trace.question)}\nProcess: ${process}` },
      { from: "gpt", value: labels },
    ];
    row.meta = traceMeta(trace, steps);
    return { rows: [row] };
  },
  needs: { stepLabels: true },
  options: ["truncateAfterFirstError", "stepLabels"],
  card: {
    tags: ["process-reward-model", "mm-prm", "internvl"],
    columns: "`id` (the trace id), `image` (path relative to this folder), `conversations`: a `human` turn `Question: …\\nProcess: …` with `<prm>` after every step, and a `gpt` turn whose `value` is the list of step labels, one per `<prm>` (1 correct, 0 wrong), `meta`.",
    curation: (config) => [`neutral labels count as ${config.labelType === "float" ? "0.5" : config.neutral === "positive" ? "1" : "0"}; labels as numbers (${config.labelType})`],
    loadImages: [
      "# InternVL: point the dataset config's \"root\" at this folder and \"annotation\" at a data/*.jsonl file;",
      "# `image` paths are relative to the root.",
    ],
  },
};
