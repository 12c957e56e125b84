import { handle } from "@/lib/api/handler";
import { configCreateRequest } from "@/lib/schemas/verifier";
import { createVerifierConfig, listVerifierConfigs } from "@/lib/services/verify/verifier-configs";

export const dynamic = "force-dynamic";

export const GET = handle({}, () => listVerifierConfigs());

export const POST = handle({ body: configCreateRequest }, ({ body }) => createVerifierConfig(body), { status: 201, access: "admin" });
