import { handle } from "@/lib/api/handler";
import { flipsQuery } from "@/lib/schemas/calibration";
import { getFlips } from "@/lib/services/calibration/calibration";

export const dynamic = "force-dynamic";

export const GET = handle({ query: flipsQuery }, ({ query }) => getFlips(query));
