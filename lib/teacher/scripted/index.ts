import fs from "node:fs";
import { sceneFromClevr, type Scene } from "@/lib/tools/scene";
import type { FaultRates } from "@/lib/teacher/scripted/faults";
import { generateTrace, type GenerationMethod, type ScriptedTrace } from "@/lib/teacher/scripted/methods";
import { createRng } from "@/lib/teacher/scripted/rng";
import { generateQuestions, type GeneratedQuestion } from "@/lib/teacher/scripted/templates";

export * from "@/lib/teacher/scripted/faults";
export * from "@/lib/teacher/scripted/methods";
export { generateQuestions, runClevrProgram, TEMPLATES, type GeneratedQuestion } from "@/lib/teacher/scripted/templates";
export { runProgram, type InjectedFault, type ProgramQuestion } from "@/lib/teacher/scripted/engine";

/** Scenes of an official CLEVR scenes file. */
export function readClevrScenes(file: string): Scene[] {
  const parsed = JSON.parse(fs.readFileSync(file, "utf8")) as { scenes: Array<Parameters<typeof sceneFromClevr>[0]> };
  return parsed.scenes.map((raw) => sceneFromClevr(raw));
}

export interface CorpusOptions {
  scenes: Scene[];
  questionsPerScene: number;
  seeds: number[];
  methods: GenerationMethod[];
  rates: FaultRates;
  k?: number;
  /** Scene i's questions come from the RNG seeded with questionSeed + i (default 0x5eed). */
  questionSeed?: number;
}

export interface CorpusTrace extends ScriptedTrace {
  question: GeneratedQuestion;
  scene: Scene;
}

/** One scene's share of a corpus: its questions and their traces, for every seed and method. */
export interface SceneCorpus {
  index: number;
  questions: GeneratedQuestion[];
  traces: CorpusTrace[];
}

/** Scripted-teacher traces scene by scene: questions per scene (fixed per scene), for every seed and method. */
export function* corpusByScene(options: CorpusOptions): Generator<SceneCorpus> {
  const questionSeed = options.questionSeed ?? 0x5eed;
  for (let s = 0; s < options.scenes.length; s++) {
    const scene = options.scenes[s];
    const questions = generateQuestions(scene, options.questionsPerScene, createRng(questionSeed + s));
    const traces: CorpusTrace[] = [];
    for (const seed of options.seeds) {
      for (const question of questions) {
        for (const method of options.methods) {
          traces.push({ ...generateTrace(question, scene, { seed, rates: options.rates, method, k: options.k }), question, scene });
        }
      }
    }
    yield { index: s, questions, traces };
  }
}

/** The whole corpus at once. */
export function generateCorpus(options: CorpusOptions): CorpusTrace[] {
  const out: CorpusTrace[] = [];
  for (const { traces } of corpusByScene(options)) out.push(...traces);
  return out;
}
