import { questionJsonSchema } from "@/lib/schemas/generation";

export const dynamic = "force-static";

// The canonical question record's JSON Schema (question files for generation, docs/generation.md).
export function GET(): Response {
  return Response.json(questionJsonSchema());
}
