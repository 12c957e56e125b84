import { handle } from "@/lib/api/handler";
import { undoBody } from "@/lib/schemas/reviews";
import { undoLastAction } from "@/lib/services/review/reviews";

export const dynamic = "force-dynamic";

export const POST = handle({ body: undoBody }, ({ body, actor }) => undoLastAction({ ...body, user: actor.name }));
