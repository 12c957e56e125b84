// Roles and token scopes (docs/design.md §13). Pure: shared by the server, the CLI and the UI.
//
//   viewer   read everything, export
//   reviewer viewer + label, edit, re-run, generate, import, create exports and runs
//   admin    reviewer + users, tokens of others, verifier configs, deletion, adjudication, audit log

export const ROLES = ["viewer", "reviewer", "admin"] as const;
export type Role = (typeof ROLES)[number];

export const SCOPES = ["read", "review", "admin"] as const;
export type Scope = (typeof SCOPES)[number];

/** What a route needs: a role, or nobody at all (health). */
export type Access = Role | "public";

const RANK: Record<Role, number> = { viewer: 0, reviewer: 1, admin: 2 };

export const SCOPE_ROLE: Record<Scope, Role> = { read: "viewer", review: "reviewer", admin: "admin" };

export const isRole = (value: unknown): value is Role => typeof value === "string" && (ROLES as readonly string[]).includes(value);
export const isScope = (value: unknown): value is Scope => typeof value === "string" && (SCOPES as readonly string[]).includes(value);

export function atLeast(role: Role, needed: Role): boolean {
  return RANK[role] >= RANK[needed];
}

/** A token acts with the lesser of its owner's role and its scope. */
export function effectiveRole(userRole: Role, scope?: Scope): Role {
  if (!scope) return userRole;
  const scoped = SCOPE_ROLE[scope];
  return RANK[scoped] < RANK[userRole] ? scoped : userRole;
}

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

export const isMutation = (method: string): boolean => !SAFE_METHODS.has(method.toUpperCase());

/** The default policy of `handle()`: reads need a viewer, anything that changes state a reviewer. */
export function defaultAccess(method: string): Role {
  return isMutation(method) ? "reviewer" : "viewer";
}
