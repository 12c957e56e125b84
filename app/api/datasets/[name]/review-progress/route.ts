import { handle } from "@/lib/api/handler";
import { datasetNameParams } from "@/lib/schemas/verifier";
import { reviewProgress } from "@/lib/services/review/review-slots";

export const dynamic = "force-dynamic";

/** Per-reviewer progress: assigned, leased, reviewed traces; traces covered by minReviews reviewers. */
export const GET = handle({ params: datasetNameParams }, ({ params }) => reviewProgress(params.name));
