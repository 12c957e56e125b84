import PgBoss from "pg-boss";
import { connectionFields, dialect } from "@/lib/db";
import { AppError } from "@/lib/errors";

// The PostgreSQL job queue (docs/design.md §14, docs/postgres.md "Job queue"): pg-boss on the
// app's own database (schema `stepwise_jobs`, created on first use by pg-boss's own migrations).
// Any number of processes on any machines take jobs with SELECT … FOR UPDATE SKIP LOCKED (pg-boss's
// fetch), so one job goes to one worker at a time; a job whose worker died stays `active` until its
// expiry, then pg-boss's maintenance fails it and it is retried — by whichever worker fetches next.
// The queue only distributes work: what makes a job safe to run twice is the job's own fence (for
// verifier chunks the VerifyChunk lease token, lib/jobs/lease.ts, and verdicts replaced per run and
// trace), never the queue.
//
// API (for every job kind; verifier chunks are the first):
//
//   queueEnabled(): boolean
//       true on PostgreSQL. On SQLite there is no queue: callers run the job in-process as today
//       (verifier chunks: lib/services/verify/verify.ts driveChunks with worker_threads).
//   enqueueJob(kind, id, data?, options?): Promise<boolean>
//       puts one job of `kind` keyed by `id` (a string unique within the kind: a second enqueue of
//       the same kind+id while the first is waiting or running is a no-op — pg-boss singletonKey);
//       `data` is JSON (small: ids, not payloads). false when it was already queued.
//   enqueueJobs(kind, jobs: Array<{ id, data? }>, options?): Promise<number>
//       the same for many jobs in one statement (a run's chunks); returns the jobs added.
//   workJobs(kinds, handler, options): Promise<void>
//       takes jobs of these kinds until `options.signal` aborts (then waits for the jobs in hand)
//       or — `untilIdle` — until none of the kinds has a job waiting, retrying or running.
//       `handler(job)` resolves: the job is complete; throws: it is retried after `retryDelay`
//       (up to `retryLimit` times). A job kind's handler must be idempotent. `onIdle` lets a job
//       kind look for work the queue cannot know of (a dead holder's lease lapsed before its job
//       expired); `finished` says when untilIdle may stop.
//   jobCounts(kind): Promise<{ waiting, active }>
//   closeQueue(): Promise<void>     stops this process's pg-boss (tests, CLI exit).
//
// Job kinds in use: "verify-chunk" ({ runId, chunkId }). Generic jobs (exports, generation,
// SpaRE: lib/jobs/jobs.ts) can go on the same queue with their own kind names.

export interface QueueJob<T = Record<string, unknown>> {
  kind: string;
  /** pg-boss's job id (a uuid). */
  jobId: string;
  /** The caller's key (enqueueJob's `id`). */
  id: string;
  data: T;
}

export interface EnqueueOptions {
  /** Seconds a running job may take before it is failed and retried elsewhere (default QUEUE_EXPIRE_SECONDS). */
  expireInSeconds?: number;
  /** Retries after a failure or an expiry (default 1,000: a chunk whose lease a live worker holds is tried again later). */
  retryLimit?: number;
  /** Seconds before a failed job is tried again (default 2). */
  retryDelay?: number;
}

export interface WorkOptions {
  signal?: AbortSignal;
  /** Stop when no job of the kinds is waiting, retrying or running (tests, batch jobs). */
  untilIdle?: boolean;
  /** Seconds between looks at the queue when it is empty (default 1; pg-boss's minimum is 0.5). */
  pollSeconds?: number;
  /** Jobs in hand at once in this process (default 1: a verifier chunk already uses every thread). */
  concurrency?: number;
  /** Called when a handler throws (the job is retried). */
  onError?: (job: QueueJob, error: unknown) => void;
  /**
   * Called whenever no job was waiting: the job kind's own look for work the queue does not know
   * about yet (verifier chunks whose holder died: their job waits for its expiry, the chunk's lease
   * lapsed sooner). Resolves true when it did something (then the queue is asked again at once).
   */
  onIdle?: () => Promise<boolean>;
  /** With untilIdle: whether the work is all done (default: no job of the kinds waiting, retrying or running). */
  finished?: () => Promise<boolean>;
}

/** The schema pg-boss keeps its tables in (not Prisma's: migrations never see it). */
export const QUEUE_SCHEMA = "stepwise_jobs";

/** STEPWISE_QUEUE_EXPIRE_SECONDS when set (≥ 1), else 15 minutes: a job running longer is taken for dead. */
export function queueExpireSeconds(env: Record<string, string | undefined> = process.env): number {
  const n = Number(env.STEPWISE_QUEUE_EXPIRE_SECONDS);
  return Number.isInteger(n) && n >= 1 ? n : 900;
}

