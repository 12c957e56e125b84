import { threadsFor, queuedRuns, runChunkProgress, workOnRun } from "@/lib/services/verify/verify";
import type { RunSummary } from "@/lib/schemas/verifier";

// `stepwise worker` (docs/design.md §14): a process that works on queued verifier runs — runs
// made with `verify --queue`, owned by no process — chunk by chunk, until it is stopped. Any
// number of workers, on this machine or on others sharing the database, share a run: each takes
// a free chunk under a lease (lib/jobs/lease.ts), so two never write the same chunk, and a chunk
// whose worker died is taken over when its lease lapses (at once on the same machine, where a
// dead pid is seen). Whoever writes the last chunk finishes the run.

export interface WorkerOptions {
  /** Verification threads per worker (default: STEPWISE_VERIFY_THREADS, else the cores). */
  threads?: number;
  /** Wait between looks at the queue when there is nothing to do (default 1 s). */
  pollMs?: number;
  /** Stop when no queued run is left (tests, batch jobs); otherwise run until `signal`. */
  untilIdle?: boolean;
  signal?: AbortSignal;
  onEvent?: (message: string) => void;
}

export interface WorkerReport {
  /** Chunks this worker wrote. */
  chunks: number;
  /** Runs this worker finished. */
  finished: RunSummary[];
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}

export async function runWorker(options: WorkerOptions = {}): Promise<WorkerReport> {
  const threads = threadsFor(Number.MAX_SAFE_INTEGER, options.threads);
  const report: WorkerReport = { chunks: 0, finished: [] };
  const stop = () => options.signal?.aborted ?? false;
  while (!stop()) {
    const runs = await queuedRuns();
    if (runs.length === 0 && options.untilIdle) break;
    let wrote = 0;
    for (const runId of runs) {
      if (stop()) break;
      const outcome = await workOnRun(runId, {
        threads,
        stop,
        onChunk: () => {
          wrote++;
          report.chunks++;
          void runChunkProgress(runId).then((p) => options.onEvent?.(`run ${runId}: ${p.done} / ${p.chunks} chunks, ${p.traces.toLocaleString("en-US")} traces`));
        },
      });
      if (outcome.finished) {
        report.finished.push(outcome.finished);
        options.onEvent?.(`run ${runId} done: ${outcome.finished.traces} traces, ${outcome.finished.verdicts} verdicts`);
      }
    }
    if (wrote === 0) await sleep(options.pollMs ?? 1_000, options.signal);
  }
  return report;
}
