import { handle } from "@/lib/api/handler";
import { idParams } from "@/lib/schemas/ids";
import { deleteExport, getExport } from "@/lib/services/export/exports";

export const dynamic = "force-dynamic";

export const GET = handle({ params: idParams }, ({ params }) => getExport(params.id));

export const DELETE = handle({ params: idParams }, ({ params }) => deleteExport(params.id), { access: "admin" });
