import { AppError, httpStatusOf } from "@/lib/errors";
import type { ImportEvent, ImportHistoryItem, ImportJobDto, ImportProgressDto, ImportSummaryDto } from "@/lib/schemas/imports";
import { importUpload, type ReceivedUpload } from "@/lib/services/import/import-upload";
import { getImportHistory } from "@/lib/services/import/imports";

// Background uploads (docs/limits.md "Big uploads"): `POST /api/imports` with `Prefer: respond-async`
// receives the body to disk, starts the import here and answers 202 as soon as the import's history
// row exists; the client polls GET /api/imports/:id/status (and the import page's history shows the
// progress bar). The live progress and the final summary or error live in this process's memory (on
// globalThis, like export jobs); the history row stays the durable record — after a restart, or for
// an import another process runs, the status is what the row says.

/** How long a finished job's summary stays pollable, and how many are kept. */
const KEEP_FINISHED_MS = 60 * 60_000;
const KEEP_FINISHED = 200;

interface Job {
  id: number;
  progress: ImportProgressDto | null;
  phases: ImportJobDto["phases"];
  /** Records the write pass will write (its first event), for its share of the bar. */
  toWrite: number;
  summary: ImportSummaryDto | null;
  failure: ImportJobDto["failure"];
  finishedAt: number | null;
  /** Settles when the import ended (tests and shutdown wait on it); never rejects. */
  done: Promise<void>;
}

const globalForImports = globalThis as unknown as { __stepwiseImportJobs?: Map<number, Job> };

function jobs(): Map<number, Job> {
  globalForImports.__stepwiseImportJobs ??= new Map();
  return globalForImports.__stepwiseImportJobs;
}

/** Each phase's share of the whole bar: checking reads every byte, writing commits, verifying runs the rules. */
const SPAN: Record<ImportProgressDto["phase"], [number, number]> = { received: [0, 0], validate: [0, 0.45], write: [0.45, 0.85], verify: [0.85, 1] };

/** The progress an event says; the write pass reports records written of `toWrite` (it has no bytes to count). */
export function progressOf(event: Extract<ImportEvent, { type: "progress" | "received" }>, toWrite = 0): ImportProgressDto {
  if (event.type === "received") {
    const bytes = event.files.reduce((sum, f) => sum + f.bytes, 0);
    return { phase: "received", file: event.files[0]?.name ?? "", bytes, totalBytes: bytes, records: 0, fraction: 0 };
  }
  const [from, to] = SPAN[event.phase];
  const [done, total] = event.phase === "write" ? [event.records, toWrite] : [event.bytes, event.totalBytes];
  const within = total > 0 ? Math.min(1, done / total) : 0;
  // the write pass counts records (written of toWrite) where the other phases count bytes
  const [bytes, totalBytes] = event.phase === "write" ? [done, total] : [event.bytes, event.totalBytes];
  return { phase: event.phase, file: event.file, bytes, totalBytes, records: event.records, fraction: from + (to - from) * within };
}

export function failureOf(error: unknown): NonNullable<ImportJobDto["failure"]> {
  const appError = error instanceof AppError ? error : new AppError("internal", "internal error");
  return {
    status: httpStatusOf[appError.code],
    code: appError.code,
    message: appError.message,
    details: appError.details.map((d) => ({ file: d.file ?? "", line: d.line ?? 0, path: d.path ?? "", error: d.error })),
  };
}

function prune(now: number): void {
  const finished = [...jobs().values()].filter((j) => j.finishedAt !== null).sort((a, b) => a.finishedAt! - b.finishedAt!);
  for (const [i, job] of finished.entries()) if (now - job.finishedAt! > KEEP_FINISHED_MS || finished.length - i > KEEP_FINISHED) jobs().delete(job.id);
}

/**
 * Starts importing a received upload in the background. Resolves with the job's status once its
 * history row exists (the 202's body); rejects with the error when the import fails before that
 * (e.g. an undetectable format), exactly as the synchronous request would.
 */
export async function startBackgroundImport(upload: ReceivedUpload, source: "api" | "upload"): Promise<ImportJobDto> {
  let job: Job | null = null;
  let settle: () => void = () => {};
  let started!: (id: number) => void;
  const startedId = new Promise<number>((resolve) => (started = resolve));
  const onEvent = (event: ImportEvent) => {
    if (!job || (event.type !== "progress" && event.type !== "received")) return;
    if (event.type === "progress" && job.phases.at(-1) !== event.phase) {
      job.phases.push(event.phase);
      if (event.phase === "write") job.toWrite = event.records;
    }
    job.progress = progressOf(event, job.toWrite);
  };
  const run = importUpload(upload, source, onEvent, (id) => {
    job = { id, progress: null, phases: [], toWrite: 0, summary: null, failure: null, finishedAt: null, done: new Promise<void>((resolve) => (settle = resolve)) };
    prune(Date.now());
    jobs().set(id, job);
    started(id);
  });
  void run
    .then(
      (summary) => job && Object.assign(job, { summary, progress: null, finishedAt: Date.now() }),
      (error: unknown) => {
        if (!job) return; // the caller answers with this error
        if (!(error instanceof AppError)) console.error(error);
        Object.assign(job, { failure: failureOf(error), progress: null, finishedAt: Date.now() });
      },
    )
    .finally(() => settle());
  // an import that fails before its history row exists rejects here: the caller answers with the error
  const id = await Promise.race([startedId, run.then(() => startedId)]);
  return importJobStatus(id);
}

/** The status of import `id`: the live job when this process runs (or just ran) it, else its history row. */
export async function importJobStatus(id: number): Promise<ImportJobDto> {
  const history = await getImportHistory(id);
  if (!history) throw new AppError("not_found", `import ${id} not found`);
  const job = jobs().get(id);
  // the row says done once the write pass committed; verify on import may still be running
  if (job && job.finishedAt === null) history.status = "running";
  return { ...history, progress: job?.progress ?? null, phases: job?.phases ?? [], summary: job?.summary ?? null, failure: job?.failure ?? null };
}

/** History rows with the live progress of the imports running here (the import page's bars). */
export function withProgress(items: ImportHistoryItem[]): ImportHistoryItem[] {
  return items.map((item) => {
    const job = jobs().get(item.id);
    if (job && job.finishedAt === null) return { ...item, status: "running", progress: job.progress };
    return item.status === "running" ? { ...item, progress: null } : item;
  });
}

/** Resolves once every background import of this process has ended (tests). */
export async function backgroundImportsIdle(): Promise<void> {
  await Promise.all([...jobs().values()].map((j) => j.done));
}
