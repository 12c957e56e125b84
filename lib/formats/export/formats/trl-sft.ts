import { z } from "zod";
import type { ExportFormatDefinition } from "@/lib/formats/export/format";
import { consistentContent, images, toolSchema, traceMetaSchema, trlMessage } from "@/lib/formats/export/layouts";
import { keptSteps, toolsFor, trlCompletion, trlPrompt } from "@/lib/formats/export/messages";
import { traceMeta, trlOptions, withImages } from "@/lib/formats/export/rows";
import { TRL_LOAD_IMAGES } from "@/lib/formats/export/loading";

// TRL conversational SFT with tool calling and vision (TRL "Dataset formats": conversational,
// tool calling, vision datasets): one row per trace, one assistant turn per step.

export const trlSftRow = z.object({
  messages: z.array(trlMessage).min(2),
  tools: z.array(toolSchema),
  images: images.optional(),
  meta: traceMetaSchema,
}).strict().refine((r) => consistentContent(r.messages), "content must be all strings or all part lists");

export const trlSft: ExportFormatDefinition<"trl-sft"> = {
  name: "trl-sft",
  label: "TRL SFT (tools + images)",
  summary: "Conversational messages with tool calls, the tools' JSON schemas and the image.",
  trainer: "SFTTrainer",
  rowSchema: trlSftRow,
  build: (unit, context) => {
    const steps = keptSteps(unit.trace.steps, context.config);
    const options = trlOptions(context);
    const messages = [...trlPrompt(unit.trace, options), ...trlCompletion(steps, unit.trace.steps, options)];
    return { rows: [{ ...withImages({ messages, tools: toolsFor(unit.trace.steps) }, context), meta: traceMeta(unit.trace, steps) }] };
  },
  needs: {},
  options: [],
  card: {
    tags: ["sft", "tool-use"],
    columns: "`messages` (user turn with `{\"type\": \"image\"}` and text parts, one assistant turn per step; tool calls as `tool_calls` with `arguments` objects; tool turns with `name`), `tools` (JSON schemas of the tools), `images`, `meta`.",
    loadImages: TRL_LOAD_IMAGES,
  },
};
