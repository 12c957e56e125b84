import { z } from "zod";
import { queryInt } from "@/lib/schemas/ids";
import { errorResponse, handle } from "@/lib/api/handler";
import { AppError, httpStatusOf } from "@/lib/errors";
import type { ImportEvent } from "@/lib/schemas/imports";
import { startBackgroundImport, withProgress } from "@/lib/services/import/import-jobs";
import { importUpload, receiveUpload } from "@/lib/services/import/import-upload";
import { listImports } from "@/lib/services/import/imports";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

// GET: import history. POST: multipart/form-data with one or more files (data files and images)
// and the fields dataset, format, dryRun, skipInvalid, detector, imagesUrl. The body is streamed
// to disk, then imported. Three ways to answer (docs/limits.md "Big uploads"):
//   - `Prefer: respond-async` (RFC 7240): once the body is on disk and the import's history row
//     exists, 202 with `Location: /api/imports/:id/status` to poll; the import runs in the background;
//   - `Accept: application/x-ndjson`: progress events streamed, ending with a result or error event;
//   - otherwise the summary (or the error) as JSON when the import has finished.

export const GET = handle({ query: z.object({ limit: queryInt(1, 500).optional() }) }, async ({ query }) => withProgress(await listImports({ limit: query.limit })));

// Multipart, so handle() reads no body here; it still checks the caller (reviewer) and the origin.
export const POST = handle({}, async ({ request, actor }) => importPost(request, actor.via === "session" ? "upload" : "api"));

/** Whether the client asked for the asynchronous answer (`Prefer: respond-async`, any other preferences beside it). */
function prefersAsync(headers: Headers): boolean {
  return (headers.get("prefer") ?? "").split(/[,;]/).some((p) => p.trim().toLowerCase() === "respond-async");
}

async function importPost(request: Request, source: "api" | "upload"): Promise<Response> {
  if (prefersAsync(request.headers)) {
    try {
      const upload = await receiveUpload(request.headers, request.body, request.signal);
      const job = await startBackgroundImport(upload, source);
      const location = `/api/imports/${job.id}/status`;
      return Response.json(job, { status: 202, headers: { location, "preference-applied": "respond-async", "retry-after": "1" } });
    } catch (error) {
      return errorResponse(error);
    }
  }
  const streaming = (request.headers.get("accept") ?? "").includes("application/x-ndjson");
  if (!streaming) {
    try {
      const upload = await receiveUpload(request.headers, request.body, request.signal);
      const summary = await importUpload(upload, "api");
      return Response.json(summary, { status: summary.dryRun ? 200 : 201 });
    } catch (error) {
      return errorResponse(error);
    }
  }
  const encoder = new TextEncoder();
  const stream = new ReadableStream<Uint8Array>({
    async start(controller) {
      const send = (event: ImportEvent) => controller.enqueue(encoder.encode(`${JSON.stringify(event)}\n`));
      try {
        const upload = await receiveUpload(request.headers, request.body, request.signal);
        const summary = await importUpload(upload, "upload", send);
        send({ type: "result", summary });
      } catch (error) {
        if (!(error instanceof AppError)) console.error(error);
        const appError = error instanceof AppError ? error : new AppError("internal", "internal error");
        const details = appError.details.map((d) => ({ file: d.file ?? "", line: d.line ?? 0, path: d.path ?? "", error: d.error }));
        send({ type: "error", status: httpStatusOf[appError.code], error: { code: appError.code, message: appError.message, details } });
      } finally {
        controller.close();
      }
    },
  });
  // no-transform: a compressing proxy or server must not hold progress events back
  return new Response(stream, { headers: { "content-type": "application/x-ndjson; charset=utf-8", "cache-control": "no-cache, no-transform", "x-accel-buffering": "no" } });
}
