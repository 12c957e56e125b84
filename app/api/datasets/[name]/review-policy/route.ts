import { handle } from "@/lib/api/handler";
import { reviewPolicyBody } from "@/lib/schemas/adjudication";
import { datasetNameParams } from "@/lib/schemas/verifier";
import { getReviewPolicy, setReviewPolicy } from "@/lib/services/review/review-slots";

export const dynamic = "force-dynamic";

/** Reviewers per trace (overlap), blind mode and lease length of a dataset (docs/design.md §13). */
export const GET = handle({ params: datasetNameParams }, ({ params }) => getReviewPolicy(params.name));

/** { minReviews, blind?, leaseMinutes? } — admins only. */
export const PUT = handle({ params: datasetNameParams, body: reviewPolicyBody }, ({ params, body }) => setReviewPolicy(params.name, body), { access: "admin" });
