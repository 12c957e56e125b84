import { handle } from "@/lib/api/handler";
import { exportIdParams } from "@/lib/schemas/exports";
import { cancelExport } from "@/lib/services/export-jobs";

export const dynamic = "force-dynamic";

export const POST = handle({ params: exportIdParams }, ({ params }) => cancelExport(params.id));
