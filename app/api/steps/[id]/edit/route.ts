import { handle } from "@/lib/api/handler";
import { idParams } from "@/lib/schemas/ids";
import { stepEditBody } from "@/lib/schemas/reviews";
import { editStep } from "@/lib/services/review/reviews";

export const dynamic = "force-dynamic";

export const POST = handle({ params: idParams, body: stepEditBody }, ({ params, body, actor }) => editStep(params.id, { ...body, user: actor.name }));
