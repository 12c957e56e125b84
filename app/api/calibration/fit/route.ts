import { handle } from "@/lib/api/handler";
import { fitQuery, fitSaveBody } from "@/lib/schemas/calibration";
import { getFitProposal, saveFittedConfig } from "@/lib/services/calibration/calibration";

export const dynamic = "force-dynamic";

export const GET = handle({ query: fitQuery }, ({ query }) => getFitProposal(query));

export const POST = handle({ body: fitSaveBody }, ({ body }) => saveFittedConfig(body), { status: 201, access: "admin" });
