import { handle } from "@/lib/api/handler";
import { traceJsonSchema } from "@/lib/schemas/trace";

export const dynamic = "force-dynamic";

export const GET = handle({}, async () => traceJsonSchema());
