import { handle } from "@/lib/api/handler";
import { bulkPreviewBody } from "@/lib/schemas/bulk";
import { previewBulk } from "@/lib/services/review/bulk";

export const dynamic = "force-dynamic";

// What a bulk action would write, counted per the review policy's slots; writes nothing. A reviewer's
// preview (it counts that reviewer's own labels), so it needs the role apply needs.
export const POST = handle({ body: bulkPreviewBody }, ({ body, actor }) => previewBulk(body, { user: actor.name }), { access: "reviewer" });
