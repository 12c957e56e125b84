import { z } from "zod";
import { ROLES, SCOPES } from "@/lib/auth/roles";

// People (docs/design.md §13): users, API tokens, the audit log. Shared by API, CLI and client.

export const email = z.string().trim().toLowerCase().email("not an email address").max(254);
export const password = z.string().min(8, "at least 8 characters").max(256);

export const createUserBody = z.object({
  email,
  password,
  role: z.enum(ROLES),
  name: z.string().trim().min(1).max(100).optional(),
});
export type CreateUserBody = z.infer<typeof createUserBody>;

export const updateUserBody = z
  .object({ role: z.enum(ROLES).optional(), disabled: z.boolean().optional(), password: password.optional(), name: z.string().trim().min(1).max(100).optional() })
  .refine((b) => Object.values(b).some((v) => v !== undefined), { message: "nothing to change" });
export type UpdateUserBody = z.infer<typeof updateUserBody>;

/** "30d", "12h", "90m", "1y" or a number of days → seconds. */
export const expiresIn = z
  .union([z.string().trim(), z.number()])
  .transform((value, ctx) => {
    const match = /^(\d+(?:\.\d+)?)\s*([mhdwy]?)$/i.exec(String(value));
    const seconds = match ? Number(match[1]) * { m: 60, h: 3_600, d: 86_400, w: 604_800, y: 31_536_000, "": 86_400 }[match[2].toLowerCase() as "m"] : NaN;
    if (!Number.isFinite(seconds) || seconds < 60 || seconds > 3650 * 86_400) {
      ctx.addIssue({ code: "custom", message: `"${value}" is not a duration between 1m and 3650d (e.g. 30d, 12h)` });
      return z.NEVER;
    }
    return Math.round(seconds);
  });

export const createTokenBody = z.object({
  name: z.string().trim().min(1).max(32).optional(),
  scope: z.enum(SCOPES),
  expiresIn: expiresIn.optional(),
  /** Admins may create a token for another user (by email); everyone else for themselves. */
  email: email.optional(),
});
export type CreateTokenBody = z.input<typeof createTokenBody>;

export interface UserDto {
  id: number;
  name: string;
  email: string | null;
  role: string;
  disabled: boolean;
  createdAt: string;
  canSignIn: boolean;
}

export interface CreatedUserDto {
  id: number;
  email: string;
  role: string;
}

export interface TokenDto {
  id: number;
  name: string | null;
  start: string | null;
  scope: string;
  userId: number;
  user: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
  createdAt: string;
  expired: boolean;
}

/** The one response that carries the token itself: shown once, never stored in clear. */
export interface CreatedTokenDto {
  id: number;
  token: string;
  scope: string;
  expiresAt: string | null;
}

export interface MeDto {
  id: number;
  name: string;
  email: string | null;
  role: string;
  via: string;
  authMode: "on" | "off";
}

export const auditQuery = z.object({
  user: z.string().trim().max(254).optional(),
  action: z.string().trim().max(200).optional(),
  entity: z.string().trim().max(100).optional(),
  entityId: z.string().trim().max(100).optional(),
  requestId: z.string().trim().max(100).optional(),
  since: z.coerce.date().optional(),
  until: z.coerce.date().optional(),
  before: z.coerce.number().int().positive().optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  format: z.enum(["json", "csv"]).default("json"),
});
export type AuditQuery = z.infer<typeof auditQuery>;

export interface AuditRowDto {
  id: number;
  createdAt: string;
  user: string | null;
  userId: number | null;
  tokenId: number | null;
  role: string | null;
  action: string;
  entity: string;
  entityId: string | null;
  requestId: string | null;
  before: unknown;
  after: unknown;
  data: unknown;
  undone: boolean;
}
