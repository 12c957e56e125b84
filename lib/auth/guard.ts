import { assertAllowedHost, configuredHostNames, hostName } from "@/lib/auth/hosts";
import { authenticate, type Principal } from "@/lib/auth/principal";
import { atLeast, isMutation, type Access } from "@/lib/auth/roles";
import { AppError } from "@/lib/errors";

// The checks every API request passes (docs/design.md §13), in this order:
//   1. Host is one this server is configured for (DNS rebinding)           → 403
//   2. a mutation is not cross-site (Sec-Fetch-Site, Origin)               → 403
//   3. a session or an API token, unless the route is public               → 401
//   4. the principal's role (narrowed by a token's scope) is enough        → 403
// JSON bodies must be application/json (415) — checked where the body is read.

export function assertSameOrigin(headers: Headers, method: string): void {
  if (!isMutation(method)) return;
  const site = headers.get("sec-fetch-site")?.toLowerCase();
  if (site && site !== "same-origin" && site !== "none") {
    throw new AppError("forbidden", `cross-site request refused (Sec-Fetch-Site: ${site})`);
  }
  const origin = headers.get("origin");
  if (origin === null) return; // not a browser (CLI, curl): credentials decide
  let originHost: string;
  try {
    originHost = new URL(origin).host.toLowerCase();
  } catch {
    throw new AppError("forbidden", `cross-site request refused (Origin: ${origin})`);
  }
  const host = (headers.get("host") ?? "").toLowerCase();
  if (originHost === host) return;
  if (configuredHostNames().includes(hostName(originHost))) return; // our public name behind a proxy
  throw new AppError("forbidden", `cross-site request refused (Origin: ${origin})`);
}

export function assertJson(headers: Headers): void {
  const type = (headers.get("content-type") ?? "").split(";")[0].trim().toLowerCase();
  if (type === "application/json" || (type.startsWith("application/") && type.endsWith("+json"))) return;
  throw new AppError("unsupported_media_type", `this endpoint accepts only application/json bodies (got ${type ? `"${type}"` : "no Content-Type"})`);
}

/** Runs checks 1–4; returns the principal (null only for public routes without credentials). */
export async function authorize(headers: Headers, method: string, access: Access): Promise<Principal | null> {
  assertAllowedHost(headers.get("host"));
  assertSameOrigin(headers, method);
  const principal = await authenticate(headers);
  if (access === "public") return principal;
  if (!principal) throw new AppError("unauthenticated", "sign in or send an API token (Authorization: Bearer stw_…)");
  if (!atLeast(principal.role, access)) {
    const how = principal.via === "token" ? `this token acts as ${principal.role} (scope ${principal.scope})` : `you are ${principal.role}`;
    throw new AppError("forbidden", `${method} ${"needs the " + access + " role"}: ${how}`);
  }
  return principal;
}
