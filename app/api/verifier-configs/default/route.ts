import { handle } from "@/lib/api/handler";
import { setDefaultConfigRequest } from "@/lib/schemas/verifier";
import { setDefaultVerifierConfig } from "@/lib/services/verify/verifier-configs";

export const dynamic = "force-dynamic";

// POST { version }: the config runs use when none is named. Creating a config never changes it.
// Admins only (configs, docs/design.md §13).
export const POST = handle({ body: setDefaultConfigRequest }, ({ body }) => setDefaultVerifierConfig(body.version), { access: "admin" });
