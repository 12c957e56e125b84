import { handle } from "@/lib/api/handler";
import { traceFilters } from "@/lib/schemas/trace-list";
import { listTraces } from "@/lib/services/traces/trace-list";

export const dynamic = "force-dynamic";

export const GET = handle({ query: traceFilters }, ({ query }) => listTraces(query));
