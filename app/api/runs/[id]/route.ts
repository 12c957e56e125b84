import { handle } from "@/lib/api/handler";
import { runIdParams } from "@/lib/schemas/verifier";
import { getRun } from "@/lib/services/verify/verdicts";
import { cancelRun } from "@/lib/services/verify/verify";

export const dynamic = "force-dynamic";

export const GET = handle({ params: runIdParams }, ({ params }) => getRun(params.id));

/** Cancels a running run: it stops before its next batch of traces and is removed (202: asked). */
export const DELETE = handle({ params: runIdParams }, ({ params }) => cancelRun(params.id), { status: 202 });
