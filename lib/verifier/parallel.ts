import os from "node:os";
import type { Worker } from "node:worker_threads";
import type { Scene } from "@/lib/tools/scene";
import type { VerifierSettings } from "@/lib/verifier/config";
import type { VerifiedTrace, WireTrace } from "@/lib/verifier/parallel-core";
import type { FromWorker, ToWorker } from "@/lib/verifier/parallel-worker";
import { startThread, threadFiles, type ThreadFiles } from "@/lib/workers/thread";

// Verification across cores (docs/design.md §14): a small pool of worker_threads, each holding
// the run's settings and scenes, verifying batches of trace rows (lib/verifier/parallel-core.ts
// verifyRow, the same function the in-process path calls). The caller reads rows and writes
// results on its own thread, so the write path is the single-threaded one.
//
// A thread starts through lib/workers/thread.ts (lib/workers/boot.mjs registers tsx and imports
// parallel-worker.ts). When the files are not there, or a thread cannot start, `openVerifierPool`
// says why and the run verifies on its own thread.

/** The machine's cores (the default thread count). */
export function coreCount(): number {
  return typeof os.availableParallelism === "function" ? os.availableParallelism() : os.cpus().length;
}

/** STEPWISE_VERIFY_THREADS when set (a positive integer), else the cores. */
export function defaultThreads(env: Record<string, string | undefined> = process.env): number {
  const raw = env.STEPWISE_VERIFY_THREADS?.trim();
  if (raw) {
    const n = Number(raw);
    if (Number.isInteger(n) && n >= 1) return n;
  }
  return coreCount();
}

/** Where the thread entry files are, or why they are not. */
export function workerFiles(): ThreadFiles | { reason: string } {
  return threadFiles("lib/verifier/parallel-worker.ts", "verification thread");
}

interface Task {
  id: number;
  resolve: (results: VerifiedTrace[]) => void;
  reject: (error: Error) => void;
}

interface Thread {
  worker: Worker;
  /** Tasks sent to this thread, oldest first (a thread answers in order). */
  tasks: Task[];
}

const START_TIMEOUT_MS = 120_000;

export class VerifierPool {
  private nextId = 1;
  private broken: Error | null = null;

  private constructor(private readonly threads: Thread[]) {
    for (const thread of threads) {
      thread.worker.on("message", (message: FromWorker) => {
        if (message.type === "ready") return;
        const task = thread.tasks.shift();
        if (!task || task.id !== message.id) return this.fail(new Error(`verification thread answered task ${message.id} out of order`));
        if (message.type === "done") task.resolve(message.results);
        else task.reject(new Error(`verification thread failed: ${message.error}`));
      });
      thread.worker.on("error", (error) => this.fail(error));
      thread.worker.on("exit", (code) => {
        if (thread.tasks.length > 0) this.fail(new Error(`verification thread exited with code ${code} while working`));
      });
    }
  }

  /** How many threads verify. */
  get size(): number {
    return this.threads.length;
  }

  /**
   * Starts `threads` verification threads with the run's settings and scenes. Resolves with the
   * pool, or with the reason it could not start (the caller then verifies on its own thread).
   */
  static async open(options: { threads: number; settings: VerifierSettings; scenes: ReadonlyMap<number, Scene> }): Promise<VerifierPool | { reason: string }> {
    const files = workerFiles();
    if ("reason" in files) return files;
    const scenes = [...options.scenes];
    const started: Worker[] = [];
    try {
      const threads = await Promise.all(
        Array.from({ length: options.threads }, () => {
          const worker = startThread(files);
          started.push(worker);
          return new Promise<Thread>((resolve, reject) => {
            const timer = setTimeout(() => reject(new Error(`a verification thread did not start within ${START_TIMEOUT_MS / 1000} s`)), START_TIMEOUT_MS);
            worker.once("error", (error) => {
              clearTimeout(timer);
              reject(error);
            });
            worker.once("exit", (code) => {
              clearTimeout(timer);
              reject(new Error(`a verification thread exited with code ${code} while starting`));
            });
            worker.once("message", (message: FromWorker) => {
              clearTimeout(timer);
              worker.removeAllListeners("error");
              worker.removeAllListeners("exit");
              if (message.type === "ready") resolve({ worker, tasks: [] });
              else reject(new Error(`a verification thread answered ${message.type} to init`));
            });
            worker.postMessage({ type: "init", settings: options.settings, scenes } satisfies ToWorker);
          });
        }),
      );
      return new VerifierPool(threads);
    } catch (error) {
      await Promise.all(started.map((w) => w.terminate().catch(() => 0)));
      return { reason: error instanceof Error ? error.message : String(error) };
    }
  }

  private fail(error: Error): void {
    this.broken ??= error;
    for (const thread of this.threads) for (const task of thread.tasks.splice(0)) task.reject(error);
  }

  /** Verifies a batch on the least busy thread; results in the batch's order. */
  verify(traces: WireTrace[]): Promise<VerifiedTrace[]> {
    if (this.broken) return Promise.reject(this.broken);
    const thread = this.threads.reduce((a, b) => (b.tasks.length < a.tasks.length ? b : a));
    const id = this.nextId++;
    return new Promise<VerifiedTrace[]>((resolve, reject) => {
      thread.tasks.push({ id, resolve, reject });
      thread.worker.postMessage({ type: "verify", id, traces } satisfies ToWorker);
    });
  }

  /** Verifies a batch split evenly over the threads; results in the batch's order. */
  async verifySpread(traces: WireTrace[]): Promise<VerifiedTrace[]> {
    const parts = Math.min(this.threads.length, traces.length);
    if (parts <= 1) return this.verify(traces);
    const size = Math.ceil(traces.length / parts);
    const pieces: Array<Promise<VerifiedTrace[]>> = [];
    for (let i = 0; i < traces.length; i += size) pieces.push(this.verify(traces.slice(i, i + size)));
    return (await Promise.all(pieces)).flat();
  }

  async close(): Promise<void> {
    this.fail(new Error("verification pool closed"));
    await Promise.all(this.threads.map((t) => t.worker.terminate().catch(() => 0)));
  }
}
