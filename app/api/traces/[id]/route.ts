import { handle } from "@/lib/api/handler";
import { idParams } from "@/lib/schemas/ids";
import { getTrace } from "@/lib/services/traces/traces";

export const dynamic = "force-dynamic";

export const GET = handle({ params: idParams }, ({ params, actor }) => getTrace(params.id, actor));