/** STEPWISE_QUEUE_MAINTENANCE_SECONDS when set (≥ 1), else 30: how often expired jobs are looked for. */
function maintenanceSeconds(env: Record<string, string | undefined> = process.env): number {
  const n = Number(env.STEPWISE_QUEUE_MAINTENANCE_SECONDS);
  return Number.isInteger(n) && n >= 1 ? n : 30;
}

const globalForQueue = globalThis as unknown as { __stepwiseBoss?: Promise<PgBoss> };
const createdQueues = new Set<string>();
/** The advisory lock key queue creations take (any constant of this app's own: "stepwise_jobs.create_queue"). */
const CREATE_QUEUE_LOCK = 0x5737_6a6f_6271;

export function queueEnabled(): boolean {
  return dialect() === "postgres";
}

/** pg-boss could not start (it makes its schema on first use): what failed, and for a refusal what to grant. */
function queueStartError(error: unknown): AppError {
  const message = error instanceof Error ? error.message : String(error);
  const { user, database } = connectionFields(process.env.DATABASE_URL ?? "");
  const hint = /permission denied for (database|schema)/i.test(message)
    ? `: the job queue keeps its tables in schema ${QUEUE_SCHEMA}, made on first use — GRANT CREATE ON DATABASE "${database ?? "…"}" TO "${user ?? "…"}" (or make that role the database's owner), or have the owner start Stepwise once`
    : "";
  return new AppError("internal", `the job queue could not start in database ${database ?? "(DATABASE_URL)"}: ${message}${hint}`);
}

/** Starts this process's job queue if it is not running (a clear error when it cannot): before writing work for it. */
export async function queueReady(): Promise<void> {
  await boss();
}

function requireQueue(): void {
  if (!queueEnabled()) throw new AppError("internal", "the job queue runs on PostgreSQL only; on SQLite jobs run in-process (docs/postgres.md \"Job queue\")");
}

async function boss(): Promise<PgBoss> {
  requireQueue();
  globalForQueue.__stepwiseBoss ??= (async () => {
    const instance = new PgBoss({
      ...connectionFields(process.env.DATABASE_URL ?? ""),
      schema: QUEUE_SCHEMA,
      max: 3,
      application_name: "stepwise-queue",
      // expired jobs are failed (and retried) by whichever process's maintenance runs first
      supervise: true,
      maintenanceIntervalSeconds: maintenanceSeconds(),
      schedule: false,
      migrate: true,
    });
    instance.on("error", (error: unknown) => console.error("stepwise: job queue:", error instanceof Error ? error.message : error));
    try {
      await instance.start();
    } catch (error) {
      throw queueStartError(error);
    }
    return instance;
  })();
  try {
    return await globalForQueue.__stepwiseBoss;
  } catch (error) {
    globalForQueue.__stepwiseBoss = undefined;
    throw error;
  }
}

/**
 * Makes the queue `kind` unless it exists. pg-boss's create_queue adds a foreign key from the new
 * queue's partition to its queue table, and two creations of different queues at once deadlock
 * (40P01: each holds a row lock on the queue table and waits for the other's); a worker makes three
 * queues at start. So every creation, in any process, takes one transaction-level advisory lock
 * first — in the same statement, so the lock lasts until create_queue has committed — and they
 * run one at a time. The arguments are what pg-boss's own createQueue passes for a standard queue.
 */
async function ensureQueue(b: PgBoss, kind: string): Promise<void> {
  if (createdQueues.has(kind)) return;
  if (!(await b.getQueue(kind))) {
    await b
      .getDb()
      .executeSql(`SELECT ${QUEUE_SCHEMA}.create_queue($1, $2) FROM (SELECT pg_advisory_xact_lock(${CREATE_QUEUE_LOCK})) AS "lock"`, [kind, JSON.stringify({ policy: "standard" })]);
  }
  createdQueues.add(kind);
}

function jobOptions(options: EnqueueOptions = {}) {
  return { expireInSeconds: options.expireInSeconds ?? queueExpireSeconds(), retryLimit: options.retryLimit ?? 1_000, retryDelay: options.retryDelay ?? 2 };
}

export async function enqueueJob(kind: string, id: string, data: Record<string, unknown> = {}, options: EnqueueOptions = {}): Promise<boolean> {
  return (await enqueueJobs(kind, [{ id, data }], options)) === 1;
}

