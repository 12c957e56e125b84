import { handle } from "@/lib/api/handler";
import { idParams } from "@/lib/schemas/ids";
import { regenerateBody } from "@/lib/schemas/regenerate";
import { regenerateFrom } from "@/lib/services/review/regenerate";

export const dynamic = "force-dynamic";

/** Re-generate from here: `{"afterStep": 6, "expectedVersion": 3, "teacher": {"kind": "configured"}}` — the old continuation is kept as a branch. A client that leaves stops the teacher's loop; nothing is written then. */
export const POST = handle({ params: idParams, body: regenerateBody }, ({ params, body, actor, request }) => regenerateFrom(params.id, { ...body, user: actor.name }, { signal: request.signal }));
