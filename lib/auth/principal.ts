import { auth, TOKEN_PREFIX } from "@/lib/auth/auth";
import { authMode } from "@/lib/auth/hosts";
import { effectiveRole, isRole, isScope, type Role, type Scope } from "@/lib/auth/roles";
import { trustedToken, trustToken } from "@/lib/auth/token-cache";
import { db } from "@/lib/db";
import { env } from "@/lib/env";

// Who is asking (docs/design.md §13): an API token (Authorization: Bearer stw_… or X-API-Key),
// else a session cookie, else nobody. With STEPWISE_AUTH=off (loopback only) everyone is the
// local admin named by STEPWISE_USER.

export interface Principal {
  userId: number;
  name: string;
  email: string | null;
  /** The role this request acts with: the user's, narrowed by the token's scope. */
  role: Role;
  via: "session" | "token" | "local";
  tokenId?: number;
  scope?: Scope;
}

export function tokenFrom(headers: Headers): string | null {
  const authorization = headers.get("authorization");
  if (authorization) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (match) return match[1];
  }
  return headers.get("x-api-key")?.trim() || null;
}

export async function localPrincipal(): Promise<Principal> {
  const name = env().STEPWISE_USER;
  const user = await db().user.upsert({ where: { name }, update: {}, create: { name, role: "admin" }, select: { id: true, name: true, email: true } });
  return { userId: user.id, name: user.name, email: user.email, role: "admin", via: "local" };
}

async function activeUser(id: number) {
  const user = await db().user.findUnique({ where: { id }, select: { id: true, name: true, email: true, role: true, disabledAt: true } });
  if (!user || user.disabledAt || !isRole(user.role)) return null;
  return user;
}

export async function principalFromToken(key: string): Promise<Principal | null> {
  if (!key.startsWith(TOKEN_PREFIX)) return null;
  // a token verified in the last few seconds is not asked again (lib/auth/token-cache.ts)
  const known = trustedToken<Principal>(key);
  if (known) return known;
  const result = await auth().api.verifyApiKey({ body: { key } });
  if (!result.valid || !result.key) return null;
  const user = await activeUser(Number(result.key.referenceId));
  if (!user) return null;
  const permissions = result.key.permissions as Record<string, string[]> | null | undefined;
  const scope = permissions?.stepwise?.find(isScope) ?? "read";
  const principal: Principal = { userId: user.id, name: user.name, email: user.email, role: effectiveRole(user.role as Role, scope), via: "token", tokenId: Number(result.key.id), scope };
  trustToken(key, principal, result.key.expiresAt ? new Date(result.key.expiresAt) : null);
  return principal;
}

export async function principalFromSession(headers: Headers): Promise<Principal | null> {
  const session = await auth().api.getSession({ headers, query: { disableCookieCache: true } });
  if (!session) return null;
  const user = await activeUser(Number(session.user.id));
  if (!user) return null;
  return { userId: user.id, name: user.name, email: user.email, role: user.role as Role, via: "session" };
}

/** The principal of a request, or null when it carries no valid credentials. */
export async function authenticate(headers: Headers): Promise<Principal | null> {
  if (authMode() === "off") return localPrincipal();
  const token = tokenFrom(headers);
  if (token) return principalFromToken(token);
  return principalFromSession(headers);
}