export async function enqueueJobs(kind: string, jobs: ReadonlyArray<{ id: string; data?: Record<string, unknown> }>, options: EnqueueOptions = {}): Promise<number> {
  if (jobs.length === 0) return 0;
  const b = await boss();
  await ensureQueue(b, kind);
  const o = jobOptions(options);
  let added = 0;
  for (let start = 0; start < jobs.length; start += 1_000) {
    const part = jobs.slice(start, start + 1_000);
    // a job whose key is already waiting, retrying or running is not queued twice (two processes
    // enqueueing at the same moment may still both add one: every job kind's handler is idempotent)
    const { rows } = await b.getDb().executeSql(`SELECT "singleton_key" AS "key" FROM ${QUEUE_SCHEMA}.job WHERE "name" = $1 AND "state" < 'completed' AND "singleton_key" = ANY($2::text[])`, [
      kind,
      part.map((j) => `${kind}:${j.id}`),
    ]);
    const queued = new Set((rows as Array<{ key: string }>).map((row) => row.key));
    const fresh = part.filter((j) => !queued.has(`${kind}:${j.id}`));
    if (fresh.length) await b.insert(fresh.map((j) => ({ name: kind, data: { ...(j.data ?? {}), __id: j.id }, singletonKey: `${kind}:${j.id}`, ...o })));
    added += fresh.length;
  }
  return added;
}

export async function jobCounts(kind: string): Promise<{ waiting: number; active: number }> {
  const b = await boss();
  await ensureQueue(b, kind);
  const beforeActive = await b.getQueueSize(kind, { before: "active" });
  const beforeCompleted = await b.getQueueSize(kind, { before: "completed" });
  return { waiting: beforeActive, active: beforeCompleted - beforeActive };
}

/** Resolves after `ms`, or at once when `signal` aborts (never rejects). */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
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

export async function workJobs<T extends Record<string, unknown>>(kinds: readonly string[], handler: (job: QueueJob<T>) => Promise<void>, options: WorkOptions = {}): Promise<void> {
  const b = await boss();
  for (const kind of kinds) await ensureQueue(b, kind);
  const pollMs = Math.max(500, Math.round((options.pollSeconds ?? 1) * 1000));
  const slots = Math.max(1, options.concurrency ?? 1);
  const stop = () => options.signal?.aborted ?? false;
  const run = async (kind: string, raw: PgBoss.Job<object>): Promise<void> => {
    const data = raw.data as T & { __id?: string };
    const { __id, ...rest } = data;
    const job: QueueJob<T> = { kind, jobId: raw.id, id: String(__id ?? raw.id), data: rest as unknown as T };
    try {
      await handler(job);
      await b.complete(kind, raw.id);
    } catch (error) {
      options.onError?.(job as unknown as QueueJob, error);
      await b.fail(kind, raw.id, { message: error instanceof Error ? error.message : String(error) }).catch(() => {});
    }
  };
  // one loop per slot: fetch (SKIP LOCKED) one job of the first kind that has one, run it, repeat
  const loop = async (): Promise<void> => {
    while (!stop()) {
      let took = false;
      for (const kind of kinds) {
        const [raw] = (await b.fetch<object>(kind, { batchSize: 1 })) ?? [];
        if (!raw) continue;
        took = true;
        await run(kind, raw);
        break;
      }
      if (took) continue;
      if (options.onIdle && (await options.onIdle())) continue;
      if (options.untilIdle) {
        if (options.finished) {
          if (await options.finished()) return;
        } else {
          let pending = 0;
          for (const kind of kinds) pending += await b.getQueueSize(kind, { before: "completed" });
          if (pending === 0) return;
        }
      }
      await sleep(pollMs, options.signal);
    }
  };
  await Promise.all(Array.from({ length: slots }, loop));
}

export async function closeQueue(): Promise<void> {
  const pending = globalForQueue.__stepwiseBoss;
  globalForQueue.__stepwiseBoss = undefined;
  createdQueues.clear();
  if (pending) await (await pending.catch(() => null))?.stop({ graceful: true, wait: true, timeout: 10_000 });
}

const globalForBackground = globalThis as unknown as { __stepwiseBackgroundWorkers?: Map<string, AbortController> };

/**
 * A queue consumer this process runs in the background, once per `name` (PostgreSQL: the process
 * that launches work also takes it). `work` runs until its signal aborts; if it fails, the error is
 * logged and the worker may be started again.
 */
export function backgroundWorker(name: string, work: (signal: AbortSignal) => Promise<void>): { start(): void; stop(): void } {
  const running = (globalForBackground.__stepwiseBackgroundWorkers ??= new Map());
  return {
    start() {
      if (running.has(name)) return;
      const controller = new AbortController();
      running.set(name, controller);
      void work(controller.signal).catch((error: unknown) => {
        console.error(`stepwise: ${name}:`, error instanceof Error ? error.message : error);
        running.delete(name);
      });
    },
    stop() {
      running.get(name)?.abort();
      running.delete(name);
    },
  };
}
