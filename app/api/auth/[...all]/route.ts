import { toNextJsHandler } from "better-auth/next-js";
import { errorResponse } from "@/lib/api/handler";
import { auth } from "@/lib/auth/auth";
import { assertAllowedHost } from "@/lib/auth/hosts";
import { assertJson, assertSameOrigin } from "@/lib/auth/guard";
import { recordSignIn } from "@/lib/services/people/sign-in";

export const dynamic = "force-dynamic";

// better-auth's own endpoints (sign-in, sign-out, session): public by nature — this is how one
// gets credentials. Sign-up is disabled (lib/auth/auth.ts). The same host, origin and JSON checks
// as every other route run first; the route test (lib/api/routes.int.test.ts) lists this file
// as its one exception besides /api/health and checks that sign-up is refused.

async function guarded(request: Request): Promise<Response> {
  try {
    assertAllowedHost(request.headers.get("host"));
    assertSameOrigin(request.headers, request.method);
    if (request.method === "POST" && request.headers.get("content-length") !== "0" && request.body) assertJson(request.headers);
    const response = await toNextJsHandler(auth()).POST(request);
    if (request.method === "POST") await recordSignIn(request, response);
    return response;
  } catch (error) {
    return errorResponse(error);
  }
}

export const GET = (request: Request) => {
  try {
    assertAllowedHost(request.headers.get("host"));
  } catch (error) {
    return errorResponse(error);
  }
  return toNextJsHandler(auth()).GET(request);
};
export const POST = guarded;
