import { handle } from "@/lib/api/handler";
import { bulkApplyBody } from "@/lib/schemas/bulk";
import { applyBulk, listBulkActions } from "@/lib/services/review/bulk";

export const dynamic = "force-dynamic";

// Bulk review actions on the trace list's filter (docs/design.md §6 "Bulk actions"): apply as one
// undoable action (undo: POST /api/reviews/undo {"bulk": id}); GET lists your recent ones.
export const GET = handle({}, ({ actor }) => listBulkActions({ user: actor.name }));

export const POST = handle({ body: bulkApplyBody }, ({ body, actor }) => applyBulk(body, { user: actor.name }), { access: "reviewer" });
