import { handle } from "@/lib/api/handler";
import { idParams } from "@/lib/schemas/ids";
import { stepLabelBody } from "@/lib/schemas/reviews";
import { recordStepLabel } from "@/lib/services/review/reviews";

export const dynamic = "force-dynamic";

export const POST = handle({ params: idParams, body: stepLabelBody }, ({ params, body, actor }) => recordStepLabel(params.id, { ...body, user: actor.name }));
