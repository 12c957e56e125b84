import { auth } from "@/lib/auth/auth";
import { auditStamp } from "@/lib/auth/context";
import { forgetTrustedTokens } from "@/lib/auth/token-cache";
import { db } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { createUserBody, updateUserBody, type CreatedUserDto, type UserDto } from "@/lib/schemas/people";

// Accounts (docs/design.md §13). Users are made by an admin or the CLI, never by sign-up. A reviewer
// name recorded before sign-in existed (User row without email, e.g. "local") becomes that person's
// account when an admin creates a user with that name: their earlier labels stay theirs.

function invalid(message: string, path?: string): AppError {
  return new AppError("invalid_input", message, [{ path, error: message }]);
}

async function hashPassword(password: string): Promise<string> {
  const context = await auth().$context;
  return context.password.hash(password);
}

function toDto(user: { id: number; name: string; email: string | null; role: string; disabledAt: Date | null; createdAt: Date; accounts?: Array<{ providerId: string }> }): UserDto {
  return {
    id: user.id,
    name: user.name,
    email: user.email,
    role: user.role,
    disabled: Boolean(user.disabledAt),
    createdAt: user.createdAt.toISOString(),
    canSignIn: Boolean(user.email) && !user.disabledAt && (user.accounts ?? []).some((a) => a.providerId === "credential"),
  };
}

async function freeName(wanted: string): Promise<string> {
  for (let n = 1; ; n++) {
    const candidate = n === 1 ? wanted : `${wanted}-${n}`;
    const taken = await db().user.findUnique({ where: { name: candidate }, select: { email: true } });
    if (!taken) return candidate;
  }
}

export async function createUser(input: unknown, actorId: number | null = null): Promise<CreatedUserDto> {
  const parsed = createUserBody.safeParse(input);
  if (!parsed.success) throw new AppError("invalid_input", parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; "), parsed.error.issues.map((i) => ({ path: i.path.join("."), error: i.message })));
  const body = parsed.data;
  if (await db().user.findUnique({ where: { email: body.email }, select: { id: true } })) throw new AppError("conflict", `a user with email ${body.email} already exists`);
  const hash = await hashPassword(body.password);
  const wantedName = body.name ?? body.email.split("@")[0];
  const legacy = await db().user.findUnique({ where: { name: wantedName }, select: { id: true, email: true } });
  if (legacy?.email && body.name) throw new AppError("conflict", `the name "${wantedName}" belongs to ${legacy.email}`);
  const name = legacy && !legacy.email ? wantedName : await freeName(wantedName);
  const user = await db().$transaction(async (tx) => {
    const row =
      legacy && !legacy.email
        ? await tx.user.update({ where: { id: legacy.id }, data: { email: body.email, role: body.role, disabledAt: null } })
        : await tx.user.create({ data: { name, email: body.email, role: body.role } });
    await tx.authAccount.create({ data: { accountId: String(row.id), providerId: "credential", userId: row.id, password: hash } });
    await tx.auditLog.create({ data: { userId: actorId, action: "user.create", entity: "user", entityId: String(row.id), after: { name: row.name, email: row.email, role: row.role, adopted: Boolean(legacy && !legacy.email) }, ...auditStamp() } });
    return row;
  });
  return { id: user.id, email: body.email, role: user.role };
}

export async function listUsers(): Promise<UserDto[]> {
  const users = await db().user.findMany({ orderBy: { id: "asc" }, include: { accounts: { select: { providerId: true } } } });
  return users.map(toDto);
}

export async function updateUser(id: number, input: unknown, actorId: number | null): Promise<UserDto> {
  const parsed = updateUserBody.safeParse(input);
  if (!parsed.success) throw invalid(parsed.error.issues.map((i) => `${i.path.join(".") || "body"}: ${i.message}`).join("; "));
  const body = parsed.data;
  const user = await db().user.findUnique({ where: { id } });
  if (!user) throw new AppError("not_found", `user ${id} not found`);
  if (id === actorId && ((body.role && body.role !== "admin") || body.disabled)) throw new AppError("conflict", "you cannot demote or disable yourself; ask another admin");
  if (user.role === "admin" && ((body.role && body.role !== "admin") || body.disabled)) {
    const admins = await db().user.count({ where: { role: "admin", disabledAt: null, email: { not: null } } });
    if (admins <= 1) throw new AppError("conflict", "this is the last admin");
  }
  const hash = body.password ? await hashPassword(body.password) : null;
  const updated = await db().$transaction(async (tx) => {
    const row = await tx.user.update({
      where: { id },
      data: { role: body.role, name: body.name, disabledAt: body.disabled === undefined ? undefined : body.disabled ? new Date() : null },
      include: { accounts: { select: { providerId: true } } },
    });
    if (hash) {
      const account = await tx.authAccount.findFirst({ where: { userId: id, providerId: "credential" } });
      if (account) await tx.authAccount.update({ where: { id: account.id }, data: { password: hash } });
      else await tx.authAccount.create({ data: { accountId: String(id), providerId: "credential", userId: id, password: hash } });
    }
    // a role change, disabling or a new password ends the user's sessions
    if (body.role || body.disabled || hash) await tx.authSession.deleteMany({ where: { userId: id } });
    await tx.auditLog.create({
      data: {
        userId: actorId,
        action: "user.update",
        entity: "user",
        entityId: String(id),
        before: { name: user.name, role: user.role, disabled: Boolean(user.disabledAt) },
        after: { name: row.name, role: row.role, disabled: Boolean(row.disabledAt), passwordChanged: Boolean(hash) },
        ...auditStamp(),
      },
    });
    return row;
  });
  // its tokens act with its new role, or not at all
  forgetTrustedTokens();
  return toDto(updated);
}

export async function findUserByEmail(email: string): Promise<{ id: number; name: string; role: string } | null> {
  return db().user.findUnique({ where: { email: email.trim().toLowerCase() }, select: { id: true, name: true, role: true } });
}

export async function countAdmins(): Promise<number> {
  return db().user.count({ where: { role: "admin", email: { not: null }, disabledAt: null } });
}
