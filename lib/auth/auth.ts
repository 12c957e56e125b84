import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { apiKey } from "@better-auth/api-key";
import { betterAuth } from "better-auth";
import { prismaAdapter } from "better-auth/adapters/prisma";
import { db } from "@/lib/db";
import { dataDir } from "@/lib/env";
import { SESSION_COOKIE_PREFIX, TOKEN_PREFIX } from "@/lib/auth/constants";
import { isAllowedHost } from "@/lib/auth/hosts";

// The one better-auth instance (docs/design.md §13, docs/people.md): email + password sign-in,
// database sessions and API tokens, all over the project's own PrismaClient (`db()`), so SQLite
// and PostgreSQL work alike. Ids are the schema's integers (generateId "serial").
//
// Sign-up over HTTP is off: accounts are made by an admin (users page, `stepwise users create`)
// or by the first-start setup link.

export { SESSION_COOKIE_PREFIX, TOKEN_PREFIX };

/** STEPWISE_AUTH_SECRET / BETTER_AUTH_SECRET, or a random secret kept in the data dir (0600). */
export function authSecret(): string {
  const fromEnv = process.env.STEPWISE_AUTH_SECRET ?? process.env.BETTER_AUTH_SECRET;
  if (fromEnv && fromEnv.length >= 32) return fromEnv;
  const file = path.join(dataDir(), "auth-secret");
  try {
    const existing = fs.readFileSync(file, "utf8").trim();
    if (existing.length >= 32) return existing;
  } catch {
    // first start: made below
  }
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const secret = crypto.randomBytes(32).toString("base64url");
  try {
    fs.writeFileSync(file, `${secret}\n`, { mode: 0o600, flag: "wx" });
    return secret;
  } catch {
    return fs.readFileSync(file, "utf8").trim(); // another process wrote it first
  }
}

function makeAuth() {
  return betterAuth({
    appName: "Stepwise",
    secret: authSecret(),
    baseURL: process.env.STEPWISE_URL || undefined,
    basePath: "/api/auth",
    database: prismaAdapter(db(), { provider: "sqlite" }),
    telemetry: { enabled: false },
    // Errors only, and not the expected ones (a wrong or expired token is a 401, not a log line);
    // the missing-baseURL warning is moot: our host check pins the origin (lib/auth/hosts.ts).
    logger: {
      level: "error",
      log: (level, message, ...args) => {
        if (level === "error" && !/API key/i.test(message)) console.error(`[auth] ${message}`, ...args);
      },
    },
    emailAndPassword: { enabled: true, disableSignUp: true, minPasswordLength: 8, maxPasswordLength: 256 },
    session: { modelName: "authSession", expiresIn: 60 * 60 * 24 * 7, updateAge: 60 * 60 * 24 },
    account: { modelName: "authAccount" },
    verification: { modelName: "authVerification" },
    user: {
      additionalFields: {
        role: { type: "string", required: false, defaultValue: "viewer", input: false },
        disabledAt: { type: "date", required: false, input: false },
      },
    },
    // Our own checks (lib/auth/request-guard.ts) already refused foreign hosts and cross-site
    // requests; better-auth's origin check then only needs the request's own origin.
    trustedOrigins: (request?: Request) => {
      const host = request?.headers.get("host") ?? null;
      if (!host || !isAllowedHost(host)) return [];
      return [`http://${host}`, `https://${host}`];
    },
    rateLimit: { enabled: true, window: 60, max: 600, customRules: { "/sign-in/email": { window: 60, max: 30 } } },
    advanced: {
      database: { generateId: "serial" },
      cookiePrefix: SESSION_COOKIE_PREFIX,
      useSecureCookies: (process.env.STEPWISE_URL ?? "").startsWith("https://"),
      ipAddress: { disableIpTracking: false },
    },
    databaseHooks: {
      session: {
        create: {
          // a disabled user cannot start a session (existing ones are refused in principal.ts)
          before: async (session) => {
            const user = await db().user.findUnique({ where: { id: Number(session.userId) }, select: { disabledAt: true } });
            return user && !user.disabledAt ? undefined : false;
          },
        },
      },
    },
    plugins: [
      apiKey({
        schema: { apikey: { modelName: "apiToken" } },
        defaultPrefix: TOKEN_PREFIX,
        defaultKeyLength: 40,
        startingCharactersConfig: { shouldStore: true, charactersLength: TOKEN_PREFIX.length + 6 },
        rateLimit: { enabled: false },
        keyExpiration: { defaultExpiresIn: null, minExpiresIn: 0, maxExpiresIn: 3650 },
        enableMetadata: false,
        // tokens are checked by lib/auth/principal.ts, not turned into sessions
        enableSessionForAPIKeys: false,
      }),
    ],
  });
}

export type Auth = ReturnType<typeof makeAuth>;

const globalForAuth = globalThis as unknown as { __stepwiseAuth?: { url: string; dir: string; auth: Auth } };

/** The instance for the current DATABASE_URL and data dir (tests switch both per file). */
export function auth(): Auth {
  const url = process.env.DATABASE_URL ?? "";
  const dir = dataDir();
  const current = globalForAuth.__stepwiseAuth;
  if (current && current.url === url && current.dir === dir) return current.auth;
  const next = { url, dir, auth: makeAuth() };
  globalForAuth.__stepwiseAuth = next;
  return next.auth;
}
