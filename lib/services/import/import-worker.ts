import { parentPort, workerData } from "node:worker_threads";
import { disconnect, shareWaitingWriters } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { relayActiveWork } from "@/lib/jobs/owner";
import { importFiles, type ImportFilesOptions, type ImportProgress, type ImportSummary } from "@/lib/services/import/imports";
import { lowerThisThreadsPriority } from "@/lib/workers/thread";

// An import thread (lib/services/import/import-thread.ts): runs one import — both passes, the
// image copies, verify on import — with its own database connection (its own better-sqlite3
// handle on the same WAL file, or its own PostgreSQL pool), then closes it and ends. Everything
// the main thread needs goes back as messages: the work it marks live (so recovery there leaves
// it alone), the history row's id, progress, and the summary or the error.

export type ImportThreadOptions = Omit<ImportFilesOptions, "onProgress" | "onStarted">;

/** An error as it crosses the thread boundary: an AppError keeps its code and details. */
export interface ThreadError {
  message: string;
  code: string | null;
  details: AppError["details"];
  stack: string | null;
}

export type FromImportThread =
  | { type: "active"; key: string; active: boolean }
  | { type: "started"; importId: number }
  | { type: "progress"; progress: ImportProgress }
  | { type: "done"; summary: ImportSummary }
  | { type: "failed"; error: ThreadError };

const port = parentPort;
if (!port) throw new Error("lib/services/import/import-worker.ts runs in a worker thread (lib/services/import/import-thread.ts starts it)");
const send = (message: FromImportThread) => port.postMessage(message);

// background work: the server's main thread gets the cores first (its requests wait for it)
lowerThisThreadsPriority();
relayActiveWork((key, active) => send({ type: "active", key, active }));
const { options, writers } = (workerData as { data: { options: ImportThreadOptions; writers: Int32Array } }).data;
// the main thread's writers waiting for SQLite's lock go before this thread's next chunk
shareWaitingWriters(writers);
try {
  const summary = await importFiles({ ...options, onStarted: (importId) => send({ type: "started", importId }), onProgress: (progress) => send({ type: "progress", progress }) });
  send({ type: "done", summary });
} catch (error) {
  const appError = error instanceof AppError ? error : null;
  send({ type: "failed", error: { message: error instanceof Error ? error.message : String(error), code: appError?.code ?? null, details: appError?.details ?? [], stack: error instanceof Error ? (error.stack ?? null) : null } });
} finally {
  await disconnect().catch(() => {});
  port.close();
}
