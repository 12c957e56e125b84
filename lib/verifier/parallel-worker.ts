import { parentPort } from "node:worker_threads";
import type { Scene } from "@/lib/tools/scene";
import type { VerifierSettings } from "@/lib/verifier/config";
import { verifyRow, type VerifiedTrace, type WireTrace } from "@/lib/verifier/parallel-core";

// A verification thread (lib/verifier/parallel.ts, docs/design.md §14): receives the run's
// settings and scenes once, then batches of trace rows, and answers each batch with its
// VerifiedTrace list in order. Pure work only: no database, no network.

export type ToWorker =
  | { type: "init"; settings: VerifierSettings; scenes: Array<[number, Scene]> }
  | { type: "verify"; id: number; traces: WireTrace[] };

export type FromWorker = { type: "ready" } | { type: "done"; id: number; results: VerifiedTrace[] } | { type: "failed"; id: number; error: string };

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
    port.postMessage({ type: "ready" } satisfies FromWorker);
    return;
  }
  try {
    if (!settings) throw new Error("verification thread used before init");
    const results = message.traces.map((trace) => verifyRow(trace, scenes, programs, settings!));
    port.postMessage({ type: "done", id: message.id, results } satisfies FromWorker);
  } catch (error) {
    port.postMessage({ type: "failed", id: message.id, error: error instanceof Error ? (error.stack ?? error.message) : String(error) } satisfies FromWorker);
  }
});
