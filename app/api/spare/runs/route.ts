import { handle } from "@/lib/api/handler";
import { readJsonBody } from "@/lib/api/request-body";
import { SPARE_UPLOAD_LIMITS, type SpareUploadRequest } from "@/lib/schemas/spare";
import { listSpareRuns, startSpareRun } from "@/lib/services/spare/spare-review";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

// SpaRE runs (docs/spare.md). GET: the runs. POST: {dataset, files: [{name, content}], synthesizer,
// classifier?, chat?, …} — the captions are checked (all or nothing), stored, and the job starts in
// the background (201); the same captions and settings again resume the same job.

export const GET = handle({}, () => listSpareRuns());

// The body may carry caption files: handle() reads none here (its cap is for small bodies); the
// service reads it with the larger cap and checks it. handle() still checks the caller (reviewer).
export const POST = handle(
  {},
  async ({ request }) => startSpareRun((await readJsonBody(request, SPARE_UPLOAD_LIMITS)) as SpareUploadRequest),
  { status: 201 },
);
