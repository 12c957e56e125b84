import { handle } from "@/lib/api/handler";
import { idParams } from "@/lib/schemas/ids";
import { publishSpareRun } from "@/lib/services/spare/spare-publish";

export const dynamic = "force-dynamic";

/** Writes the run's kept / accepted pairs as traces of its dataset (replacing an earlier publish), ready to export. */
export const POST = handle({ params: idParams }, ({ params }) => publishSpareRun(params.id), { status: 201 });
