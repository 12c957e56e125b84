import { setMaxListeners } from "node:events";
import os from "node:os";
import { db, dialect, writeTransaction } from "@/lib/db";
import { run, runAsync, runSync, sql, transaction, type Program } from "@/lib/db/sql";
import { AppError } from "@/lib/errors";
import { dataDirId, dataDirQueue } from "@/lib/jobs/data-dir";
import { pidAlive } from "@/lib/jobs/owner";
import { backgroundWorker, enqueueJob, queueEnabled, queueReady, workJobs, type QueueJob, type WorkOptions } from "@/lib/jobs/queue";
import type { Counters, ItemOutcome, ItemResult, JobContext, JobKind, JobRow, JobStatus, StaleOptions } from "@/lib/jobs/types";

// The job machinery (docs/design.md §11). One process owns a running job: it claims the row
// (compare-and-swap on `runs`), stamps ownerPid/ownerHost and refreshes heartbeatAt every few
// seconds. Cancel works across processes: `cancelJob` flips the row to "cancelling" and the
// owner's heartbeat sees it and aborts the run's signal. A job whose owner is gone — its pid dead
// on this host, or no heartbeat for `staleMs` — is stale and can be resumed by anyone; items already
// done are skipped, so a resumed job neither repeats nor loses work. Item writes go through the
// shared better-sqlite3 handle, about one small transaction per item (queued marks ride along with
// the next commit), so a job runs hundreds of items a second. The item writes are statement
// programs (lib/db/sql.ts): synchronous on the better-sqlite3 handle on SQLite (as fast as before),
// one transaction with a savepoint per item on PostgreSQL.

const DEFAULT_STALE_MS = 30_000;
const DEFAULT_HEARTBEAT_MS = 2_000;

interface Registry {
  kinds: Map<string, JobKind<unknown>>;
  active: Map<number, { controller: AbortController; done: Promise<JobRow> }>;
}

const globalForJobs = globalThis as unknown as { __stepwiseJobs?: Registry };

function registry(): Registry {
  if (!globalForJobs.__stepwiseJobs) globalForJobs.__stepwiseJobs = { kinds: new Map(), active: new Map() };
  return globalForJobs.__stepwiseJobs;
}

/** Registers a kind of job (call at module load of the kind's file); returns it for typing. */
export function defineJobKind<C>(kind: JobKind<C>): JobKind<C> {
  registry().kinds.set(kind.kind, kind as JobKind<unknown>);
  return kind;
}

export function jobKind(kind: string): JobKind<unknown> {
  const found = registry().kinds.get(kind);
  if (!found) throw new AppError("internal", `no job kind "${kind}" is registered in this process`);
  return found;
}

type PrismaJob = NonNullable<Awaited<ReturnType<ReturnType<typeof db>["job"]["findUnique"]>>>;

function toRow(job: PrismaJob): JobRow {
  return {
    ...job,
    status: job.status as JobStatus,
    counters: (job.counters ?? {}) as Counters,
  };
}

export async function getJob(id: number): Promise<JobRow> {
  const job = await db().job.findUnique({ where: { id } });
  if (!job) throw new AppError("not_found", `job ${id} not found`);
  return toRow(job);
}

export async function listJobs(filter: { kind?: string; limit?: number } = {}): Promise<JobRow[]> {
  const rows = await db().job.findMany({ where: filter.kind ? { kind: filter.kind } : {}, orderBy: { id: "desc" }, take: filter.limit ?? 100 });
  return rows.map(toRow);
}

export async function createJob<C>(input: { kind: string; config: C; title?: string; total?: number }): Promise<JobRow> {
  const kind = jobKind(input.kind);
  const config = kind.parseConfig ? kind.parseConfig(input.config) : input.config;
  const job = await db().job.create({
    data: { kind: input.kind, title: input.title ?? null, config: config as object, total: input.total ?? 0, counters: {} },
  });
  return toRow(job);
}


