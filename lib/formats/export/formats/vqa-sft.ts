import { z } from "zod";
import type { ExportFormatDefinition } from "@/lib/formats/export/format";
import { consistentContent, images, trlMessage, traceMetaSchema } from "@/lib/formats/export/layouts";
import { TRL_LOAD_IMAGES } from "@/lib/formats/export/loading";
import type { TrlMessage } from "@/lib/formats/export/messages";
import { traceMeta, trlOptions, withImages } from "@/lib/formats/export/rows";
import type { ExportStep, ExportTrace } from "@/lib/formats/export/types";

// VQA SFT (TRL "Dataset formats": conversational, vision datasets): one question–answer turn per
// trace — the user turn is the image part and the question, the assistant turn the final answer,
// no tool calls, no intermediate steps. It is the layout of SpaRE's synthetic spatial QA
// (docs/design.md §12): a published SpaRE pair is a trace with one answer step, so each pair is a
// row, and the export's relation-class caps and weights rebalance SpaRE's long-tailed relations.
// For other traces the answer is their last answer step (or the ground truth when they have none).
// With `turns: "multi"` the planner groups the units of one image (and split) into one unit, and a
// row is the whole conversation: user (image + first question), assistant, user (next question,
// text only), assistant… — strictly alternating, the image part once, in the first user turn.

export const vqaSftRow = z.object({
  messages: z.array(trlMessage).min(2),
  images: images.optional(),
  meta: traceMetaSchema,
}).strict().refine((r) => consistentContent(r.messages), "content must be all strings or all part lists");

/** The answer a VQA row teaches: the last answer step's text, else the trace's ground truth, else the last step's text. */
export function vqaAnswer(trace: ExportTrace): string {
  const answer = [...trace.steps].reverse().find((s) => s.kind === "answer" && s.text?.trim());
  return answer?.text?.trim() ?? trace.answer?.trim() ?? [...trace.steps].reverse().find((s) => s.text?.trim())?.text?.trim() ?? "";
}

function answerStep(steps: ExportStep[]): ExportStep[] {
  const answer = [...steps].reverse().find((s) => s.kind === "answer");
  return answer ? [answer] : [];
}

export const vqaSft: ExportFormatDefinition<"vqa-sft"> = {
  name: "vqa-sft",
  label: "VQA SFT (question → answer)",
  summary: "One user turn (image + question) and one assistant answer per trace: SpaRE-style spatial QA for vision SFT.",
  trainer: "SFTTrainer",
  rowSchema: vqaSftRow,
  build: (unit, context) => {
    const options = trlOptions(context);
    const { trace } = unit;
    const text = (value: string) => (options.parts ? [{ type: "text" as const, text: value }] : value);
    const messages: TrlMessage[] = [];
    if (options.systemPrompt) messages.push({ role: "system", content: text(options.systemPrompt) });
    messages.push({ role: "user", content: options.parts ? [...(options.hasImage ? [{ type: "image" as const }] : []), { type: "text", text: trace.question }] : trace.question });
    messages.push({ role: "assistant", content: text(vqaAnswer(trace)) });
    const more = context.config.turns === "multi" ? (unit.turns ?? []) : [];
    for (const next of more) {
      messages.push({ role: "user", content: text(next.question) });
      messages.push({ role: "assistant", content: text(vqaAnswer(next)) });
    }
    const meta = traceMeta(trace, answerStep(trace.steps));
    if (context.config.turns === "multi") {
      meta.turn_trace_ids = [trace, ...more].map((t) => t.externalId);
      // the conversation's relations: every turn's, each once
      meta.relations = [...new Set([trace, ...more].flatMap((t) => t.relations))];
    }
    return { rows: [{ ...withImages({ messages }, context), meta }] };
  },
  needs: {},
  options: ["turns"],
  card: {
    tags: ["sft", "vqa", "spatial-qa"],
    columns: "`messages` (a user turn with `{\"type\": \"image\"}` and the question as text parts, one assistant turn with the answer), `images`, `meta` (provenance: trace id, relations and relation class, the answer step's label and its source).",
    curation: (config) => (config.turns === "multi" ? ["Multi-turn: the selected question–answer pairs of each image form one conversation (user and assistant alternating, the image once, in the first user turn); relation caps and weights chose the pairs before they were grouped; `meta.turn_trace_ids` names the trace of each turn."] : []),
    loadImages: TRL_LOAD_IMAGES,
  },
};
