import { handle } from "@/lib/api/handler";
import { reverifyBody } from "@/lib/schemas/calibration";
import { reverify } from "@/lib/services/calibration/calibration";

export const dynamic = "force-dynamic";

export const POST = handle({ body: reverifyBody }, ({ body }) => reverify(body), { status: 201 });
