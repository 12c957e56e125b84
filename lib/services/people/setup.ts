import crypto from "node:crypto";
import { db } from "@/lib/db";
import { AppError } from "@/lib/errors";
import type { CreatedUserDto } from "@/lib/schemas/people";
import { countAdmins, createUser } from "@/lib/services/people/users";

// First start (docs/design.md §13): while no admin can sign in, `npm start` prints a one-time
// setup link (/setup?token=…, valid 24 h, only its hash stored); whoever opens it first makes the
// first admin. `stepwise users create --role admin` does the same from a shell.

const IDENTIFIER = "stepwise-setup";
const TTL_MS = 24 * 3_600_000;

const sha256 = (value: string) => crypto.createHash("sha256").update(value).digest("hex");

/** A fresh setup token when no admin exists yet (older links stop working), else null. */
export async function issueSetupToken(): Promise<string | null> {
  if ((await countAdmins()) > 0) return null;
  const token = crypto.randomBytes(24).toString("base64url");
  await db().$transaction([
    db().authVerification.deleteMany({ where: { identifier: IDENTIFIER } }),
    db().authVerification.create({ data: { identifier: IDENTIFIER, value: sha256(token), expiresAt: new Date(Date.now() + TTL_MS) } }),
  ]);
  return token;
}

export async function completeSetup(input: { token: string; email: string; password: string; name?: string }): Promise<CreatedUserDto> {
  const row = await db().authVerification.findFirst({ where: { identifier: IDENTIFIER, value: sha256(input.token) } });
  if (!row || row.expiresAt.getTime() < Date.now()) throw new AppError("forbidden", "this setup link is not valid (used, replaced by a newer one, or older than 24 hours); restart Stepwise for a new one or run `stepwise users create --role admin`");
  if ((await countAdmins()) > 0) {
    await db().authVerification.deleteMany({ where: { identifier: IDENTIFIER } });
    throw new AppError("conflict", "an admin already exists; sign in instead");
  }
  const created = await createUser({ email: input.email, password: input.password, name: input.name, role: "admin" });
  await db().authVerification.deleteMany({ where: { identifier: IDENTIFIER } });
  return created;
}
