import { handle } from "@/lib/api/handler";
import { traceIdParams } from "@/lib/schemas/traces";
import { getTrace } from "@/lib/services/traces";

export const dynamic = "force-dynamic";

export const GET = handle({ params: traceIdParams }, ({ params }) => getTrace(params.id));
