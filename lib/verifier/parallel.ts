import os from "node:os";
import type { Worker } from "node:worker_threads";
import type { Scene } from "@/lib/tools/scene";
import type { VerifierSettings } from "@/lib/verifier/config";
import { packTraces, transferOf, unpackResults, unpackSteps, type ReadTrace, type VerifiedTrace, type WireTrace } from "@/lib/verifier/parallel-core";
import type { FromWorker, RowSource, ToWorker } from "@/lib/verifier/parallel-worker";
import { startThread, threadFiles, type ThreadFiles } from "@/lib/workers/thread";

// Verification across cores (docs/design.md §14): a small pool of worker_threads, each holding
// the run's settings and scenes, verifying trace rows (lib/verifier/parallel-core.ts verifyRow,
// the same function the in-process path calls). Opened with a row source, the threads read their
// own rows (readSpread: ranges of trace ids, each thread on its own read-only connection) and only
// results come back; the caller writes them on its own thread, so the write path is the
// single-threaded one. Without one, the caller hands batches of rows over (verify). Handing a batch over
// costs the caller's thread too, and verification is cheap (~3 µs a step): structured clones of
// the row and result objects cost it ~0.55 × the CPU of verifying them there, so a second thread
// made runs slower. Batches go packed (parallel-core.ts PackedBatch: typed arrays moved, strings
// in one array, the results' repeated messages once per batch), about half that; JSON strings
// either way measured no cheaper than the clones. `npm run bench -- verify-scale` prints the
// caller's, every thread's and the whole process's CPU time.
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

/** A range of traces a thread read and verified: the rows the writer needs, and their results. */
export interface ReadVerified {
  traces: ReadTrace[];
  results: VerifiedTrace[];
}

interface Task {
  id: number;
  resolve: (answer: ReadVerified | VerifiedTrace[]) => void;
  reject: (error: Error) => void;
}

interface Thread {
  worker: Worker;
  /** Tasks sent to this thread, oldest first (a thread answers in order). */
  tasks: Task[];
  /** The thread's CPU time (ms) as of its latest answer; null where unknown (threadCpuMs). */
  cpuMs: number | null;
  /** Its CPU time when it was ready: start-up (tsx registration, module loading, init). */
  startCpuMs: number | null;
}

/** CPU times of a pool, for the bench's per-thread figures. */
export interface PoolCpu {
  /** Wall time `open` took (ms): thread start-up, every thread at once. */
  startMs: number;
  /** Per thread: CPU (ms) it spent starting, and in total so far. */
  threads: Array<{ startMs: number | null; totalMs: number | null }>;
}

const START_TIMEOUT_MS = 120_000;

export class VerifierPool {
  private nextId = 1;
  private broken: Error | null = null;

  private constructor(
    private readonly threads: Thread[],
    private readonly startMs: number,
    /** Opened with a row source: its threads read their own rows (readSpread). */
    readonly reads: boolean,
  ) {
    for (const thread of threads) {
      thread.worker.on("message", (message: FromWorker) => {
        thread.cpuMs = message.cpuMs;
        if (message.type === "ready") return;
        const task = thread.tasks.shift();
        if (!task || task.id !== message.id) return this.fail(new Error(`verification thread answered task ${message.id} out of order`));
        if (message.type === "done") task.resolve(message.steps ? { traces: unpackSteps(message.steps), results: unpackResults(message.results) } : unpackResults(message.results));
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
  static async open(options: { threads: number; settings: VerifierSettings; scenes: ReadonlyMap<number, Scene>; source?: RowSource }): Promise<VerifierPool | { reason: string }> {
    const files = workerFiles();
    if ("reason" in files) return files;
    const opening = performance.now();
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
              if (message.type === "ready") resolve({ worker, tasks: [], cpuMs: message.cpuMs, startCpuMs: message.cpuMs });
              else reject(new Error(message.type === "failed" ? message.error : `a verification thread answered ${message.type} to init`));
            });
            worker.postMessage({ type: "init", settings: options.settings, scenes, source: options.source } satisfies ToWorker);
          });
        }),
      );
      return new VerifierPool(threads, performance.now() - opening, options.source !== undefined);
    } catch (error) {
      await Promise.all(started.map((w) => w.terminate().catch(() => 0)));
      return { reason: error instanceof Error ? error.message : String(error) };
    }
  }

  private fail(error: Error): void {
    this.broken ??= error;
    for (const thread of this.threads) for (const task of thread.tasks.splice(0)) task.reject(error);
  }

  /** Sends a task to the least busy thread. */
  private send<T extends ReadVerified | VerifiedTrace[]>(message: (id: number) => { message: ToWorker; transfer?: ArrayBuffer[] }): Promise<T> {
    if (this.broken) return Promise.reject(this.broken);
    const thread = this.threads.reduce((a, b) => (b.tasks.length < a.tasks.length ? b : a));
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      thread.tasks.push({ id, resolve: resolve as Task["resolve"], reject });
      const sent = message(id);
      thread.worker.postMessage(sent.message, sent.transfer);
    });
  }

  /** Verifies a batch on the least busy thread; results in the batch's order. */
  verify(traces: WireTrace[]): Promise<VerifiedTrace[]> {
    return this.send((id) => {
      const packed = packTraces(traces);
      return { message: { type: "verify", id, traces: packed }, transfer: transferOf(packed) };
    });
  }

  /**
   * The dataset's traces with these ids (ascending, consecutive in the dataset), split evenly over
   * the threads, each reading its part on its own connection and verifying it: the rows the
   * writer needs and the results, in id order. Only for a pool opened with a row source.
   */
  async readSpread(datasetId: number, ids: readonly number[]): Promise<ReadVerified> {
    if (!this.reads) throw new Error("verification pool opened without a row source: its threads cannot read");
    const parts = Math.max(1, Math.min(this.threads.length, ids.length));
    const size = Math.ceil(ids.length / parts);
    const pieces: Array<Promise<ReadVerified>> = [];
    for (let i = 0; i < ids.length; i += size) {
      const part = ids.slice(i, i + size);
      pieces.push(this.send((id) => ({ message: { type: "read", id, datasetId, after: part[0] - 1, last: part[part.length - 1], limit: part.length } })));
    }
    const done = await Promise.all(pieces);
    return { traces: done.flatMap((d) => d.traces), results: done.flatMap((d) => d.results) };
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

  /** Start-up and CPU time per thread so far (as of each thread's latest answer). */
  cpu(): PoolCpu {
    return { startMs: this.startMs, threads: this.threads.map((t) => ({ startMs: t.startCpuMs, totalMs: t.cpuMs })) };
  }

  async close(): Promise<void> {
    this.fail(new Error("verification pool closed"));
    await Promise.all(this.threads.map((t) => t.worker.terminate().catch(() => 0)));
  }
}
