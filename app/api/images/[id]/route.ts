import fs from "node:fs";
import { Readable } from "node:stream";
import { z } from "zod";
import { positiveId } from "@/lib/schemas/ids";
import { handle } from "@/lib/api/handler";
import { isHttpUrl } from "@/lib/formats/untrusted";
import { AppError } from "@/lib/errors";
import { resolveStoredImage } from "@/lib/services/import/image-store";
import { getImageFile } from "@/lib/services/traces/traces";

export const dynamic = "force-dynamic";

// Serves stored image files by id. The path comes from the database and is resolved inside the
// data dir's images/ folder only; URL-referenced images redirect to their URL.
export const GET = handle({ params: z.object({ id: positiveId }) }, async ({ params }) => {
  const image = await getImageFile(params.id);
  if (!image) throw new AppError("not_found", `image ${params.id} not found`);
  if (!image.path && image.url) {
    // only ever to http(s): rows written before imports refused other schemes may hold javascript: or file:
    if (!isHttpUrl(image.url)) throw new AppError("not_found", `image ${params.id} has no http(s) URL to redirect to`);
    return Response.redirect(image.url, 302);
  }
  const file = image.path ? resolveStoredImage(image.path) : null;
  if (!file) throw new AppError("not_found", `image ${params.id} has no stored file`);
  // Streamed: a large image never sits whole in the server's memory. Content-addressed files never
  // change, so browsers may cache them for good.
  return new Response(Readable.toWeb(fs.createReadStream(file)) as ReadableStream, {
    headers: {
      "content-type": image.mime ?? "application/octet-stream",
      "content-length": String(fs.statSync(file).size),
      "cache-control": "public, max-age=31536000, immutable",
    },
  });
});
