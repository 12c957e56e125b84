import { handle } from "@/lib/api/handler";
import { traceListQuery } from "@/lib/schemas/traces";
import { listTraces } from "@/lib/services/traces";

export const dynamic = "force-dynamic";

export const GET = handle({ query: traceListQuery }, ({ query }) => listTraces(query));
