import { z } from "zod";
import type { ExportFormatDefinition } from "@/lib/formats/export/format";
import { traceMetaSchema } from "@/lib/formats/export/layouts";
import { keptSteps, stepText } from "@/lib/formats/export/messages";
import { traceMeta } from "@/lib/formats/export/rows";
import type { LabelValue } from "@/lib/formats/export/types";

// VisualProcessBench-style step correctness (OpenGVLab/VisualProcessBench, the VisualPRM
// benchmark's test.jsonl): one row per trace — `image` (a list of image paths), `question`,
// `answer` (the ground truth), `response` with the solution split into `steps` and one
// `process_correctness` value per step (1 correct, 0 neutral, -1 incorrect), `policy_model` (the
// model that wrote the response) and `data_source` (where the question came from). Stepwise adds
// `meta` with the provenance of every label, as in its other formats.

const CORRECTNESS: Record<LabelValue, 1 | 0 | -1> = { good: 1, neutral: 0, bad: -1 };

export const visualProcessBenchRow = z.object({
  image: z.array(z.string().min(1)),
  question: z.string().min(1),
  answer: z.string().nullable(),
  response: z.object({
    steps: z.array(z.string()).min(1),
    process_correctness: z.array(z.union([z.literal(1), z.literal(0), z.literal(-1)])),
  }).strict().refine((r) => r.steps.length === r.process_correctness.length, "one process_correctness value per step"),
  policy_model: z.string(),
  data_source: z.string(),
  meta: traceMetaSchema,
}).strict();

export const visualProcessBench: ExportFormatDefinition<"visualprocessbench"> = {
  name: "visualprocessbench",
  label: "VisualProcessBench step correctness",
  summary: "image, question, answer and response.steps with process_correctness (1, 0, -1) per step.",
  trainer: "PRM evaluation (VisualProcessBench-style)",
  rowSchema: visualProcessBenchRow,
  build: (unit, context) => {
    const { trace } = unit;
    const steps = keptSteps(trace.steps, context.config);
    const process_correctness = steps.map((s) => {
      if (s.label.value === null) throw new Error(`trace ${trace.externalId}: unlabeled step reached the VisualProcessBench writer`);
      return CORRECTNESS[s.label.value];
    });
    return {
      rows: [{
        image: context.images,
        question: trace.question,
        answer: trace.answer,
        response: { steps: steps.map((s) => stepText(s, trace.steps)), process_correctness },
        policy_model: trace.teacherModel ?? trace.method,
        data_source: trace.dataset,
        meta: traceMeta(trace, steps),
      }],
    };
  },
  needs: { stepLabels: true },
  options: ["truncateAfterFirstError"],
  card: {
    tags: ["process-reward-model", "step-correctness", "visualprocessbench"],
    columns: "`image` (list of image paths), `question`, `answer` (the ground truth, null when unknown), `response` (`steps`: the solution split into one string per step; `process_correctness`: per step 1 = correct, 0 = neutral, -1 = incorrect), `policy_model` (the teacher model), `data_source` (the dataset), `meta`.",
    loadImages: [
      "# image paths are relative to this folder; to decode them as PIL images:",
      "from datasets import Image, Sequence",
      "root = \"path/to/this/folder\"",
      "ds = ds.map(lambda r: {\"image\": [f\"{root}/{p}\" for p in r[\"image\"]]}).cast_column(\"image\", Sequence(Image()))",
    ],
  },
};
