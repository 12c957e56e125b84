import { NextResponse, type NextRequest } from "next/server";
import { pageGate } from "@/lib/auth/page-gate";

// Next 16 proxy (formerly middleware), pages only. Keep this file small: each concern is one call.
//   sign-in: refuse foreign hosts, send visitors without a session to /sign-in (lib/auth/page-gate.ts)
export function proxy(request: NextRequest) {
  const gate = pageGate(request);
  if (gate instanceof NextResponse) return gate;
  return NextResponse.next({ request: { headers: gate } });
}

export const config = {
  // Pages only: API routes check the caller in handle() (lib/api/handler.ts), and the proxy must
  // never buffer API bodies (uploads).
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
