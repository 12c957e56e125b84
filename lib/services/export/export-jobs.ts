import fs from "node:fs";
import path from "node:path";
import { db } from "@/lib/db";
import { dataDir } from "@/lib/env";
import { AppError } from "@/lib/errors";
import type { ExportConfig } from "@/lib/schemas/exports";
import { buildExport, ExportCancelled, exportTitle, parseExportConfig } from "@/lib/services/export/export-build";
import { crashPoint } from "@/lib/jobs/crash-point";
import { dataDirId, dataDirQueue } from "@/lib/jobs/data-dir";
import { markActive, markInactive, ownerStamp } from "@/lib/jobs/owner";
import { backgroundWorker, enqueueJob, queueEnabled, queueReady, workJobs, type WorkOptions } from "@/lib/jobs/queue";

/** The key of an export in this process's registry of live work (lib/jobs/owner.ts). */
export const exportKey = (id: number): string => `export:${id}`;

// Background export jobs inside the server process: an Export row per job (status, progress,
// rows, files, skipped, path, error) that the UI polls, and a FIFO queue running one export at a
// time (the machine has two cores; the export yields to the event loop between pages, so the app
// stays responsive). Live stage text and the cancel handle live in memory, on globalThis so
// dev-server reloads keep them; rows left running by a dead process are marked failed on read.
// On PostgreSQL an export is put on the job queue instead (lib/jobs/queue.ts, kind "stepwise-export")
// and any `stepwise worker` — the launching process too, unless STEPWISE_QUEUE_LOCAL_WORKER=0 — takes
// it: the worker claims the queued row (compare-and-swap on its status), stamps itself as owner and
// writes progress and heartbeat to the row. An export whose worker died is failed (recovery, or the
// next read of the row), never resumed half-way: start it again.

interface Job {
  id: number;
  controller: AbortController;
  stage: string;
}

interface Queue {
  jobs: Map<number, Job>;
  /** PostgreSQL: exports this process put on the job queue (exportsIdle waits for them). */
  submitted: Set<number>;
  pending: number[];
  running: boolean;
  /** Resolves when the queue is idle (tests and the CLI wait on it). */
  idle: Promise<void>;
  resolveIdle: () => void;
}

const globalForJobs = globalThis as unknown as { __stepwiseExportQueue?: Queue };

function queue(): Queue {
  if (!globalForJobs.__stepwiseExportQueue) {
    const q: Queue = { jobs: new Map(), submitted: new Set(), pending: [], running: false, idle: Promise.resolve(), resolveIdle: () => {} };
    globalForJobs.__stepwiseExportQueue = q;
  }
  return globalForJobs.__stepwiseExportQueue;
}

export function activeJob(id: number): { stage: string } | null {
  const job = queue().jobs.get(id);
  return job ? { stage: job.stage } : null;
}

/** Parses the config, records a queued Export row and starts it when the queue is free. */
export async function startExport(input: unknown): Promise<{ id: number }> {
  const config = parseExportConfig(input);
  const missing = (await db().dataset.findMany({ where: { name: { in: config.datasets } }, select: { name: true } })).map((d) => d.name);
  const unknown = config.datasets.filter((d) => !missing.includes(d));
  if (unknown.length) throw new AppError("not_found", `unknown dataset${unknown.length > 1 ? "s" : ""} ${unknown.map((d) => `"${d}"`).join(", ")}`);
  // on the job queue a queued export has no owner until a worker claims it (it waits for one); the
  // queue must be usable before the row exists, so a queue that cannot start leaves no row behind
  if (queueEnabled()) await queueReady();
  const owner = queueEnabled() ? { ownerPid: null, ownerHost: null, heartbeatAt: null } : ownerStamp();
  const row = await db().export.create({
    data: { name: exportTitle(config), format: config.format, config: config as unknown as object, status: "queued", dataDir: dataDirId(), ...owner },
  });
  const q = queue();
  if (queueEnabled()) {
    await enqueueJob(dataDirQueue(EXPORT_QUEUE), String(row.id), { exportId: row.id }, { expireInSeconds: 23 * 60 * 60, retryLimit: 5, retryDelay: 5 });
    q.submitted.add(row.id);
    if (process.env.STEPWISE_QUEUE_LOCAL_WORKER !== "0") startLocalExportWorker();
    return { id: row.id };
  }
  q.jobs.set(row.id, { id: row.id, controller: new AbortController(), stage: "Queued" });
  markActive(exportKey(row.id));
  q.pending.push(row.id);
  if (!q.running) {
    q.running = true;
    q.idle = new Promise((resolve) => (q.resolveIdle = resolve));
    setImmediate(() => void drain());
  }
  return { id: row.id };
}

export async function cancelExport(id: number): Promise<{ cancelled: boolean }> {
  const job = queue().jobs.get(id);
  if (!job) {
    const row = await db().export.findUnique({ where: { id }, select: { status: true } });
    if (!row) throw new AppError("not_found", `export ${id} not found`);
    // still on the job queue (PostgreSQL): no worker has taken it yet
    const cancelled = await db().export.updateMany({ where: { id, status: "queued" }, data: { status: "cancelled", error: "cancelled", finishedAt: new Date() } });
    return { cancelled: cancelled.count > 0 };
  }
  job.controller.abort();
  return { cancelled: true };
}

