import { handle } from "@/lib/api/handler";
import { failuresQuery } from "@/lib/schemas/calibration";
import { getFailures } from "@/lib/services/calibration/calibration";

export const dynamic = "force-dynamic";

export const GET = handle({ query: failuresQuery }, ({ query }) => getFailures(query));
