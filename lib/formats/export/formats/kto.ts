import { z } from "zod";
import type { ExportFormatDefinition } from "@/lib/formats/export/format";
import { consistentContent, images, toolsColumn, traceMetaSchema, trlMessage } from "@/lib/formats/export/layouts";
import { keptSteps, toolsText, trlCompletion, trlPrompt } from "@/lib/formats/export/messages";
import { traceMeta, trlOptions, withImages } from "@/lib/formats/export/rows";
import { TRL_LOAD_CHAT, TRL_LOAD_IMAGES } from "@/lib/formats/export/loading";

// TRL unpaired preference (KTOTrainer): prompt, completion and a desirable/undesirable label per trace.

export const ktoRow = z.object({
  prompt: z.array(trlMessage).min(1),
  completion: z.array(trlMessage).min(1),
  label: z.boolean(),
  images: images.optional(),
  tools: toolsColumn,
  meta: traceMetaSchema,
}).strict().refine((r) => consistentContent([...r.prompt, ...r.completion]), "content must be all strings or all part lists");

export const kto: ExportFormatDefinition<"kto"> = {
  name: "kto",
  label: "Unpaired preference (KTO)",
  summary: "prompt, completion and a desirable/undesirable label per trace.",
  trainer: "KTOTrainer",
  rowSchema: ktoRow,
  build: (unit, context) => {
    const steps = keptSteps(unit.trace.steps, context.config);
    const options = trlOptions(context);
    const label = unit.trace.judgment.value;
    if (label === null) throw new Error(`trace ${unit.trace.externalId}: unjudged trace reached the KTO writer`);
    const row = {
      prompt: trlPrompt(unit.trace, options),
      completion: trlCompletion(steps, unit.trace.steps, options),
      label: label === "good",
    };
    return { rows: [{ ...withImages(row, context), tools: toolsText(unit.trace.steps), meta: traceMeta(unit.trace, steps, 0) }] };
  },
  needs: { judgment: true, dedupeByJudgment: true },
  options: [],
  card: {
    tags: ["kto", "unpaired-preference"],
    columns: "`prompt` (user turn), `completion` (assistant and tool turns of one trace), `label` (true = desirable), `images`, `tools`, `meta`.",
    loadImages: TRL_LOAD_IMAGES,
    loadChat: TRL_LOAD_CHAT('row["prompt"] + row["completion"]'),
  },
};
