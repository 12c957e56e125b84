import { handle } from "@/lib/api/handler";
import { datasetNameParams } from "@/lib/schemas/verifier";
import { claimNextTrace } from "@/lib/services/review/review-slots";

export const dynamic = "force-dynamic";

/** The signed-in reviewer's next trace: an assigned one, else a free slot leased to them. */
export const POST = handle({ params: datasetNameParams }, ({ params, actor }) => claimNextTrace(params.name, actor));