/**
 * Waits until no export is queued or running here (for tests and graceful shutdown); on PostgreSQL,
 * until every export this process put on the job queue has finished, whichever worker ran it.
 */
export async function exportsIdle(): Promise<void> {
  const q = queue();
  await q.idle;
  while (q.submitted.size) {
    const open = await db().export.findMany({ where: { id: { in: [...q.submitted] }, status: { in: ["queued", "running"] } }, select: { id: true } });
    const still = new Set(open.map((r) => r.id));
    for (const id of q.submitted) if (!still.has(id)) q.submitted.delete(id);
    if (q.submitted.size) await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** The queue kind exports travel on (PostgreSQL), one queue per data dir (`dataDirQueue`): the export is written into it. */
export const EXPORT_QUEUE = "stepwise-export";

/**
 * Runs one queued export in this process (PostgreSQL job queue): only while its row is still
 * queued — claimed by a compare-and-swap on the status, stamped with this process as owner.
 */
async function runQueuedExport(id: number): Promise<void> {
  const claimed = await db().export.updateMany({ where: { id, status: "queued" }, data: { status: "running", ...ownerStamp() } });
  if (claimed.count === 0) return; // done, failed, cancelled, or another worker has it
  const q = queue();
  q.jobs.set(id, { id, controller: new AbortController(), stage: "Starting" });
  markActive(exportKey(id));
  await runJob(id);
}

/** Works on queued exports (PostgreSQL) until `options.signal` aborts: `stepwise worker` and the launching process. */
export async function workQueuedExports(options: WorkOptions = {}): Promise<void> {
  await workJobs<{ exportId?: number }>([dataDirQueue(EXPORT_QUEUE)], (entry) => runQueuedExport(Number(entry.data.exportId)), { concurrency: 1, ...options });
}

const localExportWorker = backgroundWorker("export worker", (signal) => workQueuedExports({ signal }));

function startLocalExportWorker(): void {
  localExportWorker.start();
}

/** Stops this process's background export worker (tests, shutdown). */
export function stopLocalExportWorker(): void {
  localExportWorker.stop();
}

async function drain(): Promise<void> {
  const q = queue();
  try {
    for (let id = q.pending.shift(); id !== undefined; id = q.pending.shift()) await runJob(id);
  } finally {
    q.running = false;
    q.resolveIdle();
  }
}

/** Finished exports live in the data dir under exports/<id> (the path stored on the row is relative). */
const EXPORTS = "exports";
const exportRelative = (id: number): string => path.join(EXPORTS, String(id));

export function exportsRoot(): string {
  return path.join(dataDir(), EXPORTS);
}

export function exportDir(id: number): string {
  return path.join(exportsRoot(), String(id));
}

async function runJob(id: number): Promise<void> {
  const q = queue();
  const job = q.jobs.get(id)!;
  const relative = exportRelative(id);
  const out = exportDir(id);
  let updates: Promise<unknown> = Promise.resolve();
  let lastWrite = 0;
  let lastFraction = -1;
  try {
    const row = await db().export.findUniqueOrThrow({ where: { id } });
    if (job.controller.signal.aborted) throw new ExportCancelled();
    await db().export.update({ where: { id }, data: { status: "running", path: relative } });
    const config = row.config as unknown as ExportConfig;
    const result = await buildExport({
      config,
      out,
      overwrite: true,
      signal: job.controller.signal,
      onProgress: (fraction, stage) => {
        // before the throttle, so a test's `export:progress@N` does not depend on the machine's speed
        crashPoint("export:progress");
        job.stage = stage;
        const now = Date.now();
        // at most ~5 writes a second, and only when the bar moves by ≥ 0.5%
        if (fraction < 1 && (now - lastWrite < 200 || fraction - lastFraction < 0.005)) return;
        lastWrite = now;
        lastFraction = fraction;
        updates = updates.then(() => db().export.update({ where: { id }, data: { progress: Math.min(fraction, 0.99), heartbeatAt: new Date() } }));
      },
    });
    await updates;
    await db().export.update({
      where: { id },
      data: {
        status: "done", progress: 1, rows: result.rows, files: result.files as unknown as object[], skipped: result.skipped as unknown as object,
        path: relative, finishedAt: new Date(), error: null,
      },
    });
  } catch (error) {
    await updates.catch(() => {});
    const cancelled = error instanceof ExportCancelled;
    if (!cancelled && !(error instanceof AppError)) console.error(error);
    fs.rmSync(out, { recursive: true, force: true });
    await db().export.update({
      where: { id },
      data: { status: cancelled ? "cancelled" : "failed", error: cancelled ? "cancelled" : (error as Error).message, finishedAt: new Date() },
    });
  } finally {
    q.jobs.delete(id);
    markInactive(exportKey(id));
  }
}
