import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import type { Readable } from "node:stream";
import { Busboy } from "@fastify/busboy";
import { dataDir } from "@/lib/env";
import { AppError, parseOrInvalid } from "@/lib/errors";
import { isFormatName } from "@/lib/formats/read";
import { formatBytes, LIMITS } from "@/lib/schemas/limits";
import { IMAGE_FILE, importFields, type ImportEvent, type ImportFields } from "@/lib/schemas/imports";
import { recordAbandonedUpload, type ImportSummary } from "@/lib/services/import/imports";
import { importFilesInThread } from "@/lib/services/import/import-thread";
import { crashPoint } from "@/lib/jobs/crash-point";
import { markActive, markInactive, ownerStamp } from "@/lib/jobs/owner";
import { UPLOAD_OWNER_FILE, uploadKey, UPLOADS } from "@/lib/services/import/upload-folders";

// Browser and API uploads: the multipart body is streamed part by part to files in a private
// temporary folder (never held in memory), then imported from there like CLI files. Image parts
// land in the same folder, which becomes the images directory for the import; the folder is
// removed afterwards (images are by then copied into the content-addressed store).

const MAX_FILE_BYTES = LIMITS.uploadFileBytes;
const MAX_FILES = LIMITS.uploadFiles;
const MAX_TOTAL_BYTES = LIMITS.uploadTotalBytes;

function removeUpload(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
  markInactive(uploadKey(dir));
}

export interface ReceivedUpload {
  dir: string;
  files: Array<{ name: string; path: string; bytes: number }>;
  images: number;
  fields: ImportFields;
}

function safeName(name: string, taken: Set<string>): string {
  const base = path.basename(name.replace(/\\/g, "/")).replace(/[^\w.\-+ ()]/g, "_").replace(/^\.+/, "_").slice(0, 180) || "upload";
  let candidate = base;
  for (let n = 2; taken.has(candidate.toLowerCase()); n++) candidate = base.replace(/(\.[^.]*)?$/, (ext) => `-${n}${ext ?? ""}`);
  taken.add(candidate.toLowerCase());
  return candidate;
}

/**
 * Streams a multipart/form-data body (fields + files) into a fresh folder under the data dir.
 * `signal` is the request's: when the client goes away before the body ends (Next.js aborts the
 * request's signal when the connection closes), the folder is removed at once and a failed
 * history row says how far the upload got — a body stream may never end by itself then.
 */
