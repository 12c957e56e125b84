import { handle } from "@/lib/api/handler";
import { idParams } from "@/lib/schemas/ids";
import { listContinuations } from "@/lib/services/review/regenerate";

export const dynamic = "force-dynamic";

/** The teacher configured for the trace (or why none is) and its archived continuations. */
export const GET = handle({ params: idParams }, ({ params }) => listContinuations(params.id));
