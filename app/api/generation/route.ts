import { handle } from "@/lib/api/handler";
import { readJsonBody } from "@/lib/api/request-body";
import { assertJson } from "@/lib/auth/guard";
import { LIMITS } from "@/lib/schemas/limits";
import { listGenerationJobs, startGenerationJob } from "@/lib/services/generate/generation-jobs";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

// GET: generation jobs, newest first. POST: start one from the form (lib/schemas/generation.ts
// generationStartInput; an uploaded question file travels as {name, text}, hence the larger body
// cap). The teacher is preflighted first: a wrong URL, model or key is a 400 and nothing is written.
// 202 with the job, which runs in the background; clients poll /api/generation/:id.
export const GET = handle({}, () => listGenerationJobs());

export const POST = handle(
  {},
  async ({ request }) => {
    assertJson(request.headers);
    return startGenerationJob(await readJsonBody(request, { maxBytes: LIMITS.generationBodyBytes, maxDepth: LIMITS.jsonBodyDepth }));
  },
  { status: 202 },
);
