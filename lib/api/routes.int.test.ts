import fs from "node:fs";
import path from "node:path";
import { NextRequest } from "next/server";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { GUARDED } from "@/lib/api/handler";
import { auth } from "@/lib/auth/auth";
import { TOKEN_TRUST_MS } from "@/lib/auth/token-cache";
import { createToken, revokeToken } from "@/lib/services/people/tokens";
import { createUser, updateUser } from "@/lib/services/people/users";

// Generated from the file tree (docs/design.md §13): every app/api/**/route.ts, every exported
// method. Each must be made by handle() (so the check cannot be forgotten), answer 401 to an
// anonymous request and 403 to a viewer's mutation. A new route without a check fails here.

const ROOT = path.resolve(__dirname, "../..");
const API = path.join(ROOT, "app", "api");
const METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"] as const;
const MUTATIONS = new Set(["POST", "PUT", "PATCH", "DELETE"]);

/** Routes that are not handle()-made, each for a stated reason, tested separately below. */
const NOT_HANDLED: Record<string, string> = {
  "auth/[...all]": "better-auth's sign-in / sign-out / session endpoints: how one gets credentials",
};
/** Routes anyone may call. */
const PUBLIC = new Set(["GET health", "POST setup"]);
/** Mutations a viewer may make (docs/design.md §13: viewers read and export; their own tokens). */
const VIEWER_MUTATIONS = new Set(["POST exports", "POST exports/preview", "POST exports/[id]/cancel", "POST tokens", "DELETE tokens/[id]", "POST views", "PATCH views/[id]", "DELETE views/[id]"]);

function routeFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return routeFiles(full);
    return entry.name === "route.ts" ? [full] : [];
  });
}

const routes = routeFiles(API)
  .map((file) => path.relative(API, path.dirname(file)).split(path.sep).join("/"))
  .sort();

function urlOf(route: string): { url: string; params: Record<string, string | string[]> } {
  const params: Record<string, string | string[]> = {};
  const segments = route.split("/").map((segment) => {
    const match = /^\[(\.\.\.)?(\w+)\]$/.exec(segment);
    if (!match) return segment;
    const value = match[2] === "name" ? "demo" : "1";
    params[match[2]] = match[1] ? [value] : value;
    return value;
  });
  return { url: `http://127.0.0.1:3000/api/${segments.join("/")}`, params };
}

async function call(route: string, method: string, headers: Record<string, string> = {}, body?: string): Promise<Response> {
  const routeModule = (await import(path.join(API, route, "route.ts"))) as Record<string, unknown>;
  const handler = routeModule[method] as (request: NextRequest, context: { params: Promise<Record<string, string | string[]>> }) => Promise<Response>;
  const { url, params } = urlOf(route);
  const request = new NextRequest(url, { method, headers: { host: "127.0.0.1:3000", ...headers }, body: MUTATIONS.has(method) ? (body ?? "{}") : undefined });
  return handler(request, { params: Promise.resolve(params) });
}

let viewerCookie = "";
let reviewerToken = "";

async function signIn(email: string, password: string): Promise<string> {
  const response = await auth().api.signInEmail({ body: { email, password }, asResponse: true });
  expect(response.status).toBe(200);
  return response.headers.getSetCookie().map((c) => c.split(";")[0]).join("; ");
}

beforeAll(async () => {
  await createUser({ email: "viewer@example.org", password: "viewer-pass-1", role: "viewer" });
  await createUser({ email: "rev@example.org", password: "review-pass-1", role: "reviewer" });
  viewerCookie = await signIn("viewer@example.org", "viewer-pass-1");
  reviewerToken = (await createToken({ scope: "review", email: "rev@example.org" }, null)).token;
});

