import { z } from "zod";
import type { ExportFormatDefinition } from "@/lib/formats/export/format";
import { consistentContent, images, toolsColumn, traceMetaSchema, trlMessage } from "@/lib/formats/export/layouts";
import { keptSteps, toolsText, trlCompletion, trlPrompt } from "@/lib/formats/export/messages";
import { traceMeta, trlOptions, withImages } from "@/lib/formats/export/rows";
import { TRL_LOAD_CHAT, TRL_LOAD_IMAGES } from "@/lib/formats/export/loading";

// TRL preference (DPOTrainer): the same prompt, a chosen and a rejected completion — two traces of
// one image + question, or an edited trace against its original.

export const dpoRow = z.object({
  prompt: z.array(trlMessage).min(1),
  chosen: z.array(trlMessage).min(1),
  rejected: z.array(trlMessage).min(1),
  images: images.optional(),
  tools: toolsColumn,
  meta: z.object({ pair: z.enum(["group", "edit"]), chosen: traceMetaSchema, rejected: traceMetaSchema }).strict(),
}).strict().refine((r) => consistentContent([...r.prompt, ...r.chosen, ...r.rejected]), "content must be all strings or all part lists");

export const dpo: ExportFormatDefinition<"dpo"> = {
  name: "dpo",
  label: "Preference (DPO)",
  summary: "Same question: an accepted or edited trace (chosen) against a rejected one.",
  trainer: "DPOTrainer",
  rowSchema: dpoRow,
  build: (unit, context) => {
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
        tools: toolsText([...unit.trace.steps, ...rejected.steps]),
        meta: { pair: unit.pair ?? "group", chosen: traceMeta(unit.trace, chosenSteps, 0), rejected: traceMeta(rejected, rejectedSteps, 0) },
      }],
    };
  },
  needs: { judgment: true, pairs: true },
  options: [],
  card: {
    tags: ["dpo", "preference"],
    columns: "`prompt` (user turn), `chosen` and `rejected` (assistant and tool turns of two traces for the same image and question, or of one trace after and before a human edit), `images`, `tools`, `meta` (`pair`: group or edit).",
    loadImages: TRL_LOAD_IMAGES,
    loadChat: TRL_LOAD_CHAT('row["prompt"] + row["chosen"]'),
  },
};
