import { generateQuestions } from "@/lib/teacher/scripted";
import { createRng } from "@/lib/teacher/scripted/rng";
import type { Scene } from "@/lib/tools/scene";

// Template questions over CLEVR scenes as a canonical question file (docs/generation.md): what a
// generation job over "template questions on the CLEVR scenes" reads — `stepwise generate --scenes
// FILE --questions-out FILE` writes it, the Table 1 test and the bench use it. Deterministic for a
// seed: scene i's questions come from createRng(seed + i).

export function templateQuestionLines(scenes: Scene[], perScene: number, seed = 7): string[] {
  return scenes.flatMap((scene, i) =>
    generateQuestions(scene, perScene, createRng(seed + i)).map((q) =>
      JSON.stringify({ id: q.id, image: q.image, question: q.question, answer: q.answer === null || q.answer === undefined ? null : String(q.answer), program: q.program }),
    ),
  );
}
