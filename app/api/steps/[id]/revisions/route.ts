import { handle } from "@/lib/api/handler";
import { idParams } from "@/lib/schemas/ids";
import { listRevisions } from "@/lib/services/review/reviews";

export const dynamic = "force-dynamic";

export const GET = handle({ params: idParams }, ({ params }) => listRevisions(params.id));
