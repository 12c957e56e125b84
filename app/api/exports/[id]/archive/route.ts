import { Readable } from "node:stream";
import { handle } from "@/lib/api/handler";
import { idParams } from "@/lib/schemas/ids";
import { exportArchive } from "@/lib/services/export/exports";

export const dynamic = "force-dynamic";

// The finished export as one deterministic tar.gz (card, manifest, shards, images), streamed.
export const GET = handle({ params: idParams }, async ({ params }) => {
  const archive = await exportArchive(params.id);
  return new Response(Readable.toWeb(archive.stream) as ReadableStream, {
    headers: {
      "content-type": "application/gzip",
      "content-disposition": `attachment; filename="${archive.name}"`,
      "cache-control": "no-store",
    },
  });
});
