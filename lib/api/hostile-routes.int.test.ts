import fs from "node:fs";
import path from "node:path";
import { NextRequest } from "next/server";
import { beforeAll, describe, expect, it } from "vitest";
import { sql } from "@/lib/db/sql";
import { createToken } from "@/lib/services/people/tokens";
import { createUser } from "@/lib/services/people/users";

// Hostile bodies on every mutating route, generated from the route tree the way
// lib/api/routes.int.test.ts walks it (docs/limits.md): each mutation is either in JSON_ROUTES —
// then a body over its cap is a 413, a body nested 5,000 deep a 400, unknown keys, 1e999 and junk
// a 4xx, never a 500, and nothing is written — or in NO_JSON_BODY with the reason it reads none.
// A new mutating route in neither list fails "every mutating route has a hostile case".
// (e2e/hostile.spec.ts replays the same against the built server, with memory measured.)

const ROOT = path.resolve(__dirname, "../..");
const API = path.join(ROOT, "app", "api");
const MUTATIONS = ["POST", "PUT", "PATCH", "DELETE"] as const;
const MiB = 1024 * 1024;

/** Mutations that read a JSON body: the body cap (MB) where it is not the default 1 MB. */
const JSON_ROUTES: Record<string, { capMb?: number }> = {
  "PUT boxes/[id]/object": {},
  "PATCH boxes/[id]": {},
  "POST calibration/fit": {},
  "POST calibration/reverify": {},
  "POST calibration/fit/effect": {},
  "POST datasets/[name]/assignments": {},
  "PUT datasets/[name]/review-policy": {},
  "PATCH datasets/[name]": {},
  "POST exports/preview": {},
  "POST exports": {},
  "POST generation": { capMb: 32 },
  "POST images/[id]/boxes": {},
  "POST reviews/undo": {},
  "POST runs": {},
  "POST setup": {},
  "PATCH spare/pairs/[id]": {},
  "POST spare/runs": { capMb: 32 },
  "POST steps/[id]/adjudicate": {},
  "POST steps/[id]/edit": {},
  "POST steps/[id]/label": {},
  "POST steps/[id]/rerun": {},
  "POST tokens": {},
  "POST traces/[id]/decision": {},
  "POST traces/[id]/regenerate": {},
  "POST traces/[id]/continuations/[branch]/restore": {},
  "POST traces/bulk": {},
  "POST traces/bulk/preview": {},
  "POST views": {},
  "PATCH views/[id]": {},
  "PATCH users/[id]": {},
  "POST users": {},
  "POST verifier-configs/default": {},
  "POST verifier-configs": {},
};

/** Mutations that read no JSON body, and why (a body sent to them is never read). */
const NO_JSON_BODY: Record<string, string> = {
  "POST auth/[...all]": "better-auth's own endpoints (sign-in/out), tested in routes.int.test.ts",
  "POST imports": "multipart upload, streamed to disk with per-file and total caps (import-upload tests, e2e/hostile.spec.ts)",
  "POST datasets/[name]/claim": "the action is the path",
  "DELETE datasets/[name]": "confirmation in the query",
  "DELETE boxes/[id]": "expected version in the query",
  "POST exports/[id]/cancel": "the action is the path",
  "DELETE exports/[id]": "the action is the path",
  "POST generation/[id]/cancel": "the action is the path",
  "POST generation/[id]/resume": "the action is the path",
  "DELETE runs/[id]": "the action is the path",
  "POST spare/runs/[id]/publish": "the action is the path",
  "DELETE spare/runs/[id]": "the action is the path",
  "DELETE tokens/[id]": "the action is the path",
  "DELETE views/[id]": "the action is the path",
  "DELETE imports/[id]": "confirmation in the query",
};

function routeFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return routeFiles(full);
    return entry.name === "route.ts" ? [full] : [];
  });
}

function mutations(): string[] {
  return routeFiles(API).flatMap((file) => {
    const route = path.relative(API, path.dirname(file)).split(path.sep).join("/");
    const source = fs.readFileSync(file, "utf8");
    return MUTATIONS.filter((m) => new RegExp(`export (const|async function|function) ${m}\\b`).test(source)).map((m) => `${m} ${route}`);
  });
}

let token = "";

