// Entry of every TypeScript worker thread (lib/workers/thread.ts): verification threads
// (lib/verifier/parallel.ts), import threads (lib/services/import/import-thread.ts). Plain
// JavaScript so it loads the same way under tsx (the CLI), vitest and the built Next.js server: it
// registers tsx's loader in this thread, then imports the TypeScript entry named in workerData.
import { workerData } from "node:worker_threads";
import { register } from "tsx/esm/api";

register();
await import(workerData.entry);
