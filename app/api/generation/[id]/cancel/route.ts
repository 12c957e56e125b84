import { handle } from "@/lib/api/handler";
import { idParams } from "@/lib/schemas/ids";
import { cancelGenerationJob } from "@/lib/services/generate/generation-jobs";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

// POST: stop a job (items in flight finish or are left for a resume).
export const POST = handle({ params: idParams }, ({ params }) => cancelGenerationJob(params.id));
