import { handle } from "@/lib/api/handler";
import { idParams } from "@/lib/schemas/ids";
import { getGenerationJob } from "@/lib/services/generate/generation-jobs";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

// GET: one generation job with its counters, throughput and latest traces.
export const GET = handle({ params: idParams }, ({ params }) => getGenerationJob(params.id));
