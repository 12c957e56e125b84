import { handle } from "@/lib/api/handler";
import { assignBody } from "@/lib/schemas/adjudication";
import { datasetNameParams } from "@/lib/schemas/verifier";
import { assignTraces } from "@/lib/services/review/review-slots";

export const dynamic = "force-dynamic";

/** { users, traceIds? }: assign traces to reviewers round-robin within their free slots. Admins only. */
export const POST = handle({ params: datasetNameParams, body: assignBody }, ({ params, body, actor }) => assignTraces(params.name, body, actor), { access: "admin" });
