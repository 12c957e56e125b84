import { handle } from "@/lib/api/handler";
import { idParams } from "@/lib/schemas/ids";
import { pairReview } from "@/lib/schemas/spare";
import { reviewSparePair } from "@/lib/services/spare/spare-review";

export const dynamic = "force-dynamic";

/** Labels a pair: {label: accept | reject | null} or an edit {label: "accept", question?, answer?}. */
export const PATCH = handle({ params: idParams, body: pairReview }, ({ params, body }) => reviewSparePair(params.id, body));
