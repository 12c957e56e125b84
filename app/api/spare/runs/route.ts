import { errorResponse, handle } from "@/lib/api/handler";
import { readJsonBody } from "@/lib/api/request-body";
import { SPARE_UPLOAD_LIMITS, type SpareUploadRequest } from "@/lib/schemas/spare";
import { listSpareRuns, startSpareRun } from "@/lib/services/spare/spare-review";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

// SpaRE runs (docs/spare.md). GET: the runs. POST: {dataset, files: [{name, content}], synthesizer,
// classifier?, chat?, …} — the captions are checked (all or nothing), stored, and the job starts in
// the background (201); the same captions and settings again resume the same job.

export const GET = handle({}, () => listSpareRuns());

export async function POST(request: Request): Promise<Response> {
  try {
    const body = (await readJsonBody(request, SPARE_UPLOAD_LIMITS)) as SpareUploadRequest;
    return Response.json(await startSpareRun(body), { status: 201 });
  } catch (error) {
    return errorResponse(error);
  }
}