export async function receiveUpload(headers: Headers, body: ReadableStream<Uint8Array> | null, signal?: AbortSignal): Promise<ReceivedUpload> {
  const contentType = headers.get("content-type") ?? "";
  if (!contentType.startsWith("multipart/form-data")) {
    throw new AppError("invalid_input", "expected multipart/form-data with the files to import and a dataset field", [{ path: "content-type", error: `expected multipart/form-data, found ${contentType || "nothing"}` }]);
  }
  if (!/;\s*boundary=("[^"]+"|[^;\s]+)/i.test(contentType)) {
    throw new AppError("invalid_input", "multipart/form-data without a boundary parameter", [{ path: "content-type", error: "expected multipart/form-data; boundary=…" }]);
  }
  if (!body) throw new AppError("invalid_input", "the request has no body");
  const declared = Number(headers.get("content-length") ?? Number.NaN);
  if (declared > MAX_TOTAL_BYTES) {
    await body.cancel().catch(() => {});
    throw new AppError("too_large", `the upload is larger than the limit of ${formatBytes(MAX_TOTAL_BYTES)} for all files together`, [{ path: "files", error: `at most ${formatBytes(MAX_TOTAL_BYTES)} in total` }]);
  }
  const id = crypto.randomUUID();
  const dir = path.join(dataDir(), UPLOADS, id);
  fs.mkdirSync(dir, { recursive: true });
  markActive(uploadKey(dir));
  // who is receiving: crash recovery (lib/recovery) removes the folder once this process is gone
  fs.writeFileSync(path.join(dir, UPLOAD_OWNER_FILE), JSON.stringify(ownerStamp()));
  const raw: Record<string, string> = {};
  const files: ReceivedUpload["files"] = [];
  const taken = new Set<string>();
  let images = 0;
  const writes: Promise<void>[] = [];
  let totalBytes = 0;
  const streams: Readable[] = [];
  let reader: ReadableStreamDefaultReader<Uint8Array> | null = null;
  let current = "";
  let abandoned: AppError | null = null;
  let onAbort: (() => void) | null = null;
  const gone = () => new AppError("invalid_input", `upload abandoned: the client went away after ${formatBytes(totalBytes)}${current ? ` (while sending ${current})` : ""}; nothing was imported`);
  // How the body is read decides how fast it arrives on a busy server: every step that waits for
  // the event loop (a piped stream's backpressure, an fs.WriteStream's write callback from the
  // thread pool) costs a turn of the loop per chunk, and a turn lasts as long as the page renders
  // and queries queued beside it — at 20 concurrent page requests a piped upload crawled at
  // ~0.3 MB/s and a 69 MB upload hit Node's 300 s requestTimeout (408; bench/README.md "load").
  // So the body is pulled with a reader, fed to the parser directly, and each file chunk is
  // written with fs.writeSync (a page-cache copy, tens of microseconds for 64 KB): no step waits
  // for a turn except the socket itself.
  try {
    await new Promise<void>((resolve, reject) => {
      let failed = false;
      const fail = (error: unknown) => {
        if (failed) return;
        failed = true;
        for (const stream of streams) stream.destroy();
        void reader?.cancel().catch(() => {});
        reject(error);
      };
      onAbort = () => {
        abandoned = gone();
        fail(abandoned);
      };
      if (signal?.aborted) return onAbort();
      signal?.addEventListener("abort", onAbort, { once: true });
      const parser = Busboy({ headers: { "content-type": contentType }, limits: { fileSize: MAX_FILE_BYTES, files: MAX_FILES, fields: 50, fieldSize: 64 * 1024 } });
      parser.on("field", (name, value) => (raw[name] = value));
      parser.on("file", (_field, stream, filename) => {
        const name = safeName(filename || "upload", taken);
        streams.push(stream);
        current = name;
        const target = path.join(dir, name);
        const entry = { name, path: target, bytes: 0 };
        if (IMAGE_FILE.test(name)) images++;
        else files.push(entry);
        const fd = fs.openSync(target, "w");
        let closed = false;
        const close = () => {
          if (!closed) fs.closeSync(fd);
          closed = true;
        };
        const written = new Promise<void>((resolveFile, rejectFile) => {
          stream.on("data", (chunk: Buffer) => {
            if (closed) return;
            entry.bytes += chunk.length;
            totalBytes += chunk.length;
            if (totalBytes > MAX_TOTAL_BYTES) {
              close();
              const error = new AppError("too_large", `the upload is larger than the limit of ${formatBytes(MAX_TOTAL_BYTES)} for all files together (at ${name})`, [{ path: "files", error: `at most ${formatBytes(MAX_TOTAL_BYTES)} in total` }]);
              rejectFile(error);
              fail(error);
              return;
            }
            try {
              for (let at = 0; at < chunk.length; ) at += fs.writeSync(fd, chunk, at);
            } catch (error) {
              close();
              rejectFile(error);
              fail(error);
            }
          });
          stream.on("end", () => {
            close();
            if (stream.truncated) rejectFile(new AppError("too_large", `${name}: larger than the limit of ${formatBytes(MAX_FILE_BYTES)} per uploaded file`, [{ file: name, path: "files", error: `at most ${formatBytes(MAX_FILE_BYTES)}` }]));
            else resolveFile();
          });
          stream.on("error", (error) => {
            close();
            rejectFile(error);
          });
          // destroyed (the client went away, another part failed): settled, so nothing waits on it forever
          stream.on("close", () => {
            close();
            rejectFile(new AppError("invalid_input", `${name}: the upload stopped before this file ended`));
          });
        });
        written.catch(() => {}); // awaited below; handled here so an early failure is no unhandled rejection
        writes.push(written);
      });
      parser.on("filesLimit", () => fail(new AppError("too_large", `more than the limit of ${MAX_FILES} files in one upload`, [{ path: "files", error: `at most ${MAX_FILES} files` }])));
      parser.on("error", (error) => fail(new AppError("invalid_input", `malformed multipart body: ${(error as Error).message}`)));
      parser.on("finish", () => resolve());
      reader = body.getReader();
      void (async () => {
        for (;;) {
          const { done, value } = await reader!.read();
          if (done || failed) break;
          if (!parser.write(value)) await new Promise((drained) => parser.once("drain", drained));
        }
        if (!failed) parser.end();
      })().catch(fail);
    });
    if (onAbort) signal?.removeEventListener("abort", onAbort);
    await Promise.all(writes);
    const fields = parseOrInvalid(importFields, raw, (path) => path || "fields");
    if (fields.format && !isFormatName(fields.format)) {
      throw new AppError("invalid_input", `unknown format "${fields.format}"`, [{ path: "format", error: `unknown format "${fields.format}"` }]);
    }
    if (!files.length) throw new AppError("invalid_input", "no data file in the upload (only images)", [{ path: "files", error: "expected at least one data file" }]);
    crashPoint("upload:received");
    return { dir, files, images, fields };
  } catch (error) {
    if (onAbort) signal?.removeEventListener("abort", onAbort);
    await Promise.allSettled(writes);
    removeUpload(dir);
    // the client is gone and will not read the answer: the history says what happened
    // (the body stream may break before the request's signal fires: a stream error is the same)
    const lost: AppError | null = abandoned ?? (signal?.aborted || !(error instanceof AppError) ? gone() : null);
    if (lost) await recordAbandonedUpload(raw.dataset ?? "", files.map((f) => ({ file: f.name, format: "upload", bytes: f.bytes })), lost.message);
    throw error;
  }
}

/**
 * Imports a received upload in a worker thread (import-thread.ts) and removes its folder; progress
 * goes to `onEvent`, the history row's id to `onStarted`.
 */
export async function importUpload(upload: ReceivedUpload, source: "api" | "upload", onEvent?: (event: ImportEvent) => void, onStarted?: (importId: number) => void): Promise<ImportSummary> {
  const { fields } = upload;
  try {
    onEvent?.({ type: "received", files: upload.files.map((f) => ({ name: f.name, bytes: f.bytes })), images: upload.images });
    return await importFilesInThread({
      files: upload.files.map((f) => f.path),
      displayNames: upload.files.map((f) => f.name),
      dataset: fields.dataset,
      format: fields.format && isFormatName(fields.format) ? fields.format : undefined,
      dryRun: fields.dryRun,
      skipInvalid: fields.skipInvalid,
      verify: fields.verify,
      detector: fields.detector,
      license: fields.license,
      attribution: fields.attribution,
      images: [upload.dir, ...(fields.imagesUrl ? [fields.imagesUrl] : [])],
      uploadDir: path.relative(dataDir(), upload.dir),
      source,
      imagesLabel: `the uploaded images${fields.imagesUrl ? ` or ${fields.imagesUrl}` : ""}`,
      onStarted,
      onProgress: (p) => {
        if (p.phase !== "done") onEvent?.({ type: "progress", phase: p.phase, file: p.file, bytes: p.bytes, totalBytes: p.totalBytes, records: p.records });
      },
    });
  } finally {
    removeUpload(upload.dir);
  }
}