/**
 * A running (or cancelling) job whose owner is gone: its owner pid is dead on this host, it was
 * owned by this very process but is not running here any more, or its heartbeat is older than
 * `staleMs`. lib/recovery can call this at startup to list jobs to resume or mark.
 */
export function isStale(job: Pick<JobRow, "id" | "status" | "ownerPid" | "ownerHost" | "heartbeatAt">, options: StaleOptions = {}): boolean {
  if (job.status !== "running" && job.status !== "cancelling") return false;
  const now = options.now ?? new Date();
  if (job.ownerHost === os.hostname() && job.ownerPid !== null) {
    if (job.ownerPid === process.pid) return !registry().active.has(job.id);
    if (!pidAlive(job.ownerPid)) return true;
  }
  if (!job.heartbeatAt) return true;
  return now.getTime() - job.heartbeatAt.getTime() > (options.staleMs ?? DEFAULT_STALE_MS);
}

/** Jobs that can be resumed now: queued, cancelled, failed, or running with a stale owner. */
export function isResumable(job: JobRow, options: StaleOptions = {}): boolean {
  if (job.status === "queued" || job.status === "cancelled" || job.status === "failed") return true;
  return isStale(job, options);
}

/** Running/cancelling jobs whose owner stopped heartbeating (for crash recovery at startup). */
export async function findStaleJobs(options: StaleOptions & { kind?: string } = {}): Promise<JobRow[]> {
  const rows = await db().job.findMany({ where: { status: { in: ["running", "cancelling"] }, ...(options.kind ? { kind: options.kind } : {}) }, orderBy: { id: "asc" } });
  return rows.map(toRow).filter((job) => isStale(job, options));
}

/** Asks a job to stop: a queued one is cancelled at once, a running one is flipped to "cancelling". */
export async function cancelJob(id: number): Promise<JobRow> {
  const job = await getJob(id);
  if (job.status === "queued" || ((job.status === "running" || job.status === "cancelling") && isStale(job))) {
    await db().job.updateMany({ where: { id, runs: job.runs }, data: { status: "cancelled", finishedAt: new Date() } });
  } else if (job.status === "running") {
    await db().job.updateMany({ where: { id, status: "running" }, data: { status: "cancelling" } });
  }
  registry().active.get(id)?.controller.abort();
  return getJob(id);
}

/**
 * Waits until the job's run in this process finishes (null when it is not running here). On
 * PostgreSQL a job on the queue may run in any worker: it waits until the row is finished.
 */
export function waitForJob(id: number): Promise<JobRow> | null {
  const here = registry().active.get(id)?.done;
  if (here) return here;
  return queueEnabled() ? untilFinished(id) : null;
}

