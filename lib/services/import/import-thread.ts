import { releaseHeld, waitingWriters, whileImportThreadRuns } from "@/lib/db";
import { env } from "@/lib/env";
import { AppError, httpStatusOf, type ErrorCode } from "@/lib/errors";
import { markActive, markInactive } from "@/lib/jobs/owner";
import { importFiles, type ImportFilesOptions, type ImportSummary } from "@/lib/services/import/imports";
import type { FromImportThread, ImportThreadOptions, ThreadError } from "@/lib/services/import/import-worker";
import { startThread, threadFiles } from "@/lib/workers/thread";

// Uploads are imported off the server's main thread (issue 15: "no request waits more than 500 ms
// for the import"): parsing, validating, hashing and the write pass's statements run in a worker
// thread with its own database connection (lib/services/import/import-worker.ts), so pages and API
// requests only share the cores with it, not the event loop. Nothing else changes: the import is
// the same `importFiles` — staged chunks stamped with its id, visible at commit, removed whole on
// failure — and its history row, progress and outcome reach the caller as before. On SQLite the
// thread writes through a second handle on the same WAL file (busy_timeout lets the server's own
// writes wait for a chunk, which lasts at most CHUNK_MS); on PostgreSQL it has its own pool.
//
// The CLI imports on its own thread (`importFiles`): it has no requests to answer.
//
// A thread that dies without answering (it cannot happen short of a bug or running out of memory)
// fails the import: what it committed is removed by recovery at once, as after a crash.

/** How long a thread that answered may take to close its connection and end before it is stopped. */
const CLOSE_GRACE_MS = 10_000;

function errorFrom(error: ThreadError): Error {
  if (error.code && Object.hasOwn(httpStatusOf, error.code)) return new AppError(error.code as ErrorCode, error.message, error.details);
  const plain = new Error(error.message);
  if (error.stack) plain.stack = error.stack;
  return plain;
}

/** `importFiles` in a worker thread (in this one when STEPWISE_IMPORT_THREAD=off, or the thread's files are not there or it cannot start). */
export async function importFilesInThread(options: ImportFilesOptions): Promise<ImportSummary> {
  if (env().STEPWISE_IMPORT_THREAD === "off") return importFiles(options);
  const files = threadFiles("lib/services/import/import-worker.ts", "import thread");
  if ("reason" in files) {
    console.error(`stepwise: importing on the server's main thread: ${files.reason}`);
    return importFiles(options);
  }
  const { onProgress, onStarted, ...plain } = options;
  const worker = startThread(files, { options: plain satisfies ImportThreadOptions, writers: waitingWriters() });
  // the thread's live work, marked here too: recovery on this thread must see it as live
  const live = new Set<string>();
  let importId: number | null = null;
  let answered = false;
  let failure: Error | null = null;
  // while it runs, its connection does the WAL checkpoints (lib/db.ts whileImportThreadRuns)
  const outcome = await whileImportThreadRuns(() => new Promise<{ summary: ImportSummary } | { error: Error } | { died: string }>((resolve) => {
    worker.on("message", (message: FromImportThread) => {
      if (message.type === "active") {
        if (message.active) {
          live.add(message.key);
          markActive(message.key);
        } else {
          live.delete(message.key);
          markInactive(message.key);
        }
      } else if (message.type === "started") {
        importId = message.importId;
        onStarted?.(message.importId);
      } else if (message.type === "progress") onProgress?.(message.progress);
      else {
        answered = true;
        resolve(message.type === "done" ? { summary: message.summary } : { error: errorFrom(message.error) });
        // the thread closes its connection and ends by itself; one that hangs is stopped
        setTimeout(() => void worker.terminate(), CLOSE_GRACE_MS).unref();
      }
    });
    worker.on("error", (error) => (failure = error));
    worker.on("exit", (code) => {
      releaseHeld();
      for (const key of live) markInactive(key);
      if (!answered) resolve({ died: failure ? (failure.stack ?? failure.message) : `exit code ${code}` });
    });
  }));
  if ("summary" in outcome) return outcome.summary;
  if ("error" in outcome) throw outcome.error;
  if (importId === null) {
    // it never started the import (tsx could not load it, say): nothing was written, import here
    console.error(`stepwise: the import thread did not start (${outcome.died}); importing on the server's main thread`);
    return importFiles(options);
  }
  console.error(`stepwise: import ${importId}'s thread stopped: ${outcome.died}`);
  // its history row is `running`, owned by this process and no longer live here: recovery removes its rows
  const { recover } = await import("@/lib/recovery/recovery");
  await recover({ fix: true }).catch((error: unknown) => console.error(`stepwise recovery: ${error instanceof Error ? error.message : String(error)}`));
  throw new AppError("internal", `import ${importId} stopped: its thread ended without finishing (${outcome.died.split("\n")[0]}); nothing of it was kept — import the files again`);
}
