import { handle } from "@/lib/api/handler";
import { idParams } from "@/lib/schemas/ids";
import { cancelSpareRun, spareFunnel } from "@/lib/services/spare/spare-review";

export const dynamic = "force-dynamic";

/** A run's funnel: stages with counts, the examples each filter removed, relations, filter precision. */
export const GET = handle({ params: idParams }, ({ params }) => spareFunnel(params.id));

/** Cancels a running run (202: asked); starting the same run again resumes it. */
export const DELETE = handle({ params: idParams }, ({ params }) => cancelSpareRun(params.id), { status: 202 });
