import { handle } from "@/lib/api/handler";
import { idParams } from "@/lib/schemas/ids";
import { savedViewPatch } from "@/lib/schemas/saved-views";
import { deleteSavedView, updateSavedView } from "@/lib/services/traces/saved-views";

export const dynamic = "force-dynamic";

// Rename a saved view (or give it the current URL state), or delete it; only your own.
export const PATCH = handle({ params: idParams, body: savedViewPatch }, ({ params, body, actor }) => updateSavedView(params.id, body, actor.name), { access: "viewer" });

export const DELETE = handle({ params: idParams }, ({ params, actor }) => deleteSavedView(params.id, actor.name), { access: "viewer" });
