import { handle } from "@/lib/api/handler";
import { calibrationQuery } from "@/lib/schemas/calibration";
import { getCalibration } from "@/lib/services/calibration/calibration";

export const dynamic = "force-dynamic";

export const GET = handle({ query: calibrationQuery }, ({ query }) => getCalibration(query));
