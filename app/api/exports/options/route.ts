import { handle } from "@/lib/api/handler";
import { exportOptions } from "@/lib/services/export/exports";

export const dynamic = "force-dynamic";

export const GET = handle({}, () => exportOptions());
