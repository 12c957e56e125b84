import { handle } from "@/lib/api/handler";
import { branchParams, restoreBody } from "@/lib/schemas/regenerate";
import { restoreBranch } from "@/lib/services/review/regenerate";

export const dynamic = "force-dynamic";

/** Puts an archived continuation back; the one it replaces is archived in turn. `{"expectedVersion": 4}` */
export const POST = handle({ params: branchParams, body: restoreBody }, ({ params, body, actor }) => restoreBranch(params.id, params.branch, { ...body, user: actor.name }));
