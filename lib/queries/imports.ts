import { queryOptions } from "@tanstack/react-query";
import { fetchJson } from "@/lib/queries/fetch-json";
import type { ImportContentsDto, ImportEvent, ImportHistoryItem } from "@/lib/schemas/imports";

export const importKeys = {
  all: ["imports"] as const,
  history: () => [...importKeys.all, "history"] as const,
  contents: (id: number) => [...importKeys.all, "contents", id] as const,
};

export const importQueries = {
  history: () => queryOptions({ queryKey: importKeys.history(), queryFn: () => fetchJson<ImportHistoryItem[]>("/api/imports?limit=50") }),
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
  /** Each server event as it arrives (the response is NDJSON). */
  onEvent: (event: ImportEvent) => void;
}

/**
 * POST /api/imports with XMLHttpRequest rather than fetch: fetch reports no upload progress.
 * Resolves with the final result or error event; rejects only when the request itself fails.
 */
export function uploadImport(form: FormData, callbacks: UploadCallbacks): { done: Promise<ImportEvent>; abort: () => void } {
  const xhr = new XMLHttpRequest();
  let seen = 0;
  let last: ImportEvent | null = null;
  const drain = () => {
    const text = xhr.responseText;
    let newline = text.indexOf("\n", seen);
    while (newline !== -1) {
      const line = text.slice(seen, newline).trim();
      seen = newline + 1;
      if (line) {
        last = JSON.parse(line) as ImportEvent;
        callbacks.onEvent(last);
      }
      newline = text.indexOf("\n", seen);
    }
  };
  const done = new Promise<ImportEvent>((resolve, reject) => {
    xhr.upload.onprogress = (e) => callbacks.onUpload(e.loaded, e.lengthComputable ? e.total : e.loaded);
    xhr.upload.onload = () => callbacks.onUpload(1, 1);
    xhr.onprogress = drain;
    xhr.onload = () => {
      drain();
      if (last && (last.type === "result" || last.type === "error")) resolve(last);
      else if (xhr.status >= 400) {
        const body = (() => {
          try {
            return JSON.parse(xhr.responseText);
          } catch {
            return null;
          }
        })();
        resolve({ type: "error", status: xhr.status, error: { code: body?.error?.code ?? "internal", message: body?.error?.message ?? `${xhr.status} ${xhr.statusText}`, details: body?.error?.details ?? [] } });
      } else reject(new Error("the server closed the response before the import finished"));
    };
    xhr.onerror = () => reject(new Error("the upload failed (network error)"));
    xhr.onabort = () => reject(new Error("the upload was cancelled"));
  });
  xhr.open("POST", "/api/imports");
  xhr.setRequestHeader("accept", "application/x-ndjson");
  xhr.send(form);
  return { done, abort: () => xhr.abort() };
}
