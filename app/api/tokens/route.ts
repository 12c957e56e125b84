import { z } from "zod";
import { handle } from "@/lib/api/handler";
import { createTokenBody } from "@/lib/schemas/people";
import { createToken, listTokens } from "@/lib/services/people/tokens";

export const dynamic = "force-dynamic";

// Anyone signed in manages their own tokens (a scope never exceeds their role); admins see all.
export const GET = handle({ query: z.object({ all: z.enum(["0", "1"]).optional() }) }, ({ query, actor }) => listTokens(actor, query.all === "1"));
export const POST = handle({ body: createTokenBody }, ({ body, actor }) => createToken(body, actor), { status: 201, access: "viewer" });
