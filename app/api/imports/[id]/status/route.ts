import { handle } from "@/lib/api/handler";
import { idParams } from "@/lib/schemas/ids";
import { importJobStatus } from "@/lib/services/import/import-jobs";

export const dynamic = "force-dynamic";

/**
 * An import's status (the Location of a `Prefer: respond-async` upload): the history row, the live
 * progress while it runs in this server, then the summary (status done) or the error (failed).
 */
export const GET = handle({ params: idParams }, ({ params }) => importJobStatus(params.id));
