import { handle } from "@/lib/api/handler";
import { idParams } from "@/lib/schemas/ids";
import { resumeGenerationJob } from "@/lib/services/generate/generation-jobs";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

// POST: resume a cancelled, failed or stale job (its teacher preflighted again); items done are skipped.
export const POST = handle({ params: idParams }, ({ params }) => resumeGenerationJob(params.id));
