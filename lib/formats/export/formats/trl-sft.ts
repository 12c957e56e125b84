import { z } from "zod";
import type { ExportFormatDefinition } from "@/lib/formats/export/format";
import { consistentContent, images, toolsColumn, traceMetaSchema, trlMessage } from "@/lib/formats/export/layouts";
import { keptSteps, toolsText, trlCompletion, trlPrompt } from "@/lib/formats/export/messages";
import { traceMeta, trlOptions, withImages } from "@/lib/formats/export/rows";
import { TRL_LOAD_CHAT, TRL_LOAD_IMAGES } from "@/lib/formats/export/loading";

// TRL conversational SFT with tool calling and vision (TRL "Dataset formats": conversational,
// tool calling, vision datasets): one row per trace, one assistant turn per step.

export const trlSftRow = z.object({
  messages: z.array(trlMessage).min(2),
  tools: toolsColumn,
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
    const prompt = trlPrompt(unit.trace, options);
    const messages = [...prompt, ...trlCompletion(steps, unit.trace.steps, options)];
    return { rows: [{ ...withImages({ messages, tools: toolsText(unit.trace.steps) }, context), meta: traceMeta(unit.trace, steps, prompt.length) }] };
  },
  needs: {},
  options: [],
  card: {
    tags: ["sft", "tool-use"],
    columns: "`messages` (user turn with `{\"type\": \"image\"}` and text parts, then one assistant message per teacher turn — its reasoning as content and its `tool_calls` — and a tool message per result, so roles alternate; `arguments` is the JSON text of the call's arguments; tool turns carry `name`), `tools` (the tools' JSON schemas as JSON text), `images`, `meta` (`step_turns`: the message holding each step).",
    loadImages: TRL_LOAD_IMAGES,
    loadChat: TRL_LOAD_CHAT('row["messages"]'),
  },
};
