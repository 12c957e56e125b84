import { handle } from "@/lib/api/handler";
import { idParams } from "@/lib/schemas/ids";
import { cancelExport } from "@/lib/services/export/export-jobs";

export const dynamic = "force-dynamic";

export const POST = handle({ params: idParams }, ({ params }) => cancelExport(params.id), { access: "viewer" });
