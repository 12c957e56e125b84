import { handle } from "@/lib/api/handler";
import { runIdParams } from "@/lib/schemas/verifier";
import { getRun } from "@/lib/services/verdicts";

export const dynamic = "force-dynamic";

export const GET = handle({ params: runIdParams }, ({ params }) => getRun(params.id));
