import { parentPort } from "node:worker_threads";
import type { Scene } from "@/lib/tools/scene";
import type { VerifierSettings } from "@/lib/verifier/config";
import { packResults, threadCpuMs, transferOf, unpackTraces, verifyRow, type PackedBatch } from "@/lib/verifier/parallel-core";

// A verification thread (lib/verifier/parallel.ts, docs/design.md §14): receives the run's
// settings and scenes once, then batches of trace rows, and answers each batch with its
// VerifiedTrace list in order. Pure work only: no database, no network.
// Every answer carries this thread's CPU time so far (`cpuMs`: the pool's per-thread figures,
// meaningful on a loaded machine, `npm run bench -- verify-scale`).

export type ToWorker = { type: "init"; settings: VerifierSettings; scenes: Array<[number, Scene]> } | { type: "verify"; id: number; traces: PackedBatch };

export type FromWorker =
  | { type: "ready"; cpuMs: number | null }
  | { type: "done"; id: number; results: PackedBatch; cpuMs: number | null }
  | { type: "failed"; id: number; error: string; cpuMs: number | null };

const port = parentPort;
if (!port) throw new Error("lib/verifier/parallel-worker.ts runs in a worker thread (lib/verifier/parallel.ts starts it)");

let settings: VerifierSettings | null = null;
let scenes = new Map<number, Scene>();
let programs = new Map<number, unknown>();

port.on("message", (message: ToWorker) => {
  if (message.type === "init") {
    settings = message.settings;
    scenes = new Map(message.scenes);
    programs = new Map();
    port.postMessage({ type: "ready", cpuMs: threadCpuMs() } satisfies FromWorker);
    return;
  }
  try {
    if (!settings) throw new Error("verification thread used before init");
    const results = packResults(unpackTraces(message.traces).map((trace) => verifyRow(trace, scenes, programs, settings!)));
    port.postMessage({ type: "done", id: message.id, results, cpuMs: threadCpuMs() } satisfies FromWorker, transferOf(results));
  } catch (error) {
    port.postMessage({ type: "failed", id: message.id, error: error instanceof Error ? (error.stack ?? error.message) : String(error), cpuMs: threadCpuMs() } satisfies FromWorker);
  }
});
