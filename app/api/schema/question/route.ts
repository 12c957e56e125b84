import { handle } from "@/lib/api/handler";
import { questionJsonSchema } from "@/lib/schemas/generation";

export const dynamic = "force-dynamic";

// The canonical question record's JSON Schema (question files for generation, docs/generation.md).
export const GET = handle({}, async () => questionJsonSchema());
