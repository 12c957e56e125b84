import { spawn } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { NextRequest } from "next/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db } from "@/lib/db";

// The people CLI contract (docs/design.md §13) in a child process, first against this test file's
// own SQLite database, then against a running server: a real HTTP server on 127.0.0.1 that hands
// every request to the app's own route handlers (app/api/**/route.ts), with the token the CLI made.

function stepwise(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.resolve("node_modules/tsx/dist/cli.mjs"), path.resolve("lib/cli/main.ts"), ...args], { env: { ...process.env, ...env } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

const API = path.resolve("app/api");
function routeFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? routeFiles(path.join(dir, e.name)) : e.name === "route.ts" ? [path.join(dir, e.name)] : []));
}
const ROUTES = routeFiles(API).map((file) => ({ file, segments: path.relative(API, path.dirname(file)).split(path.sep) }));

/** /api/users/7 → app/api/users/[id]/route.ts with { id: "7" } (static segments win). */
function match(pathname: string): { file: string; params: Record<string, string> } | null {
  const parts = pathname.replace(/^\/api\/?/, "").split("/").filter(Boolean);
  const candidates = ROUTES.filter((r) => r.segments.length === parts.length && r.segments.every((s, i) => s === parts[i] || /^\[\w+\]$/.test(s)));
  candidates.sort((a, b) => a.segments.filter((s) => s.startsWith("[")).length - b.segments.filter((s) => s.startsWith("[")).length);
  const route = candidates[0];
  if (!route) return null;
  const params: Record<string, string> = {};
  route.segments.forEach((s, i) => {
    if (s.startsWith("[")) params[s.slice(1, -1)] = decodeURIComponent(parts[i]);
  });
  return { file: route.file, params };
}

let server: http.Server;
let url = "";

beforeAll(async () => {
  server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const target = new URL(req.url ?? "/", `http://${req.headers.host}`);
    const found = match(target.pathname);
    if (!found) {
      res.writeHead(404).end();
      return;
    }
    const routeModule = (await import(found.file)) as Record<string, (r: NextRequest, c: unknown) => Promise<Response>>;
    const headers = new Headers(Object.entries(req.headers).flatMap(([k, v]) => (v === undefined ? [] : [[k, String(v)] as [string, string]])));
    const request = new NextRequest(target, { method: req.method, headers, body: chunks.length ? Buffer.concat(chunks) : undefined });
    const response = await routeModule[req.method ?? "GET"](request, { params: Promise.resolve(found.params) });
    res.writeHead(response.status, Object.fromEntries(response.headers.entries()));
    res.end(Buffer.from(await response.arrayBuffer()));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe("people CLI", { timeout: 400_000 }, () => { // each CLI start compiles TypeScript (tsx) on a shared machine
  let token = "";

  it("users create --json prints exactly {id, email, role}; bad input exits 2", async () => {
    const created = await stepwise(["users", "create", "--email", "Ada@Example.org", "--password", "ada-password-1", "--role", "admin", "--json"]);
    expect(created.code, created.stderr).toBe(0);
    const body = JSON.parse(created.stdout);
    expect(Object.keys(body).sort()).toEqual(["email", "id", "role"]);
    expect(body).toMatchObject({ email: "ada@example.org", role: "admin" });
    const bad = await stepwise(["users", "create", "--email", "x@example.org", "--password", "p", "--role", "superuser", "--json"]);
    expect(bad.code).toBe(2);
  });

  it("tokens create --json prints {id, token, scope, expiresAt} once; only the hash is stored", async () => {
    const created = await stepwise(["tokens", "create", "--email", "ada@example.org", "--scope", "admin", "--expires", "30d", "--json"]);
    expect(created.code, created.stderr).toBe(0);
    const body = JSON.parse(created.stdout);
    expect(Object.keys(body).sort()).toEqual(["expiresAt", "id", "scope", "token"]);
    expect(body.token).toMatch(/^stw_/);
    expect(body.scope).toBe("admin");
    const days = (Date.parse(body.expiresAt) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(29);
    expect(days).toBeLessThan(31);
    token = body.token;
    const stored = JSON.stringify(await db().apiToken.findMany());
    expect(stored).not.toContain(token);
  });

  it("with STEPWISE_URL + STEPWISE_TOKEN the CLI works against the server, and the server audits the token", async () => {
    const remote = { STEPWISE_URL: url, STEPWISE_TOKEN: token, DATABASE_URL: "file:/nonexistent/dir/never-opened.db" };
    const created = await stepwise(["users", "create", "--email", "rev@example.org", "--password", "rev-password-1", "--role", "reviewer", "--json"], remote);
    expect(created.code, created.stderr).toBe(0);
    expect(JSON.parse(created.stdout)).toMatchObject({ email: "rev@example.org", role: "reviewer" });
    const listed = await stepwise(["users", "list", "--json"], remote);
    expect(JSON.parse(listed.stdout).map((u: { email: string }) => u.email)).toEqual(expect.arrayContaining(["ada@example.org", "rev@example.org"]));
    const datasets = await stepwise(["datasets", "--json"], remote);
    expect(datasets.code, datasets.stderr).toBe(0);
    expect(Array.isArray(JSON.parse(datasets.stdout))).toBe(true);
    // the server wrote the user and an audit row naming the token
    const tokenRow = await db().apiToken.findFirstOrThrow({ where: { user: { email: "ada@example.org" } }, orderBy: { id: "desc" } });
    const audit = await db().auditLog.findFirst({ where: { tokenId: tokenRow.id }, orderBy: { id: "desc" } });
    expect(audit).toMatchObject({ role: "admin", action: "user.create", after: { email: "rev@example.org", role: "reviewer" } });
    expect(tokenRow.lastRequest).not.toBeNull();
  });

  it("a wrong token is refused (exit 1, says to check STEPWISE_TOKEN); a read token cannot create users", async () => {
    const wrong = await stepwise(["users", "list", "--json"], { STEPWISE_URL: url, STEPWISE_TOKEN: "stw_notarealtokennotarealtokennotareal00" });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr + wrong.stdout).toMatch(/STEPWISE_TOKEN/);
    const read = JSON.parse((await stepwise(["tokens", "create", "--email", "ada@example.org", "--scope", "read", "--json"])).stdout).token;
    const refused = await stepwise(["users", "create", "--email", "z@example.org", "--password", "zed-password-1", "--role", "viewer", "--json"], { STEPWISE_URL: url, STEPWISE_TOKEN: read });
    expect(refused.code).toBe(1);
    expect(JSON.parse(refused.stdout).error.code).toBe("forbidden");
    expect(await db().user.count({ where: { email: "z@example.org" } })).toBe(0);
  });
});
