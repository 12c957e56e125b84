import { NextResponse, type NextRequest } from "next/server";
import { pageGate } from "@/lib/auth/page-gate";
import { newNonce, pageCsp } from "@/lib/security/headers";

// Next 16 proxy (formerly middleware), pages only. Keep this file small: each concern is one call.
//   sign-in: refuse foreign hosts, send visitors without a session to /sign-in (lib/auth/page-gate.ts)
//   CSP: a per-request nonce — Next reads it from the request's Content-Security-Policy header and
//        puts it on its own scripts.
export function proxy(request: NextRequest) {
  const gate = pageGate(request);
  if (gate instanceof NextResponse) return gate;
  const nonce = newNonce();
  const csp = pageCsp(nonce);
  const requestHeaders = gate;
  requestHeaders.set("x-nonce", nonce);
  requestHeaders.set("Content-Security-Policy", csp);
  const response = NextResponse.next({ request: { headers: requestHeaders } });
  response.headers.set("Content-Security-Policy", csp);
  return response;
}

export const config = {
  // Pages only: API routes check the caller in handle() (lib/api/handler.ts) and get their headers
  // from next.config.ts. Never let this match /api/: Next buffers the body of every request the
  // proxy sees and silently truncates it at experimental.proxyClientMaxBodySize (10 MB) — uploads
  // would break, and the bounded body reader of lib/api/request-body.ts would be bypassed.
  matcher: [
    {
      source: "/((?!api/|_next/static|_next/image|favicon.ico|icon.svg).*)",
      missing: [
        { type: "header", key: "next-router-prefetch" },
        { type: "header", key: "purpose", value: "prefetch" },
      ],
    },
  ],
};
