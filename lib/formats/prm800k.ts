import { z } from "zod";
import { jsonPath } from "@/lib/formats/lines";
import { isPlainObject, traceLines } from "@/lib/formats/records";
import type { FormatDefinition, ReadContext } from "@/lib/formats/reader";
import type { ExternalLabel, NormalizedStep, NormalizedTrace, ParseResult, ReadItem } from "@/lib/formats/types";

// PRM800K step-labelled records (openai/prm800k), as JSONL or as the pretty-printed records one
// after another that circulate as examples. The trajectory becomes reasoning steps, its final
// "# Answer" an answer step; each step's rating (−1 / 0 / +1) becomes an external human label
// (Review, source external:prm800k, label reject / neutral / accept) with its provenance.
// - Phase 2 records grade a pre-generated solution: its steps are the trace, and the labels cover
//   them up to where the labeller stopped (the first error); later steps stay unlabelled.
// - Phase 1 records were built step by step: each step is the chosen completion, or the human's
//   own completion when none was chosen. A final step with neither (give_up) ends the trajectory.
// The alternative completions stay in the raw record.

const completion = z
  .object({ text: z.string(), rating: z.number().int().min(-1).max(1).nullable(), flagged: z.boolean().nullable().optional() })
  .passthrough();

const record = z
  .object({
    labeler: z.string(),
    timestamp: z.string(),
    generation: z.number().nullable().optional(),
    is_quality_control_question: z.boolean().optional(),
    is_initial_screening_question: z.boolean().optional(),
    question: z
      .object({
        problem: z.string().min(1),
        ground_truth_answer: z.string().nullable().optional(),
        pre_generated_steps: z.array(z.string()).optional(),
        pre_generated_answer: z.string().nullable().optional(),
      })
      .passthrough(),
    label: z
      .object({
        steps: z.array(
          z
            .object({
              completions: z.array(completion).nullable(),
              human_completion: completion.extend({ rating: z.number().nullable().optional() }).nullable().optional(),
              chosen_completion: z.number().int().nonnegative().nullable(),
            })
            .passthrough(),
        ),
        total_time: z.number().nullable().optional(),
        finish_reason: z.string(),
      })
      .passthrough(),
  })
  .passthrough();

type Prm = z.infer<typeof record>;

const LABELS = { "-1": "reject", "0": "neutral", "1": "accept" } as const;
const ANSWER = /(?:^|\n)# Answer\s*\n+([\s\S]*)$/;

/** A completion's text → reasoning and/or answer steps (the rating applies to each). */
function stepsOf(text: string): NormalizedStep[] {
  const match = ANSWER.exec(text);
  if (!match) return [{ kind: "reasoning", text }];
  const before = text.slice(0, match.index).trim();
  return [...(before ? [{ kind: "reasoning" as const, text: before }] : []), { kind: "answer", text: match[1].trim() }];
}

export function normalizePrm800k(value: unknown, raw: string): ParseResult<NormalizedTrace> {
  const parsed = record.safeParse(value);
  if (!parsed.success) return { ok: false, errors: parsed.error.issues.map((i) => ({ path: jsonPath(i.path), error: i.message })) };
  const r: Prm = parsed.data;
  const preGenerated = r.question.pre_generated_steps;
  const phase = preGenerated ? 2 : 1;
  const steps: NormalizedStep[] = [];
  const labels: ExternalLabel[] = [];
  const base = { labeler: r.labeler, timestamp: r.timestamp, phase, generation: r.generation ?? null, finish_reason: r.label.finish_reason, source: "prm800k" };

  const push = (text: string, rating: number | null, provenance: Record<string, unknown>) => {
    for (const step of stepsOf(text)) {
      if (rating !== null) labels.push({ stepIndex: steps.length, label: LABELS[String(rating) as keyof typeof LABELS], source: "external:prm800k", provenance: { ...base, rating, ...provenance } });
      steps.push(step);
    }
  };

  if (preGenerated) {
    preGenerated.forEach((text, i) => {
      const labelled = r.label.steps[i];
      const options = labelled?.completions ?? [];
      const index = options.findIndex((c) => c.text === text);
      const chosen = index >= 0 ? index : null; // a rating belongs to the exact text it rated
      const rated = chosen === null ? undefined : options[chosen];
      push(text, rated?.rating ?? null, rated ? { step: i, completion: chosen, alternatives: options.length, flagged: rated.flagged ?? null } : { step: i });
    });
  } else {
    for (const [i, labelled] of r.label.steps.entries()) {
      const options = labelled.completions ?? [];
      if (labelled.chosen_completion !== null) {
        const chosen = options[labelled.chosen_completion];
        if (!chosen) return { ok: false, errors: [{ path: `$.label.steps[${i}].chosen_completion`, error: `points at completion ${labelled.chosen_completion}, the step has ${options.length}` }] };
        push(chosen.text, chosen.rating, { step: i, completion: labelled.chosen_completion, alternatives: options.length, flagged: chosen.flagged ?? null });
      } else if (labelled.human_completion) {
        const human = labelled.human_completion;
        push(human.text, typeof human.rating === "number" ? human.rating : null, { step: i, completion: "human", alternatives: options.length });
      } else if (i === r.label.steps.length - 1) {
        // the labeller stopped here without choosing (give_up / found_error on every option)
        break;
      } else {
        return { ok: false, errors: [{ path: `$.label.steps[${i}]`, error: "has neither a chosen completion nor a human completion, but is not the last step" }] };
      }
    }
  }
  if (!steps.length) return { ok: false, errors: [{ path: "$.label.steps", error: "no step was chosen or written: the record has no trajectory" }] };
  const lastAnswer = steps.findLast((s) => s.kind === "answer")?.text ?? null;
  return {
    ok: true,
    value: {
      externalId: `prm800k-${r.timestamp}-${r.labeler.slice(0, 8)}`,
      image: null,
      question: r.question.problem,
      answer: r.question.ground_truth_answer ?? null,
      finalAnswer: r.question.pre_generated_answer ?? lastAnswer,
      teacherModel: "prm800k-generator",
      teacherParams: r.generation !== null && r.generation !== undefined ? { generation: r.generation } : null,
      method: `prm800k-phase${phase}`,
      format: "prm800k",
      raw,
      steps,
      labels,
    },
  };
}

function readPrm800k(context: ReadContext): Generator<ReadItem> {
  return traceLines(context, normalizePrm800k);
}

export const prm800kFormat: FormatDefinition = {
  name: "prm800k",
  summary: "PRM800K step-labelled records (JSONL or pretty-printed); ratings become external human labels",
  detect: ({ head, firstValue }) =>
    (isPlainObject(firstValue) && "label" in firstValue && "labeler" in firstValue) ||
    (/^\s*\{/.test(head) && /"labeler"\s*:/.test(head) && /"completions"\s*:/.test(head)),
  read: readPrm800k,
};
