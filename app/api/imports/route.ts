import { z } from "zod";
import { queryInt } from "@/lib/schemas/ids";
import { errorResponse, handle } from "@/lib/api/handler";
import { AppError, httpStatusOf } from "@/lib/errors";
import type { ImportEvent } from "@/lib/schemas/imports";
import { importUpload, receiveUpload } from "@/lib/services/import/import-upload";
import { listImports } from "@/lib/services/import/imports";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

// GET: import history. POST: multipart/form-data with one or more files (data files and images)
// and the fields dataset, format, dryRun, skipInvalid, detector, imagesUrl. The body is streamed
// to disk, then imported. With `Accept: application/x-ndjson` the response streams progress
// events and ends with a result or error event; otherwise it is the summary (or the error) as JSON.

export const GET = handle({ query: z.object({ limit: queryInt(1, 500).optional() }) }, async ({ query }) => listImports({ limit: query.limit }));

// Multipart, so handle() reads no body here; it still checks the caller (reviewer) and the origin.
export const POST = handle({}, async ({ request }) => importPost(request));

async function importPost(request: Request): Promise<Response> {
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
