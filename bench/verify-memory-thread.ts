// A thread of verify-scale's section 1b (in-memory verification across cores): builds the verify
// bench's in-memory corpus (the same scripted-teacher traces, CLEVR scenes and seeds), keeps its
// share (the `index`-th of `of` contiguous parts), and on each "pass" message verifies its share with verifyTrace — memo
// caches emptied first, as in `npm run bench -- verify` — answering with the steps and verdicts of
// the pass and its CPU time. Nothing crosses between threads but those numbers.
import path from "node:path";
import { parentPort, workerData } from "node:worker_threads";
import { DEFAULT_SETTINGS } from "@/lib/verifier/config";
import { threadCpuMs } from "@/lib/verifier/parallel-core";
import { resetVerifierCaches, verifyTrace } from "@/lib/verifier/verify";
import { ORACLE_RATES, generateCorpus, readClevrScenes, toVerifyStep } from "@/lib/teacher/scripted";

const { index, of, root } = (workerData as { data: { index: number; of: number; root: string } }).data;
const scenes = readClevrScenes(path.join(root, "fixtures/clevr-v1/CLEVR_train_scenes_1000.json"));
const corpus = generateCorpus({ scenes, questionsPerScene: 1, seeds: [1, 2, 3], methods: ["direct"], rates: ORACLE_RATES });
// a contiguous share: the corpus resamples each question with 3 seeds, and the memo caches help within a pass
const inputs = corpus
  .slice(Math.floor((index * corpus.length) / of), Math.floor(((index + 1) * corpus.length) / of))
  .map((t) => ({ steps: t.trace.steps.map(toVerifyStep), answer: t.question.answer as string, program: t.question.program, scene: t.scene }));
const steps = inputs.reduce((s, i) => s + i.steps.length, 0);

// a pass goes over the share REPEAT times, the caches emptied before each (as the verify bench's
// pass does once): passes of a few hundred ms, so one thread's pause for garbage collection or a
// scheduling delay is not most of a pass
const REPEAT = 4;

function pass(): number {
  let verdicts = 0;
  for (let r = 0; r < REPEAT; r++) {
    resetVerifierCaches();
    for (const input of inputs) verdicts += verifyTrace(input, DEFAULT_SETTINGS).verdictCount;
  }
  return verdicts;
}
for (let warm = 0; warm < 2; warm++) pass();

parentPort!.on("message", (message: { type: "pass" } | { type: "stop" }) => {
  if (message.type === "stop") return parentPort!.close();
  const verdicts = pass();
  parentPort!.postMessage({ steps: steps * REPEAT, verdicts, cpuMs: threadCpuMs() });
});
parentPort!.postMessage({ ready: true, steps: steps * REPEAT });
