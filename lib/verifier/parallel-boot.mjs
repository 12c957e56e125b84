// Entry of a verification thread (lib/verifier/parallel.ts, docs/design.md §14). Plain JavaScript
// so it loads the same way under tsx (the CLI), vitest and the built Next.js server: it registers
// tsx's loader in this thread, then imports the TypeScript worker named in workerData.
import { workerData } from "node:worker_threads";
import { register } from "tsx/esm/api";

register();
await import(workerData.entry);
