import { closeQueue, queueEnabled, sleep, workJobs } from "@/lib/jobs/queue";
import { CHUNK_JOB, closeRunSessions, enqueueOpenChunks, finishQueuedRun, claimableChunks, threadsFor, queuedRuns, runChunkProgress, workOnChunk, workOnRun } from "@/lib/services/verify/verify";
import type { RunSummary } from "@/lib/schemas/verifier";

// `stepwise worker` (docs/design.md §14): a process that works on queued verifier runs — runs
// made with `verify --queue`, owned by no process — chunk by chunk, until it is stopped. Any
// number of workers, on this machine or on others sharing the database, share a run: each takes
// a free chunk under a lease (lib/jobs/lease.ts), so two never write the same chunk, and a chunk
// whose worker died is taken over when its lease lapses (at once on the same machine, where a
// dead pid is seen). Whoever writes the last chunk finishes the run.
//
// On PostgreSQL the chunks are jobs of the queue (lib/jobs/queue.ts, pg-boss): a worker takes one
// job at a time (SKIP LOCKED), verifies the chunk under its lease and writes it only while the
// chunk's row carries its lease token. A killed worker's job expires (STEPWISE_QUEUE_EXPIRE_SECONDS)
// and is retried by another worker, which takes the chunk once its lease lapsed. On SQLite workers
// poll the database for queued runs (no queue: one machine, a few processes).

export interface WorkerOptions {
  /** Verification threads per worker (default: STEPWISE_VERIFY_THREADS, else every core but one). */
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


export async function runWorker(options: WorkerOptions = {}): Promise<WorkerReport> {
  if (queueEnabled()) return runQueueWorker(options);
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

interface ChunkJobData extends Record<string, unknown> {
  runId: number;
  chunkId: number;
}

/** The PostgreSQL worker: chunk jobs from the queue until stopped (or, `untilIdle`, none is left). */
async function runQueueWorker(options: WorkerOptions): Promise<WorkerReport> {
  const threads = threadsFor(Number.MAX_SAFE_INTEGER, options.threads);
  const report: WorkerReport = { chunks: 0, finished: [] };
  const finish = async (summary: RunSummary | null) => {
    if (!summary) return;
    report.finished.push(summary);
    options.onEvent?.(`run ${summary.run} done: ${summary.traces} traces, ${summary.verdicts} verdicts`);
  };
  // queued runs whose jobs are missing (an enqueue cut short) get them; a run whose chunks are all
  // done but that nobody finished (its last worker died in between) is finished here
  const sweep = async () => {
    for (const runId of await queuedRuns()) {
      if ((await enqueueOpenChunks(runId)) === 0) await finish(await finishQueuedRun(runId, { threads }));
    }
  };
  const chunk = async (runId: number, chunkId: number) => {
    const { outcome, finished } = await workOnChunk(runId, chunkId, { threads });
    if (outcome === "written") {
      report.chunks++;
      const p = await runChunkProgress(runId);
      options.onEvent?.(`run ${runId}: ${p.done} / ${p.chunks} chunks, ${p.traces.toLocaleString("en-US")} traces`);
    }
    await finish(finished);
    return outcome;
  };
  // nothing on the queue: a chunk whose worker died (lease lapsed, or killed between taking the
  // job and the lease) is taken over at once — its job stays `active` until it expires
  // (STEPWISE_QUEUE_EXPIRE_SECONDS), then is retried and completes as done
  const takeOver = async () => {
    for (const runId of await queuedRuns()) {
      for (const chunkId of await claimableChunks(runId)) {
        if (options.signal?.aborted) return false;
        if ((await chunk(runId, chunkId)) === "written") return true;
      }
    }
    return false;
  };
  try {
    await sweep();
    await workJobs<ChunkJobData>(
      [CHUNK_JOB],
      async (job) => {
        // a live worker holds the chunk's lease: the job is tried again later (taken over if that worker dies)
        if ((await chunk(Number(job.data.runId), Number(job.data.chunkId))) === "held") throw new Error(`chunk ${job.data.chunkId} of run ${job.data.runId} is held by a live worker`);
      },
      {
        signal: options.signal,
        untilIdle: options.untilIdle,
        pollSeconds: (options.pollMs ?? 1_000) / 1000,
        onIdle: takeOver,
        // until idle: no queued run left (a dead worker's expired job needs nobody to wait for it)
        finished: async () => (await queuedRuns()).length === 0,
        onError: (job, error) => options.onEvent?.(`job ${job.kind} ${job.id}: ${error instanceof Error ? error.message : String(error)} (tried again later)`),
      },
    );
    if (options.untilIdle) await sweep();
  } finally {
    await closeRunSessions();
    await closeQueue();
  }
  return report;
}
