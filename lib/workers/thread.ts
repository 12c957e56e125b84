import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";

// TypeScript worker threads (docs/design.md §14): a thread starts from lib/workers/boot.mjs (plain
// JavaScript that registers tsx, then imports the TypeScript entry), found next to this file or, in
// the built Next.js server where this file is bundled, under <cwd>/lib/workers. The entry is named
// relative to the project root ("lib/verifier/parallel-worker.ts") and found the same way. Used by
// the verification pool (lib/verifier/parallel.ts) and the import thread
// (lib/services/import/import-thread.ts).

export interface ThreadFiles {
  boot: string;
  entry: string;
}

/** The project root as seen from this file, or null when bundled (import.meta.url is no file URL then). */
function sourceRoot(): string | null {
  try {
    return path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
  } catch {
    return null;
  }
}

/** Where the boot file and `entry` (relative to the project root) are, or why they are not; `what` names the thread in the reason. */
export function threadFiles(entry: string, what: string): ThreadFiles | { reason: string } {
  const roots = [sourceRoot(), /* not a bundled file: the bundler must neither follow nor trace it */ path.join(/* turbopackIgnore: true */ process.cwd())].filter((r): r is string => r !== null);
  for (const root of roots) {
    const files = { boot: path.join(root, "lib", "workers", "boot.mjs"), entry: path.join(root, entry) };
    if (fs.existsSync(files.boot) && fs.existsSync(files.entry)) return files;
  }
  return { reason: `the ${what}'s entry (lib/workers/boot.mjs and ${entry}) is not under ${roots.join(" or ")}` };
}

/** Starts a thread on `files` with `data` (structured-cloned) as its workerData.data. */
export function startThread(files: ThreadFiles, data?: unknown): Worker {
  // Reflect.construct, not `new Worker(path)`: Turbopack takes that expression for a worker entry
  // to bundle, and with a computed path tries every file of the project (the build fails)
  return Reflect.construct(Worker, [files.boot, { workerData: { entry: pathToFileURL(files.entry).href, data } }]);
}

/**
 * Called in a worker thread doing background work (an import): lowers this thread's scheduling
 * priority (nice `nice`) so that, on a busy machine, the server's main thread — which every request
 * waits for — gets the cores first, and the background work the rest. Linux only (a thread's id
 * from /proc/thread-self; niceness is per thread there); elsewhere, or when refused, nothing.
 */
export function lowerThisThreadsPriority(nice = 10): boolean {
  try {
    const tid = Number(path.basename(fs.readlinkSync("/proc/thread-self")));
    if (!Number.isInteger(tid) || tid <= 0) return false;
    os.setPriority(tid, nice);
    return true;
  } catch {
    return false;
  }
}
