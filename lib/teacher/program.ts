import type { CanonicalTrace } from "@/lib/schemas/trace";
import { answerToText } from "@/lib/schemas/trace";
import type { Scene } from "@/lib/tools/scene";
import { createRng } from "@/lib/teacher/scripted/rng";
import { nodeFunction, runProgram, type ProgramNode, type ProgramQuestion } from "@/lib/teacher/scripted/engine";

// Faithful conversion of a CLEVR functional program into a canonical tool-call trace: the scripted
// teacher with no faults, one filter call per filter node. Every tool result is the tool's own
// execution on the scene, so a faithful conversion verifies clean — except where the program
// itself is malformed (too_clevr's filter_color "rubber"), which stays a failing call, as a
// teacher's log would show it. `_output` values, when present, are checked against execution.

export type { ProgramNode, ProgramQuestion };
export { nodeFunction };

export interface ConversionResult {
  trace: CanonicalTrace;
  /** nodeSteps[i] = index of the first step that realises node i (or null when folded into another). */
  nodeSteps: (number | null)[];
  warnings: string[];
}

export function convertProgram(question: ProgramQuestion, scene: Scene): ConversionResult {
  const result = runProgram(question, scene, { rng: createRng(0), rates: {}, style: "filter", strict: true });
  const trace: CanonicalTrace = {
    schema: "stepwise.trace/v1",
    id: question.id,
    image: question.image,
    question: question.question,
    answer: question.answer ?? null,
    teacher: { model: "scripted/program", params: {} },
    method: question.method ?? "program",
    program: question.program as Array<Record<string, unknown>>,
    steps: result.steps,
  };
  return { trace, nodeSteps: result.nodeSteps, warnings: result.warnings };
}

export { answerToText };
