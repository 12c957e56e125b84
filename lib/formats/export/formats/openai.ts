import { z } from "zod";
import type { ExportFormatDefinition } from "@/lib/formats/export/format";
import { openAiMessage, toolSchema } from "@/lib/formats/export/layouts";
import { keptSteps, openAiMessages, toolsFor } from "@/lib/formats/export/messages";
import { traceMeta } from "@/lib/formats/export/rows";

// OpenAI chat fine-tuning: messages with tool_calls (arguments as JSON strings) and tool_call_id,
// plus tools. OpenAI rejects unknown keys, so the provenance goes to an aligned meta/ sidecar.

export const openAiRow = z.object({
  messages: z.array(openAiMessage).min(2),
  tools: z.array(toolSchema),
  parallel_tool_calls: z.boolean(),
}).strict().superRefine((row, ctx) => {
  const calls = new Set<string>();
  row.messages.forEach((m, i) => {
    if (m.role === "assistant") for (const c of m.tool_calls ?? []) calls.add(c.id);
    if (m.role === "tool" && !calls.has(m.tool_call_id)) ctx.addIssue({ code: "custom", path: ["messages", i, "tool_call_id"], message: `no earlier tool call has id ${m.tool_call_id}` });
  });
});

export const openai: ExportFormatDefinition<"openai"> = {
  name: "openai",
  label: "OpenAI chat fine-tuning",
  summary: "messages with tool_calls (arguments as JSON strings) and tool_call_id, plus tools.",
  trainer: "OpenAI fine-tuning",
  rowSchema: openAiRow,
  build: (unit, context) => {
    const steps = keptSteps(unit.trace.steps, context.config);
    const messages = openAiMessages(unit.trace, steps, { imageUrl: context.imageUrl, systemPrompt: context.config.systemPrompt, mask: context.config.rejectedSteps === "mask" });
    return {
      rows: [{ messages, tools: toolsFor(unit.trace.steps), parallel_tool_calls: false }],
      sidecar: [traceMeta(unit.trace, steps, messages.findIndex((m) => m.role === "user") + 1)],
    };
  },
  needs: { sidecar: true },
  options: ["mask", "embed", "imageBaseUrl"],
  card: {
    tags: ["openai-fine-tuning", "tool-use"],
    columns: "`messages` (assistant `tool_calls` with JSON-string `arguments` and `id`, tool turns with `tool_call_id`; user image as `image_url`), `tools`, `parallel_tool_calls`. OpenAI rejects unknown keys, so each row's `meta` is on the same line of the matching file under `meta/`.",
  },
};
