import { NextResponse, type NextRequest } from "next/server";
import { SESSION_COOKIE_PREFIX } from "@/lib/auth/constants";
import { authMode, isAllowedHost } from "@/lib/auth/hosts";

// The proxy's part of page access (docs/design.md §13): refuse foreign Host headers, send visitors
// without a session cookie to /sign-in, and tell the root layout which path it renders (the layout
// then checks the session for real: lib/auth/page.ts).

export const PATH_HEADER = "x-stepwise-path";

/** Pages anyone may open. */
export const OPEN_PAGES = ["/sign-in", "/setup"];

export const isOpenPage = (pathname: string): boolean => OPEN_PAGES.some((p) => pathname === p || pathname.startsWith(`${p}/`));

export function hasSessionCookie(request: NextRequest): boolean {
  return request.cookies.getAll().some((c) => c.name === `${SESSION_COOKIE_PREFIX}.session_token` || c.name === `__Secure-${SESSION_COOKIE_PREFIX}.session_token`);
}

/** A response that ends the request (refusal or redirect), or the request headers to go on with. */
export function pageGate(request: NextRequest): NextResponse | Headers {
  if (!isAllowedHost(request.headers.get("host"))) {
    return new NextResponse("This host name is not one Stepwise is configured for (STEPWISE_HOSTS).", { status: 403, headers: { "content-type": "text/plain; charset=utf-8" } });
  }
  const { pathname, search } = request.nextUrl;
  if (authMode() === "on" && !isOpenPage(pathname) && !hasSessionCookie(request)) {
    const target = new URL("/sign-in", request.nextUrl);
    target.search = `?next=${encodeURIComponent(pathname + search)}`;
    return NextResponse.redirect(target);
  }
  const headers = new Headers(request.headers);
  headers.set(PATH_HEADER, pathname + search);
  return headers;
}
