import { handle } from "@/lib/api/handler";
import { idParams } from "@/lib/schemas/ids";
import { pairListQuery } from "@/lib/schemas/spare";
import { listSparePairs } from "@/lib/services/spare/spare-review";

export const dynamic = "force-dynamic";

/** A run's pairs with their captions, filtered by status, filter, relation, label (cursor pages). */
export const GET = handle({ params: idParams, query: pairListQuery }, ({ params, query }) => listSparePairs(params.id, query));
