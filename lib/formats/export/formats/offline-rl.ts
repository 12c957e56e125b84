import { z } from "zod";
import type { ExportFormatDefinition } from "@/lib/formats/export/format";
import { stepReward } from "@/lib/formats/export/labels";
import { images, stepLabelValue, toolsColumn, trlMessage } from "@/lib/formats/export/layouts";
import { keptSteps, toolsText, trlCompletion, trlPrompt, trlStepMessage } from "@/lib/formats/export/messages";
import { traceMeta, trlOptions, withImages } from "@/lib/formats/export/rows";
import { TRL_LOAD_CHAT, TRL_LOAD_IMAGES } from "@/lib/formats/export/loading";

// Offline RL: one row per step — state (prompt and earlier steps), action (the step), reward from
// its label, discounted return, done.

export const offlineRlRow = z.object({
  state: z.array(trlMessage).min(1),
  action: trlMessage,
  reward: z.number(),
  return: z.number(),
  done: z.boolean(),
  images: images.optional(),
  tools: toolsColumn,
  meta: z.object({
    trace_id: z.string(), dataset: z.string(), split: z.enum(["train", "validation", "test"]), image: z.string().nullable(),
    method: z.string(), relations: z.array(z.string()), relation_class: z.string(), quality: z.number().nullable(),
    valid: z.boolean().nullable(), verifier_version: z.number().int().nullable(), step_index: z.number().int(),
    step_kind: z.enum(["plan", "tool_call", "tool_result", "reasoning", "answer"]), label: stepLabelValue, label_source: z.string().nullable(),
  }).strict(),
}).strict();

export const offlineRl: ExportFormatDefinition<"offline-rl"> = {
  name: "offline-rl",
  label: "Offline RL (step rewards)",
  summary: "One row per step: state, action, reward from the labels, return, done.",
  trainer: "offline RL",
  rowSchema: offlineRlRow,
  build: (unit, context) => {
    const steps = keptSteps(unit.trace.steps, context.config);
    const options = trlOptions(context);
    const rewards = steps.map((s) => stepReward(s.label.value));
    const returns: number[] = new Array(steps.length);
    let running = 0;
    for (let i = steps.length - 1; i >= 0; i--) {
      running = rewards[i] + context.config.gamma * running;
      // rounded so the float sum prints the same everywhere
      returns[i] = Math.round(running * 1e9) / 1e9;
    }
    const prompt = trlPrompt(unit.trace, options);
    const tools = toolsText(unit.trace.steps);
    const base = traceMeta(unit.trace, []);
    const rows = steps.map((step, i) => ({
      ...withImages({
        state: [...prompt, ...trlCompletion(steps.slice(0, i), unit.trace.steps, options)],
        action: trlStepMessage(step, unit.trace.steps, options),
        reward: rewards[i],
        return: returns[i],
        done: i === steps.length - 1,
      }, context),
      tools,
      meta: {
        trace_id: base.trace_id, dataset: base.dataset, split: base.split, image: base.image, method: base.method,
        relations: base.relations, relation_class: base.relation_class, quality: base.quality, valid: base.valid,
        verifier_version: base.verifier_version, step_index: step.index, step_kind: step.kind,
        label: step.label.value, label_source: step.label.source,
      },
    }));
    return { rows };
  },
  rowsPerTrace: (steps, config) => keptSteps(steps, config).length,
  needs: {},
  options: ["truncateAfterFirstError", "gamma"],
  card: {
    tags: ["offline-rl", "step-rewards"],
    columns: "one row per step: `state` (prompt and previous steps, one message per teacher turn), `action` (the step as a message), `reward` (+1 correct, −1 wrong, 0 neutral or unlabeled), `return` (discounted sum of this and later rewards), `done`, `images`, `tools`, `meta`.",
    curation: (config) => [`discount γ = ${config.gamma}`],
    loadImages: TRL_LOAD_IMAGES,
    loadChat: TRL_LOAD_CHAT('row["state"] + [row["action"]]'),
  },
};
