import { handle } from "@/lib/api/handler";
import { exportIdParams } from "@/lib/schemas/exports";
import { deleteExport, getExport } from "@/lib/services/exports";

export const dynamic = "force-dynamic";

export const GET = handle({ params: exportIdParams }, ({ params }) => getExport(params.id));

export const DELETE = handle({ params: exportIdParams }, ({ params }) => deleteExport(params.id));