describe("every API route checks who asks", () => {
  it("finds the routes", () => {
    expect(routes.length).toBeGreaterThan(30);
    expect(routes).toContain("steps/[id]/label");
  });

  for (const route of routes) {
    it(`${route}: made by handle(), 401 anonymous, 403 for a viewer's mutation`, async () => {
      const routeModule = (await import(path.join(API, route, "route.ts"))) as Record<string, unknown>;
      const methods = METHODS.filter((m) => typeof routeModule[m] === "function");
      expect(methods.length, `${route} exports no handler`).toBeGreaterThan(0);
      if (NOT_HANDLED[route]) return;
      for (const method of methods) {
        const key = `${method} ${route}`;
        const access = (routeModule[method] as Record<symbol, unknown>)[GUARDED];
        expect(access, `${key} is not made by handle() — wrap it so it checks the caller`).toBeDefined();
        const anonymous = await call(route, method);
        if (PUBLIC.has(key)) {
          expect(access).toBe("public");
          continue;
        }
        expect(access, `${key} is public but not in the reviewed PUBLIC list`).not.toBe("public");
        expect(anonymous.status, `${key} anonymous`).toBe(401);
        if (MUTATIONS.has(method)) {
          const asViewer = await call(route, method, { cookie: viewerCookie, "content-type": "application/json" });
          if (VIEWER_MUTATIONS.has(key)) expect(access, `${key} may be used by viewers`).toBe("viewer");
          else expect(asViewer.status, `${key} as viewer`).toBe(403);
        } else if (access === "admin") {
          expect((await call(route, method, { cookie: viewerCookie })).status, `${key} as viewer`).toBe(403);
        } else {
          // a viewer passes the check: whatever comes back, it is not an auth refusal
          expect([401, 403], `${key} as viewer`).not.toContain((await call(route, method, { cookie: viewerCookie })).status);
        }
      }
    });
  }
});

