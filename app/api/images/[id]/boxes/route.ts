import { handle } from "@/lib/api/handler";
import { createBoxBody } from "@/lib/schemas/boxes";
import { idParams } from "@/lib/schemas/ids";
import { createHumanBox } from "@/lib/services/review/boxes";

export const dynamic = "force-dynamic";

export const POST = handle({ params: idParams, body: createBoxBody }, ({ params, body, actor }) => createHumanBox(params.id, { ...body, user: actor.name }), { status: 201 });
