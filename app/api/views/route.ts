import { handle } from "@/lib/api/handler";
import { savedViewBody } from "@/lib/schemas/saved-views";
import { createSavedView, listSavedViews } from "@/lib/services/traces/saved-views";

export const dynamic = "force-dynamic";

// Your saved views of the trace list (docs/design.md §6 "Saved views"). Personal settings, not data:
// a viewer may keep views too.
export const GET = handle({}, ({ actor }) => listSavedViews(actor.name));

export const POST = handle({ body: savedViewBody }, ({ body, actor }) => createSavedView(body, actor.name), { status: 201, access: "viewer" });