/** Calls the route's handler in-process with an admin token; path ids name nothing that exists. */
async function call(key: string, body: string): Promise<Response> {
  const [method, route] = key.split(" ");
  const routeModule = (await import(path.join(API, route, "route.ts"))) as Record<string, unknown>;
  const handler = routeModule[method] as (request: NextRequest, context: { params: Promise<Record<string, string | string[]>> }) => Promise<Response>;
  const params: Record<string, string | string[]> = {};
  const url = route
    .split("/")
    .map((segment) => {
      const match = /^\[(\.\.\.)?(\w+)\]$/.exec(segment);
      if (!match) return segment;
      const value = match[2] === "name" ? "hostile-none" : "987654";
      params[match[2]] = match[1] ? [value] : value;
      return value;
    })
    .join("/");
  const request = new NextRequest(`http://127.0.0.1:3000/api/${url}`, {
    method,
    headers: { host: "127.0.0.1:3000", authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: body as BodyInit,
  });
  return handler(request, { params: Promise.resolve(params) });
}

/** Row counts of every table: what a refused request must leave as it was. */
async function counts(): Promise<Record<string, number>> {
  const q = await sql();
  const listing =
    q.dialect === "postgres"
      ? `SELECT "tablename" AS "name" FROM pg_tables WHERE "schemaname" = current_schema() AND "tablename" <> '_prisma_migrations' ORDER BY 1`
      : `SELECT "name" FROM sqlite_master WHERE "type" = 'table' AND "name" NOT LIKE 'sqlite_%' AND "name" <> '_prisma_migrations' ORDER BY 1`;
  const tables = (await q.all<{ name: string }>(listing)).map((t) => t.name);
  const out: Record<string, number> = {};
  for (const t of tables) out[t] = (await q.get<{ n: number }>(`SELECT COUNT(*) AS "n" FROM "${t}"`))!.n;
  return out;
}

const nested = (depth: number) => `${'{"a":['.repeat(depth)}1${"]}".repeat(depth)}`;

beforeAll(async () => {
  await createUser({ email: "hostile-admin@example.org", password: "hostile-pass-1", role: "admin" });
  token = (await createToken({ scope: "admin", email: "hostile-admin@example.org" }, null)).token;
});

describe("hostile bodies on every mutating route", () => {
  it("every mutating route has a hostile case (a new route must be added to JSON_ROUTES or NO_JSON_BODY)", () => {
    const found = mutations().sort();
    expect(found.length).toBeGreaterThan(30);
    const listed = [...Object.keys(JSON_ROUTES), ...Object.keys(NO_JSON_BODY)].sort();
    expect(found.filter((k) => !listed.includes(k)), "mutating routes without a hostile case").toEqual([]);
    expect(listed.filter((k) => !found.includes(k)), "hostile cases for routes that no longer exist").toEqual([]);
  });

  for (const [key, { capMb = 1 }] of Object.entries(JSON_ROUTES)) {
    it(`${key}: over-cap, deep, non-finite, unknown-key and junk bodies get a clear 4xx and write nothing`, async () => {
      const before = await counts();
      const huge = await call(key, `{"label":"${"x".repeat((capMb + 1) * MiB)}"}`);
      expect(huge.status, `${key} ${capMb + 1} MB`).toBe(413);
      const hugeBody = (await huge.json()) as { error: { code: string; message: string } };
      expect(hugeBody.error.code).toBe("too_large");
      expect(hugeBody.error.message).toContain(`limit of ${capMb} MB`);

      const deep = await call(key, nested(5_000));
      expect(deep.status, `${key} nested 5,000 deep`).toBe(400);
      expect(((await deep.json()) as { error: { message: string } }).error.message).toMatch(/nest|deep|depth/i);

      for (const body of ['{"label":"accept","expectedVersion":1e999}', '{"__hostile":1}', "", "nul", "[", '{"a":1}{"b":2}', "\u0000", '"just a string"', "[1,2,3]", "null"]) {
        const response = await call(key, body);
        expect(response.status, `${key} ${JSON.stringify(body)}: ${await response.clone().text()}`).toBeGreaterThanOrEqual(400);
        expect(response.status, `${key} ${JSON.stringify(body)}`).toBeLessThan(500);
        const message = ((await response.json()) as { error: { message: string } }).error.message;
        expect(message.length, `${key} ${JSON.stringify(body)} says why`).toBeGreaterThan(5);
      }
      expect(await counts()).toEqual(before);
    });
  }

  for (const [key, reason] of Object.entries(NO_JSON_BODY)) {
    if (key.startsWith("POST auth/")) continue;
    it(`${key} (${reason}): a 2 MB body is not a 500`, async () => {
      const response = await call(key, `{"__hostile":"${"x".repeat(2 * MiB)}"}`);
      expect(response.status, `${key}: ${await response.clone().text()}`).toBeLessThan(500);
    });
  }
});
