import { handle } from "@/lib/api/handler";
import { idParams } from "@/lib/schemas/ids";
import { stepRerunBody } from "@/lib/schemas/reviews";
import { rerunStep } from "@/lib/services/review/reviews";

export const dynamic = "force-dynamic";

export const POST = handle({ params: idParams, body: stepRerunBody }, ({ params, body, actor }) => rerunStep(params.id, { ...body, user: actor.name }));
