import { handle } from "@/lib/api/handler";
import { setDefaultConfigRequest } from "@/lib/schemas/verifier";
import { setDefaultVerifierConfig } from "@/lib/services/verify/verifier-configs";

export const dynamic = "force-dynamic";

// POST { version }: the config runs use when none is named. Creating a config never changes it.
export const POST = handle({ body: setDefaultConfigRequest }, ({ body }) => setDefaultVerifierConfig(body.version));