describe("request checks", () => {
  it("refuses text/plain JSON bodies with 415", async () => {
    const response = await call("steps/[id]/label", "POST", { authorization: `Bearer ${reviewerToken}`, "content-type": "text/plain" }, '{"label":"accept","expectedVersion":1}');
    expect(response.status).toBe(415);
  });

  it("refuses cross-site mutations (Origin and Sec-Fetch-Site)", async () => {
    const foreign = await call("steps/[id]/label", "POST", { cookie: viewerCookie, origin: "http://evil.example", "content-type": "application/json" });
    expect(foreign.status).toBe(403);
    expect(((await foreign.json()) as { error: { message: string } }).error.message).toMatch(/cross-site/);
    const site = await call("exports", "POST", { cookie: viewerCookie, "sec-fetch-site": "cross-site", "content-type": "application/json" });
    expect(site.status).toBe(403);
    const nullOrigin = await call("verifier-configs", "POST", { authorization: `Bearer ${reviewerToken}`, origin: "null", "content-type": "text/plain" });
    expect(nullOrigin.status).toBe(403);
  });

  it("accepts a same-origin mutation", async () => {
    const response = await call("exports/preview", "POST", { cookie: viewerCookie, origin: "http://127.0.0.1:3000", "sec-fetch-site": "same-origin", "content-type": "application/json" }, "{}");
    expect([401, 403, 415]).not.toContain(response.status);
  });

  it("refuses a Host it is not configured for (DNS rebinding), even with valid credentials", async () => {
    const response = await call("datasets", "GET", { cookie: viewerCookie, host: "attacker.example:3000" });
    expect(response.status).toBe(403);
    process.env.STEPWISE_HOSTS = "stepwise.example.org";
    try {
      expect((await call("datasets", "GET", { cookie: viewerCookie, host: "stepwise.example.org" })).status).toBe(200);
    } finally {
      delete process.env.STEPWISE_HOSTS;
    }
  });

  it("takes API tokens and limits them to their scope", async () => {
    expect((await call("datasets", "GET", { authorization: `Bearer ${reviewerToken}` })).status).toBe(200);
    expect((await call("datasets", "GET", { authorization: "Bearer stw_notarealtoken" })).status).toBe(401);
    expect((await call("users", "GET", { authorization: `Bearer ${reviewerToken}` })).status).toBe(403);
    const read = (await createToken({ scope: "read", email: "rev@example.org" }, null)).token;
    expect((await call("reviews/undo", "POST", { authorization: `Bearer ${read}`, "content-type": "application/json" }, "{}")).status).toBe(403);
  });

  it("a token verified moments ago is trusted a few seconds; revoking it or changing its user here takes effect at once, elsewhere within TOKEN_TRUST_MS", async () => {
    const { db } = await import("@/lib/db");
    const owner = await createUser({ email: "trust@example.org", password: "trust-pass-1", role: "reviewer" });
    const asked = (token: string, route = "datasets", method = "GET") =>
      call(route, method, { authorization: `Bearer ${token}`, "content-type": "application/json" }, method === "GET" ? undefined : "{}").then((r) => r.status);
    const first = await createToken({ scope: "review", email: "trust@example.org" }, null);
    expect(await asked(first.token)).toBe(200);
    const seen = (await db().apiToken.findUniqueOrThrow({ where: { id: first.id } })).lastRequest;
    expect(seen).not.toBeNull();
    expect(await asked(first.token)).toBe(200);
    // trusted: the second request did not write the token's row again
    expect((await db().apiToken.findUniqueOrThrow({ where: { id: first.id } })).lastRequest).toEqual(seen);
    // revoked through the app: refused on the next request
    await revokeToken(first.id, { userId: owner.id, role: "admin" } as never);
    expect(await asked(first.token)).toBe(401);
    // the user demoted through the app: the token acts with the new role at once (viewers cannot undo)
    const second = await createToken({ scope: "review", email: "trust@example.org" }, null);
    expect(await asked(second.token, "reviews/undo", "POST")).not.toBe(403);
    await updateUser(owner.id, { role: "viewer" }, null);
    expect(await asked(second.token, "reviews/undo", "POST")).toBe(403);
    // deleted by another process (the CLI on the same file): trusted until TOKEN_TRUST_MS has passed
    expect(await asked(second.token)).toBe(200);
    await db().apiToken.delete({ where: { id: second.id } });
    expect(await asked(second.token)).toBe(200);
    vi.useFakeTimers({ toFake: ["Date"], now: Date.now() + TOKEN_TRUST_MS + 1 });
    try {
      expect(await asked(second.token)).toBe(401);
    } finally {
      vi.useRealTimers();
    }
  });

  it("better-auth's own routes: sign-up is refused, a foreign host is refused", async () => {
    const routeModule = (await import(path.join(API, "auth/[...all]/route.ts"))) as { POST: (r: Request) => Promise<Response>; GET: (r: Request) => Promise<Response> };
    const signUp = await routeModule.POST(new Request("http://127.0.0.1:3000/api/auth/sign-up/email", { method: "POST", headers: { host: "127.0.0.1:3000", "content-type": "application/json" }, body: JSON.stringify({ email: "x@example.org", password: "whatever-123", name: "x" }) }));
    expect(signUp.ok).toBe(false);
    const foreign = await routeModule.GET(new Request("http://attacker.example/api/auth/get-session", { headers: { host: "attacker.example" } }));
    expect(foreign.status).toBe(403);
    const plain = await routeModule.POST(new Request("http://127.0.0.1:3000/api/auth/sign-in/email", { method: "POST", headers: { host: "127.0.0.1:3000", "content-type": "text/plain" }, body: '{"email":"viewer@example.org","password":"viewer-pass-1"}' }));
    expect(plain.status).toBe(415);
  });

  it("a successful mutation leaves one audit row: actor, token, role, request id, target, input; a refused one leaves none", async () => {
    const { db } = await import("@/lib/db");
    const before = await db().auditLog.count();
    const refused = await call("reviews/undo", "POST", { cookie: viewerCookie, "content-type": "application/json" }, "{}");
    expect(refused.status).toBe(403);
    expect(await db().auditLog.count()).toBe(before);
    await db().dataset.upsert({ where: { name: "demo" }, create: { name: "demo" }, update: {} });
    const ok = await call("datasets/[name]/claim", "POST", { authorization: `Bearer ${reviewerToken}`, "x-request-id": "req-audit-1" });
    expect(ok.status, await ok.clone().text()).toBe(200);
    const rows = await db().auditLog.findMany({ where: { requestId: "req-audit-1" } });
    expect(rows).toHaveLength(1);
    const reviewer = await db().user.findUniqueOrThrow({ where: { email: "rev@example.org" } });
    expect(rows[0]).toMatchObject({ userId: reviewer.id, role: "reviewer", action: "POST /api/datasets/:name/claim", entity: "datasets", entityId: "demo" });
    expect(rows[0].tokenId).not.toBeNull();
  });
});
