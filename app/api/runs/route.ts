import { handle } from "@/lib/api/handler";
import { runListQuery, runRequest } from "@/lib/schemas/verifier";
import { listRuns } from "@/lib/services/verify/verdicts";
import { runVerifier } from "@/lib/services/verify/verify";

export const dynamic = "force-dynamic";

export const GET = handle({ query: runListQuery }, ({ query }) => listRuns(query));

export const POST = handle({ body: runRequest }, ({ body }) => runVerifier({ ...body, prepareCalibration: true }), { status: 201 });
