import { handle } from "@/lib/api/handler";
import { idParams } from "@/lib/schemas/ids";
import { traceDecisionBody } from "@/lib/schemas/reviews";
import { recordTraceDecision } from "@/lib/services/review/reviews";

export const dynamic = "force-dynamic";

export const POST = handle({ params: idParams, body: traceDecisionBody }, ({ params, body, actor }) => recordTraceDecision(params.id, { ...body, user: actor.name }));
