import { z } from "zod";
import { handle } from "@/lib/api/handler";
import { traceFacets } from "@/lib/services/traces/trace-list";

export const dynamic = "force-dynamic";

export const GET = handle({ query: z.object({ dataset: z.string().optional() }) }, ({ query }) => traceFacets(query.dataset));
