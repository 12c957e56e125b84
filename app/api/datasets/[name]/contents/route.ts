import { handle } from "@/lib/api/handler";
import { datasetNameParams } from "@/lib/schemas/verifier";
import { datasetContents } from "@/lib/services/traces/dataset-admin";

export const dynamic = "force-dynamic";

/** What a delete would remove (the confirmation dialog shows it). */
export const GET = handle({ params: datasetNameParams }, ({ params }) => datasetContents(params.name));
