import { auth } from "@/lib/auth/auth";
import { auditStamp } from "@/lib/auth/context";
import type { Principal } from "@/lib/auth/principal";
import { atLeast, isRole, SCOPE_ROLE } from "@/lib/auth/roles";
import { forgetTrustedTokens } from "@/lib/auth/token-cache";
import { db } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { createTokenBody, type CreatedTokenDto, type TokenDto } from "@/lib/schemas/people";

// API tokens (docs/design.md §13) through better-auth's api-key plugin: "stw_" + 40 random
// letters, only the SHA-256 stored, the clear token returned once. A token's scope can never exceed
// its owner's role; a token acts with the lesser of the two (lib/auth/roles.ts).

/** The caller; userId null = the local CLI (full access to the local database). */
type Actor = { userId: number | null; role: Principal["role"] };

function scopeOf(permissions: string | null): string {
  try {
    const parsed = JSON.parse(permissions ?? "{}") as Record<string, string[]>;
    return parsed.stepwise?.[0] ?? "read";
  } catch {
    return "read";
  }
}

export async function createToken(input: unknown, actor: Actor | null): Promise<CreatedTokenDto> {
  const parsed = createTokenBody.safeParse(input);
  if (!parsed.success) throw new AppError("invalid_input", parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; "), parsed.error.issues.map((i) => ({ path: i.path.join("."), error: i.message })));
  const body = parsed.data;
  let owner: { id: number; role: string; email: string | null; disabledAt: Date | null } | null;
  if (body.email) {
    if (actor && actor.role !== "admin") {
      const self = await db().user.findUnique({ where: { id: actor.userId ?? -1 }, select: { email: true } });
      if (self?.email !== body.email) throw new AppError("forbidden", "only an admin can create a token for someone else");
    }
    owner = await db().user.findUnique({ where: { email: body.email }, select: { id: true, role: true, email: true, disabledAt: true } });
    if (!owner) throw new AppError("not_found", `no user with email ${body.email}`);
  } else {
    if (!actor?.userId) throw new AppError("invalid_input", "say whose token it is (--email)");
    owner = await db().user.findUnique({ where: { id: actor.userId }, select: { id: true, role: true, email: true, disabledAt: true } });
    if (!owner) throw new AppError("not_found", `user ${actor.userId} not found`);
  }
  if (owner.disabledAt) throw new AppError("conflict", `user ${owner.email ?? owner.id} is disabled`);
  if (!isRole(owner.role) || !atLeast(owner.role, SCOPE_ROLE[body.scope])) {
    throw new AppError("invalid_input", `scope "${body.scope}" needs the ${SCOPE_ROLE[body.scope]} role; ${owner.email ?? "the user"} is ${owner.role}`, [{ path: "scope", error: "exceeds the owner's role" }]);
  }
  const created = await auth().api.createApiKey({
    body: { userId: String(owner.id), name: body.name, expiresIn: body.expiresIn ?? null, permissions: { stepwise: [body.scope] }, rateLimitEnabled: false },
  });
  const id = Number(created.id);
  await db().$transaction([
    db().apiToken.update({ where: { id }, data: { userId: owner.id } }),
    db().auditLog.create({
      data: { userId: actor?.userId ?? null, action: "token.create", entity: "token", entityId: String(id), after: { owner: owner.id, scope: body.scope, name: body.name ?? null, expiresAt: created.expiresAt ?? null, start: created.start ?? null }, ...auditStamp() },
    }),
  ]);
  return { id, token: created.key, scope: body.scope, expiresAt: created.expiresAt ? new Date(created.expiresAt).toISOString() : null };
}

export async function listTokens(actor: Actor, all = false): Promise<TokenDto[]> {
  if (all && actor.role !== "admin") throw new AppError("forbidden", "only an admin can list everyone's tokens");
  const rows = await db().apiToken.findMany({ where: all ? {} : { referenceId: String(actor.userId ?? -1) }, orderBy: { id: "desc" } });
  const users = new Map((await db().user.findMany({ where: { id: { in: rows.map((r) => Number(r.referenceId)) } }, select: { id: true, name: true } })).map((u) => [u.id, u.name]));
  const now = Date.now();
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    start: r.start,
    scope: scopeOf(r.permissions),
    userId: Number(r.referenceId),
    user: users.get(Number(r.referenceId)) ?? "?",
    expiresAt: r.expiresAt?.toISOString() ?? null,
    lastUsedAt: r.lastRequest?.toISOString() ?? null,
    createdAt: r.createdAt.toISOString(),
    expired: Boolean(r.expiresAt && r.expiresAt.getTime() <= now),
  }));
}

export async function revokeToken(id: number, actor: Actor): Promise<{ id: number; revoked: true }> {
  const row = await db().apiToken.findUnique({ where: { id } });
  if (!row || (actor.role !== "admin" && row.referenceId !== String(actor.userId))) throw new AppError("not_found", `token ${id} not found`);
  await db().$transaction([
    db().apiToken.delete({ where: { id } }),
    db().auditLog.create({ data: { userId: actor.userId, action: "token.revoke", entity: "token", entityId: String(id), before: { owner: Number(row.referenceId), scope: scopeOf(row.permissions), start: row.start }, ...auditStamp() } }),
  ]);
  forgetTrustedTokens();
  return { id, revoked: true };
}
