import path from "node:path";

// The accounts scripts/e2e.mjs creates on the e2e database (docs/design.md §13). The admin is
// named "local" — the reviewer name labels had before sign-in existed — so older specs that look
// for "local" labels keep working. e2e/global-setup.ts signs each in and saves its cookies.

export const E2E_USERS = {
  admin: { email: "admin@e2e.test", password: "admin-e2e-password", role: "admin", name: "local" },
  alice: { email: "alice@e2e.test", password: "alice-e2e-password", role: "reviewer", name: "alice" },
  bob: { email: "bob@e2e.test", password: "bob-e2e-password", role: "reviewer", name: "bob" },
  viewer: { email: "viewer@e2e.test", password: "viewer-e2e-password", role: "viewer", name: "vera" },
} as const;

export type E2EUser = keyof typeof E2E_USERS;

/** Playwright storage state (cookies) of a signed-in user; every spec runs as `admin` by default. */
export const stateFile = (user: E2EUser): string => path.resolve(".tmp", "e2e", `state-${user}.json`);
