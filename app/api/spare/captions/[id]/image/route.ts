import { handle } from "@/lib/api/handler";
import { idParams } from "@/lib/schemas/ids";
import { spareCaptionImage } from "@/lib/services/spare/spare-review";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

/** The image a caption describes, when it was found next to the caption file. */
export const GET = handle({ params: idParams }, async ({ params }) => {
  const image = await spareCaptionImage(params.id);
  return new Response(new Uint8Array(image.bytes), { headers: { "content-type": image.type, "cache-control": "private, max-age=3600", "x-content-type-options": "nosniff" } });
});
