import { z } from "zod";
import { handle } from "@/lib/api/handler";
import { createToken, listTokens } from "@/lib/services/people/tokens";

export const dynamic = "force-dynamic";

// Anyone signed in manages their own tokens (a scope never exceeds their role); admins see all.
export const GET = handle({ query: z.object({ all: z.enum(["0", "1"]).optional() }) }, ({ query, actor }) => listTokens(actor, query.all === "1"));
// the body is validated by createToken (its expiresIn turns "30d" into seconds, once)
export const POST = handle({ body: z.unknown() }, ({ body, actor }) => createToken(body, actor), { status: 201, access: "viewer" });
