import fs from "node:fs";
import path from "node:path";
import { db } from "@/lib/db";
import { dataDir } from "@/lib/env";
import { AppError } from "@/lib/errors";
import type { ExportConfig } from "@/lib/schemas/exports";
import { buildExport, ExportCancelled, exportTitle, parseExportConfig } from "@/lib/services/export/export-build";
import { crashPoint } from "@/lib/jobs/crash-point";
import { markActive, markInactive, ownerStamp } from "@/lib/jobs/owner";

/** The key of an export in this process's registry of live work (lib/jobs/owner.ts). */
export const exportKey = (id: number): string => `export:${id}`;

// Background export jobs inside the server process: an Export row per job (status, progress,
// rows, files, skipped, path, error) that the UI polls, and a FIFO queue running one export at a
// time (the machine has two cores; the export yields to the event loop between pages, so the app
// stays responsive). Live stage text and the cancel handle live in memory, on globalThis so
// dev-server reloads keep them; rows left running by a dead process are marked failed on read.

interface Job {
  id: number;
  controller: AbortController;
  stage: string;
}

interface Queue {
  jobs: Map<number, Job>;
  pending: number[];
  running: boolean;
  /** Resolves when the queue is idle (tests and the CLI wait on it). */
  idle: Promise<void>;
  resolveIdle: () => void;
}

const globalForJobs = globalThis as unknown as { __stepwiseExportQueue?: Queue };

function queue(): Queue {
  if (!globalForJobs.__stepwiseExportQueue) {
    const q: Queue = { jobs: new Map(), pending: [], running: false, idle: Promise.resolve(), resolveIdle: () => {} };
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
  const row = await db().export.create({
    data: { name: exportTitle(config), format: config.format, config: config as unknown as object, status: "queued", ...ownerStamp() },
  });
  const q = queue();
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
    return { cancelled: false };
  }
  job.controller.abort();
  return { cancelled: true };
}

/** Waits until no export is queued or running (for tests and graceful shutdown). */
export function exportsIdle(): Promise<void> {
  return queue().idle;
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
