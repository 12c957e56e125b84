import Database from "better-sqlite3";
import pg from "pg";
import { parentPort } from "node:worker_threads";
import { poolConfig } from "@/lib/db";
import { PostgresSql, runAsync, runSync, type Program } from "@/lib/db/sql";
import { readSlice } from "@/lib/services/verify/chunk-store";
import type { Scene } from "@/lib/tools/scene";
import type { VerifierSettings } from "@/lib/verifier/config";
import { packResults, packSteps, threadCpuMs, transferOf, unpackTraces, verifyRow, wireOf, type PackedBatch, type PackedSteps, type WireTrace } from "@/lib/verifier/parallel-core";

// A verification thread (lib/verifier/parallel.ts, docs/design.md §14): receives the run's
// settings and scenes once, then either batches of trace rows ("verify") or ranges of trace ids
// it reads itself on its own read-only connection ("read": the run's thread then only writes),
// and answers each with its VerifiedTrace list in order (plus, for a range, the step ids and
// kinds the writer needs). It never writes.
// Every answer carries this thread's CPU time so far (`cpuMs`: the pool's per-thread figures,
// meaningful on a loaded machine, `npm run bench -- verify-scale`).

/** Where a thread reads rows from: the SQLite file (opened read-only, WAL) or a PostgreSQL URL (one connection). */
export type RowSource = { sqlite: string } | { postgres: string };

export type ToWorker =
  | { type: "init"; settings: VerifierSettings; scenes: Array<[number, Scene]>; source?: RowSource }
  | { type: "verify"; id: number; traces: PackedBatch }
  | { type: "read"; id: number; datasetId: number; after: number; last: number; limit: number };

export type FromWorker =
  | { type: "ready"; cpuMs: number | null }
  | { type: "done"; id: number; results: PackedBatch; steps?: PackedSteps; cpuMs: number | null }
  | { type: "failed"; id: number; error: string; cpuMs: number | null };

const port = parentPort;
if (!port) throw new Error("lib/verifier/parallel-worker.ts runs in a worker thread (lib/verifier/parallel.ts starts it)");

let settings: VerifierSettings | null = null;
let scenes = new Map<number, Scene>();
let programs = new Map<number, unknown>();
let reader: (<T>(program: Program<T>) => Promise<T>) | null = null;

function openSource(source: RowSource): <T>(program: Program<T>) => Promise<T> {
  if ("sqlite" in source) {
    const handle = new Database(source.sqlite, { readonly: true, fileMustExist: true, timeout: 10_000 });
    return async (program) => runSync(program, handle);
  }
  const q = new PostgresSql(new pg.Pool({ ...poolConfig(source.postgres), max: 1, application_name: "stepwise-verify-thread" }));
  return (program) => runAsync(program, q);
}

function answer(id: number, traces: WireTrace[], steps?: PackedSteps): void {
  const results = packResults(traces.map((trace) => verifyRow(trace, scenes, programs, settings!)));
  const transfer = transferOf(results);
  if (steps) transfer.push(steps.ints.buffer as ArrayBuffer);
  port!.postMessage({ type: "done", id, results, steps, cpuMs: threadCpuMs() } satisfies FromWorker, transfer);
}

async function work(message: Exclude<ToWorker, { type: "init" }>): Promise<void> {
  if (!settings) throw new Error("verification thread used before init");
  if (message.type === "verify") return answer(message.id, unpackTraces(message.traces));
  if (!reader) throw new Error("verification thread has no database to read from (opened without a row source)");
  const slice = await reader(readSlice(message.datasetId, message.after, message.last, message.limit));
  answer(message.id, slice.traces.map((t, i) => wireOf(t, slice.steps[i])), packSteps(slice.traces, slice.steps));
}

// answers go in the order asked (the pool matches them to its tasks in order): reads on
// PostgreSQL are awaited, so messages queue here one after another
let queue: Promise<void> = Promise.resolve();

port.on("message", (message: ToWorker) => {
  if (message.type === "init") {
    settings = message.settings;
    scenes = new Map(message.scenes);
    programs = new Map();
    try {
      reader = message.source ? openSource(message.source) : null;
    } catch (error) {
      port.postMessage({ type: "failed", id: 0, error: `cannot open the database read-only: ${error instanceof Error ? error.message : String(error)}`, cpuMs: threadCpuMs() } satisfies FromWorker);
      return;
    }
    port.postMessage({ type: "ready", cpuMs: threadCpuMs() } satisfies FromWorker);
    return;
  }
  queue = queue.then(() =>
    work(message).catch((error: unknown) => {
      port.postMessage({ type: "failed", id: message.id, error: error instanceof Error ? (error.stack ?? error.message) : String(error), cpuMs: threadCpuMs() } satisfies FromWorker);
    }),
  );
});
