import { handle } from "@/lib/api/handler";
import { deleteBoxQuery, updateBoxBody } from "@/lib/schemas/boxes";
import { idParams } from "@/lib/schemas/ids";
import { deleteHumanBox, updateHumanBox } from "@/lib/services/review/boxes";

export const dynamic = "force-dynamic";

export const PATCH = handle({ params: idParams, body: updateBoxBody }, ({ params, body, actor }) => updateHumanBox(params.id, { ...body, user: actor.name }));
export const DELETE = handle({ params: idParams, query: deleteBoxQuery }, ({ params, query, actor }) => deleteHumanBox(params.id, { ...query, user: actor.name }));