async function untilFinished(id: number): Promise<JobRow> {
  for (;;) {
    const here = registry().active.get(id)?.done;
    if (here) return here;
    const job = await getJob(id);
    if (job.status === "done" || job.status === "failed" || job.status === "cancelled") return job;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export function runningHere(id: number): boolean {
  return registry().active.has(id);
}

interface RunOptions {
  heartbeatMs?: number;
  staleMs?: number;
  /** An outside signal (Ctrl-C in the CLI) that cancels the run like cancelJob. */
  signal?: AbortSignal;
}

/** Claims the row for this process; throws conflict when a live owner holds it. */
async function claim(id: number, options: RunOptions): Promise<JobRow | null> {
  const job = await getJob(id);
  if (job.status === "done") return null;
  if (!isResumable(job, options)) {
    const ago = job.heartbeatAt ? `${Math.round((Date.now() - job.heartbeatAt.getTime()) / 1000)} s ago` : "never";
    throw new AppError("conflict", `job ${id} is ${job.status} in process ${job.ownerPid} on ${job.ownerHost} (last heartbeat ${ago})`);
  }
  const now = new Date();
  const claimed = await db().job.updateMany({
    where: { id, runs: job.runs, status: job.status },
    data: { status: "running", ownerPid: process.pid, ownerHost: os.hostname(), heartbeatAt: now, runs: { increment: 1 }, startedAt: job.startedAt ?? now, error: null, finishedAt: null },
  });
  if (claimed.count !== 1) throw new AppError("conflict", `job ${id} was claimed by another process`);
  return getJob(id);
}

/**
 * Runs (or resumes) a job in this process and resolves with its final row. Resuming a done job
 * returns it unchanged; a job held by a live owner is a conflict.
 */
export function runJob(id: number, options: RunOptions = {}): Promise<JobRow> {
  const reg = registry();
  const existing = reg.active.get(id);
  if (existing) return existing.done;
  const controller = new AbortController();
  // every item in flight (a generation job runs up to its concurrency at once) listens for cancel
  setMaxListeners(0, controller.signal);
  const entry = { controller, done: Promise.resolve(null as unknown as JobRow) };
  reg.active.set(id, entry);
  entry.done = execute(id, controller, options).finally(() => reg.active.delete(id));
  return entry.done;
}

/**
 * Starts (or resumes) a job in the background and returns at once (the UI's path). SQLite: it runs
 * in this process. PostgreSQL: it is put on the job queue (lib/jobs/queue.ts) and any
 * `stepwise worker` takes it — this process too, which works the queue itself unless
 * STEPWISE_QUEUE_LOCAL_WORKER=0 (so one server needs no separate worker).
 */
export async function launchJob(id: number, options: RunOptions = {}): Promise<JobRow> {
  if (queueEnabled()) {
    await queueReady(); // a queue that cannot start: a clear error, and the job stays as it was
    // a cancelled or failed job taken up again waits on the queue as "queued": its old status reads
    // as finished (waitForJob), and a job cancelled while queued is not run (runQueued)
    const before = await getJob(id);
    if (before.status === "cancelled" || before.status === "failed") {
      await db().job.updateMany({ where: { id, runs: before.runs, status: before.status }, data: { status: "queued", finishedAt: null } });
    }
    const job = await submitJob(id);
    if (job.status === "done" || process.env.STEPWISE_QUEUE_LOCAL_WORKER === "0") return job;
    startLocalJobWorker();
    // as in-process: let a worker's claim land (this process's own worker takes it within its poll)
    for (let i = 0; i < 60; i++) {
      const now = await getJob(id);
      if (now.status !== "queued") return now;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return getJob(id);
  }
  const done = runJob(id, options);
  done.catch(() => {}); // its failure is recorded on the row
  // Let the claim land so callers see "running" (or the conflict) right away.
  for (let i = 0; i < 50; i++) {
    const job = await getJob(id);
    if (job.status !== "queued" && job.ownerPid === process.pid) return job;
    if (!runningHere(id)) return done;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return getJob(id);
}

async function execute(id: number, controller: AbortController, options: RunOptions): Promise<JobRow> {
  const claimed = await claim(id, options);
  if (!claimed) return getJob(id);
  const kind = jobKind(claimed.kind);
  const config = kind.parseConfig ? kind.parseConfig(claimed.config) : claimed.config;
  const counters: Counters = { ...claimed.counters };
  const onOuterAbort = () => controller.abort();
  options.signal?.addEventListener("abort", onOuterAbort);
  let lostOwnership = false;
  let countersDirty = false;

  const heartbeat = setInterval(() => {
    void (async () => {
      const data: { heartbeatAt: Date; counters?: object } = { heartbeatAt: new Date() };
      if (countersDirty) {
        data.counters = { ...counters };
        countersDirty = false;
      }
      const updated = await db().job.updateMany({ where: { id, ownerPid: process.pid, ownerHost: os.hostname(), status: { in: ["running", "cancelling"] } }, data });
      if (updated.count === 0) {
        const row = await db().job.findUnique({ where: { id }, select: { status: true, ownerPid: true } });
        if (row && row.ownerPid !== process.pid) lostOwnership = true;
        controller.abort();
        return;
      }
      const row = await db().job.findUnique({ where: { id }, select: { status: true } });
      if (row?.status === "cancelling") controller.abort();
    })().catch(() => {});
  }, options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS);
  heartbeat.unref();

  const onPostgres = dialect() === "postgres";
  const startItem = (key: string) =>
    run(
      `INSERT INTO "JobItem" ("jobId", "key", "status", "attempts") VALUES (?, ?, 'running', 1)
       ON CONFLICT ("jobId", "key") DO UPDATE SET "status" = 'running', "attempts" = "JobItem"."attempts" + 1, "error" = NULL`,
      id, key,
    );
  const finishItem = (status: "done" | "failed", result: string | null, error: string | null, key: string) =>
    run(`UPDATE "JobItem" SET "status" = ?, "result" = ?, "error" = ? WHERE "jobId" = ? AND "key" = ?`, status, result, error, id, key);
  const bumpJob = (done: number, failed: number) => run(`UPDATE "Job" SET "done" = "done" + ?, "failed" = "failed" + ? WHERE "id" = ?`, done, failed, id);
  const resetItem = (key: string) => run(`UPDATE "JobItem" SET "status" = 'pending' WHERE "jobId" = ? AND "key" = ?`, id, key);
  const saveCounters = () => run(`UPDATE "Job" SET "counters" = ? WHERE "id" = ?`, JSON.stringify(counters), id);

  // Fewer commits: an item's "running" mark is queued and goes into the next transaction — the
  // next item to finish (or the next turn of the event loop) — together with that item's trace,
  // in a savepoint each, so one failing commit undoes only its own writes; the counters are
  // written once per transaction. A finishing item commits at once (waiting for a later turn of a
  // busy event loop would hold its concurrency slot). Writes are applied in the order they were
  // queued; an item's promise settles once its writes are committed, so "done" still means "on
  // disk with its result". Before: two commits per item.
  type Write = { program: () => Program<unknown>; resolve: (value: unknown) => void; reject: (error: unknown) => void };
  let queue: Write[] = [];
  let flushing: Promise<void> = Promise.resolve();
  const flush = async () => {
    const batch = queue;
    queue = [];
    if (!batch.length) return;
    const outcomes: Array<{ ok: boolean; value: unknown }> = [];
    try {
      if (onPostgres) {
        await transaction(async (tx) => {
          for (const write of batch) {
            await tx.run("SAVEPOINT job_item");
            try {
              outcomes.push({ ok: true, value: await runAsync(write.program(), tx) });
              await tx.run("RELEASE SAVEPOINT job_item");
            } catch (error) {
              await tx.run("ROLLBACK TO SAVEPOINT job_item");
              outcomes.push({ ok: false, value: error });
            }
          }
          await runAsync(saveCounters(), tx);
        });
      } else {
        await writeTransaction((h) => {
          for (const write of batch) {
            try {
              outcomes.push({ ok: true, value: h.transaction(() => runSync(write.program(), h))() });
            } catch (error) {
              outcomes.push({ ok: false, value: error });
            }
          }
          runSync(saveCounters(), h);
        });
      }
      countersDirty = false;
    } catch (error) {
      for (const write of batch) write.reject(error);
      return;
    }
    batch.forEach((write, i) => (outcomes[i].ok ? write.resolve(outcomes[i].value) : write.reject(outcomes[i].value)));
  };
  let scheduled = false;
  /** Queues a write; `now` commits it (with everything queued before it) at once, else on the next turn. */
  const enqueue = <T>(program: () => Program<unknown>, now = false): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      queue.push({ program, resolve: resolve as (value: unknown) => void, reject });
      if (now) flushing = flushing.then(flush);
      else if (!scheduled) {
        scheduled = true;
        setImmediate(() => {
          scheduled = false;
          flushing = flushing.then(flush);
        });
      }
    });

  const ctx: JobContext<unknown> = {
    job: claimed,
    config,
    signal: controller.signal,
    async setTotal(total) {
      await db().job.update({ where: { id }, data: { total } });
    },
    count(name, delta = 1) {
      counters[name] = (counters[name] ?? 0) + delta;
      countersDirty = true;
    },
    setCounter(name, value) {
      counters[name] = value;
      countersDirty = true;
    },
    counters: () => ({ ...counters }),
    async doneKeys() {
      const rows = await (await sql()).all<{ key: string }>(`SELECT "key" FROM "JobItem" WHERE "jobId" = ? AND "status" = 'done'`, [id]);
      return new Set(rows.map((r) => r.key));
    },
    async item(key, work): Promise<ItemResult> {
      const before = await (await sql()).get<{ status: string; result: string | null; attempts: number }>(`SELECT "status", "result", "attempts" FROM "JobItem" WHERE "jobId" = ? AND "key" = ?`, [id, key]);
      if (before?.status === "done") return { key, status: "skipped", ref: before.result };
      const wasFailed = before?.status === "failed";
      if (controller.signal.aborted) return { key, status: "failed", ref: null, error: "cancelled" };
      // written with the next group commit (a crash before it only loses the attempt count)
      enqueue(() => startItem(key)).catch(() => {});
      const attempt = (before?.attempts ?? 0) + 1;
      let outcome: ItemOutcome | void;
      try {
        outcome = await work(attempt);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        if (controller.signal.aborted) {
          await enqueue(() => resetItem(key), true);
          return { key, status: "failed", ref: null, error: "cancelled" };
        }
        await enqueue(function* () {
          yield* finishItem("failed", null, message.slice(0, 2000), key);
          yield* bumpJob(0, wasFailed ? 0 : 1);
        }, true);
        return { key, status: "failed", ref: null, error: message };
      }
      const write = outcome?.write;
      const fallback = outcome?.ref ?? null;
      const ref = await enqueue<string | null>(function* () {
        const written = (write ? yield* write() : undefined) ?? fallback;
        const stored = written === null || written === undefined ? null : String(written);
        yield* finishItem("done", stored, null, key);
        yield* bumpJob(1, wasFailed ? -1 : 0);
        return stored;
      }, true);
      return { key, status: "done", ref };
    },
  };

  let status: JobStatus = "done";
  let error: string | null = null;
  try {
    await kind.run(ctx);
    if (controller.signal.aborted) status = "cancelled";
  } catch (thrown) {
    if (controller.signal.aborted) status = "cancelled";
    else {
      status = "failed";
      error = thrown instanceof Error ? thrown.message : String(thrown);
    }
  } finally {
    clearInterval(heartbeat);
    options.signal?.removeEventListener("abort", onOuterAbort);
  }
  if (!lostOwnership) {
    await db().job.updateMany({
      where: { id, ownerPid: process.pid, ownerHost: os.hostname() },
      data: { status, error, counters: { ...counters }, finishedAt: new Date(), heartbeatAt: new Date() },
    });
  }
  return getJob(id);
}

/**
 * Runs `work` over `items` with at most `concurrency` in flight, stopping early when `signal`
 * aborts (items not started are left for a resume). Results come back in input order.
 */
export async function mapConcurrent<T, R>(items: readonly T[], concurrency: number, work: (item: T, index: number) => Promise<R>, signal?: AbortSignal): Promise<Array<R | undefined>> {
  const results: Array<R | undefined> = new Array(items.length);
  let next = 0;
  const lanes = Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, async () => {
    while (next < items.length && !signal?.aborted) {
      const index = next++;
      results[index] = await work(items[index], index);
    }
  });
  await Promise.all(lanes);
  return results;
}

// ---------------------------------------------------------------------------------------------
// The PostgreSQL job queue (docs/design.md §14): generic jobs shared by any number of workers

/**
 * The queue kind generic jobs travel on (lib/jobs/queue.ts); the Job row says which job kind. Each
 * data dir has its own queue of it (`dataDirQueue`, lib/jobs/data-dir.ts): jobs read its images.
 */
export const JOB_QUEUE = "stepwise-job";

/** How often a worker looks for jobs whose process died (to resume or fail them per their kind). */
const SWEEP_MS = 5_000;

/**
 * Puts a job on the queue (PostgreSQL). The queue key carries the job's run count, so a job taken
 * up again after a crash is a new queue entry even while the dead worker's entry is still active;
 * the Job row's claim (compare-and-swap on `runs`) keeps two workers from running it at once.
 */
export async function submitJob(id: number): Promise<JobRow> {
  const row = await db().job.findUnique({ where: { id } });
  if (!row) throw new AppError("not_found", `job ${id} not found`);
  const job = toRow(row);
  if (job.status === "done") return job;
  // the queue of the data dir it was first submitted from: a sweep by a worker elsewhere sends it
  // back there. The first submission records this process's (unless another got there first).
  let home = row.dataDir;
  if (home === null) {
    const claimed = await db().job.updateMany({ where: { id, dataDir: null }, data: { dataDir: dataDirId() } });
    home = claimed.count === 1 ? dataDirId() : (await db().job.findUniqueOrThrow({ where: { id }, select: { dataDir: true } })).dataDir!;
  }
  await enqueueJob(dataDirQueue(JOB_QUEUE, home), `${id}:${job.runs}`, { jobId: id }, { expireInSeconds: 23 * 60 * 60, retryLimit: 20, retryDelay: 5 });
  return job;
}

/**
 * Runs one queued job; a job already finished (done, or cancelled or failed since it was queued),
 * held by a live worker, or gone is left as it is.
 */
async function runQueued(entry: QueueJob<{ jobId?: number }>, options: RunOptions): Promise<void> {
  const id = Number(entry.data.jobId);
  const job = await db().job.findUnique({ where: { id }, select: { kind: true, status: true } });
  if (!job || job.status === "done" || job.status === "cancelled" || job.status === "failed") return;
  // a kind this process never loaded: another worker (one that has it) takes it on the retry
  if (!registry().kinds.has(job.kind)) throw new AppError("internal", `job ${id}: kind "${job.kind}" is not loaded in worker ${process.pid}`);
  try {
    await runJob(id, options);
  } catch (error) {
    // held by a live owner (the queue delivered it twice): that owner finishes it
    if (error instanceof AppError && error.code === "conflict") return;
    throw error;
  }
}

/**
 * Jobs whose process died: kinds that resume are queued again (any worker takes them up, done items
 * skipped); the others are marked failed. Returns how many it handled.
 */
export async function sweepStaleJobs(options: StaleOptions = {}): Promise<number> {
  let handled = 0;
  for (const job of await findStaleJobs(options)) {
    const kind = registry().kinds.get(job.kind);
    if (job.status === "cancelling" || kind?.onCrash === "fail") {
      const failed = job.status !== "cancelling";
      await db().job.updateMany({
        where: { id: job.id, runs: job.runs, status: job.status },
        data: { status: failed ? "failed" : "cancelled", error: failed ? "interrupted: the worker running this job stopped" : null, finishedAt: new Date() },
      });
    } else {
      await submitJob(job.id);
    }
    handled++;
  }
  return handled;
}

/**
 * Works on queued generic jobs (PostgreSQL) until `options.signal` aborts: `stepwise worker` and
 * the launching process. Every few seconds it also sweeps for jobs whose worker died.
 */
export async function workQueuedJobs(options: WorkOptions & RunOptions = {}): Promise<void> {
  const sweep = setInterval(() => void sweepStaleJobs({ staleMs: options.staleMs }).catch(() => {}), SWEEP_MS);
  sweep.unref();
  try {
    await sweepStaleJobs({ staleMs: options.staleMs }).catch(() => 0);
    await workJobs<{ jobId?: number }>([dataDirQueue(JOB_QUEUE)], (entry) => runQueued(entry, { heartbeatMs: options.heartbeatMs, staleMs: options.staleMs }), { concurrency: 2, ...options });
  } finally {
    clearInterval(sweep);
  }
}

const localJobWorker = backgroundWorker("job worker", (signal) => workQueuedJobs({ signal }));

/** This process works the job queue in the background (once; PostgreSQL). */
export function startLocalJobWorker(): void {
  localJobWorker.start();
}

/** Stops this process's background job worker (tests, shutdown). */
export function stopLocalJobWorker(): void {
  localJobWorker.stop();
}
