import { headers } from "next/headers";
import { redirect } from "next/navigation";
import { cache } from "react";
import { isOpenPage, PATH_HEADER } from "@/lib/auth/page-gate";
import { authenticate, type Principal } from "@/lib/auth/principal";
import { atLeast, type Role } from "@/lib/auth/roles";

// Server components' side of page access (docs/design.md §13). The root layout calls pageUser():
// every page is rendered for a validated session or not at all (redirect to /sign-in).

/** Only a local path may be a post-sign-in target (no //host, no scheme). */
export function safeNext(value: string | null | undefined): string {
  return value && value.startsWith("/") && !value.startsWith("//") && !value.startsWith("/\\") ? value : "/";
}

/**
 * The signed-in user of this page request, or a redirect to /sign-in. Memoised per request (React
 * `cache`): the layout, the page and its metadata each ask, and every ask was a session read and a
 * user read through Prisma (three times on a trace page).
 */
export const pageUser = cache(async (): Promise<Principal | null> => {
  const requestHeaders = await headers();
  const path = requestHeaders.get(PATH_HEADER) ?? "/";
  const principal = await authenticate(requestHeaders);
  if (principal || isOpenPage(path.split("?")[0])) return principal;
  redirect(`/sign-in?next=${encodeURIComponent(safeNext(path))}`);
});

/** For pages only some roles may open (users, audit): null when the signed-in user may not. */
export async function pageUserWithRole(role: Role): Promise<Principal | null> {
  const principal = await authenticate(await headers());
  if (!principal) redirect("/sign-in");
  return atLeast(principal.role, role) ? principal : null;
}
