import { queryOptions } from "@tanstack/react-query";
import { fetchJson } from "@/lib/queries/fetch-json";
import type { ImportContentsDto, ImportEvent, ImportHistoryItem, ImportJobDto, ImportSummaryDto } from "@/lib/schemas/imports";

export const importKeys = {
  all: ["imports"] as const,
  history: () => [...importKeys.all, "history"] as const,
  contents: (id: number) => [...importKeys.all, "contents", id] as const,
};

export const importQueries = {
  /** Polled every second while an import runs (its row shows a progress bar). */
  history: () =>
    queryOptions({
      queryKey: importKeys.history(),
      queryFn: () => fetchJson<ImportHistoryItem[]>("/api/imports?limit=50"),
      refetchInterval: (query) => (query.state.data?.some((item) => item.status === "running") ? 1000 : false),
    }),
  /** What deleting the import removes (and keeps), for the confirmation. */
  contents: (id: number) => queryOptions({ queryKey: importKeys.contents(id), queryFn: () => fetchJson<ImportContentsDto>(`/api/imports/${id}`) }),
};

/** Deletes what the import created; the id is the confirmation the API asks for. */
export function deleteImportRequest(id: number): Promise<ImportContentsDto & { deleted: true }> {
  return fetchJson(`/api/imports/${id}?confirm=${id}`, { method: "DELETE" });
}

export interface UploadCallbacks {
  /** Bytes of the request body sent so far (XHR upload progress). */
  onUpload: (loaded: number, total: number) => void;
  /** Each server event as the import moves on (from the status the client polls). */
  onEvent: (event: ImportEvent) => void;
}

const POLL_MS = 500;

/** The events a status poll adds to what was seen: each phase passed since, then the result or error when it ended. */
export function eventsFromStatus(job: ImportJobDto, seen: Set<string>): ImportEvent[] {
  const events: ImportEvent[] = [];
  for (const phase of job.phases) {
    if (seen.has(phase)) continue;
    seen.add(phase);
    if (phase !== job.progress?.phase) events.push({ type: "progress", phase, file: "", bytes: 1, totalBytes: 1, records: 0 });
  }
  const p = job.progress;
  if (p && p.phase !== "received") events.push({ type: "progress", phase: p.phase, file: p.file, bytes: p.bytes, totalBytes: p.totalBytes, records: p.records });
  if (job.summary) events.push({ type: "result", summary: job.summary });
  else if (job.failure) events.push({ type: "error", status: job.failure.status, error: { code: job.failure.code, message: job.failure.message, details: job.failure.details } });
  else if (job.status !== "running")
    // finished in another process or before a restart: the history row is all there is
    events.push({ type: "error", status: 500, error: { code: "internal", message: job.error ?? `the import ended (${job.status}) without a summary; see the history`, details: [] } });
  return events;
}

/**
 * POST /api/imports with XMLHttpRequest rather than fetch (fetch reports no upload progress), as a
 * background import (`Prefer: respond-async`, docs/limits.md "Big uploads"): the server answers 202
 * once the files are on its disk, then this polls the import's status until it ends. Resolves with
 * the final result or error event; rejects only when the request itself fails or is cancelled.
 * Cancelling after the 202 stops watching; the import goes on (its history row shows it).
 */
export function uploadImport(form: FormData, callbacks: UploadCallbacks): { done: Promise<ImportEvent>; abort: () => void } {
  const xhr = new XMLHttpRequest();
  let cancelled = false;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let stopWatching: (() => void) | null = null;
  const done = new Promise<ImportEvent>((resolve, reject) => {
    const seen = new Set<string>();
    stopWatching = () => reject(new Error("stopped watching; the import goes on in the background (see the history)"));
    const watch = async (location: string) => {
      if (cancelled) return;
      let job: ImportJobDto;
      try {
        job = await fetchJson<ImportJobDto>(location);
      } catch (error) {
        return reject(error);
      }
      let last: ImportEvent | null = null;
      for (const event of eventsFromStatus(job, seen)) callbacks.onEvent((last = event));
      if (last && (last.type === "result" || last.type === "error")) return resolve(last);
      timer = setTimeout(() => void watch(location), POLL_MS);
    };
    xhr.upload.onprogress = (e) => callbacks.onUpload(e.loaded, e.lengthComputable ? e.total : e.loaded);
    xhr.upload.onload = () => callbacks.onUpload(1, 1);
    xhr.onload = () => {
      const body = (() => {
        try {
          return JSON.parse(xhr.responseText);
        } catch {
          return null;
        }
      })();
      if (xhr.status === 202 && body) {
        const job = body as ImportJobDto;
        callbacks.onEvent({ type: "received", files: job.files.map((f) => ({ name: f.file, bytes: f.bytes })), images: 0 });
        void watch(xhr.getResponseHeader("location") ?? `/api/imports/${job.id}/status`);
      } else if (xhr.status < 300 && body) resolve({ type: "result", summary: body as ImportSummaryDto });
      else resolve({ type: "error", status: xhr.status, error: { code: body?.error?.code ?? "internal", message: body?.error?.message ?? `${xhr.status} ${xhr.statusText}`, details: body?.error?.details ?? [] } });
    };
    xhr.onerror = () => reject(new Error("the upload failed (network error)"));
    xhr.onabort = () => reject(new Error("the upload was cancelled"));
  });
  xhr.open("POST", "/api/imports");
  xhr.setRequestHeader("prefer", "respond-async");
  xhr.send(form);
  return {
    done,
    abort: () => {
      cancelled = true;
      if (timer) clearTimeout(timer);
      if (xhr.readyState !== XMLHttpRequest.DONE) xhr.abort();
      else stopWatching?.();
    },
  };
}
