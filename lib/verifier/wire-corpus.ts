import { toVerifyStep, type CorpusTrace } from "@/lib/teacher/scripted";
import type { Scene } from "@/lib/tools/scene";
import type { WireStep, WireTrace } from "@/lib/verifier/parallel-core";

/**
 * A scripted-teacher corpus as the rows a verifier run reads from the database (JSON text per
 * step, scenes and questions by id) — the input of `verifyRow` and the worker pool, for the
 * threads test and the verify-scale bench. `changedAt` marks steps as changed after the fact.
 */
export function wireCorpus(
  scenes: Scene[],
  corpus: CorpusTrace[],
  changedAt: (trace: number, step: number) => number | null = () => null,
): { rows: WireTrace[]; sceneMap: Map<number, Scene> } {
  const sceneIds = new Map<Scene, number>(scenes.map((s, i) => [s, i + 1]));
  const sceneMap = new Map<number, Scene>(scenes.map((s, i) => [i + 1, s]));
  const questionIds = new Map<string, number>();
  const rows = corpus.map((t, i): WireTrace => ({
    id: i + 1,
    answer: t.question.answer as string,
    sceneId: sceneIds.get(t.scene)!,
    questionId: questionIds.get(t.question.id) ?? (questionIds.set(t.question.id, questionIds.size + 1), questionIds.size),
    program: JSON.stringify(t.question.program),
    format: null,
    steps: t.trace.steps.map(toVerifyStep).map((s, k): WireStep => ({
      kind: s.kind,
      text: s.text ?? null,
      tool: s.tool ?? null,
      callId: s.callId ?? null,
      args: s.args === undefined ? null : JSON.stringify(s.args),
      result: s.result === undefined ? null : JSON.stringify(s.result),
      changedAt: changedAt(i, k),
    })),
  }));
  return { rows, sceneMap };
}
