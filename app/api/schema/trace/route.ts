import { traceJsonSchema } from "@/lib/schemas/trace";

export const dynamic = "force-static";

export function GET(): Response {
  return Response.json(traceJsonSchema());
}
