import fs from "node:fs";
import http from "node:http";
import net from "node:net";
import path from "node:path";
import { Readable } from "node:stream";
import { NextRequest } from "next/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db } from "@/lib/db";
import { dataDir } from "@/lib/env";
import type { ImportHistoryItem, ImportJobDto } from "@/lib/schemas/imports";
import { backgroundImportsIdle, progressOf } from "@/lib/services/import/import-jobs";
import { createToken } from "@/lib/services/people/tokens";
import { createUser } from "@/lib/services/people/users";

// Background uploads (docs/limits.md "Big uploads"): `POST /api/imports` with
// `Prefer: respond-async` answers 202 + Location once the body is on disk and the import's history
// row exists; GET Location reports the progress and then the summary or the error. A real HTTP
// server on 127.0.0.1 serving the route files the way `next start` does.

type Handler = (request: NextRequest, context: { params: Promise<Record<string, string>> }) => Promise<Response>;

let server: http.Server;
let port = 0;
let token = "";
const base = () => `http://127.0.0.1:${port}`;
const TWO = fs.readFileSync(path.resolve("fixtures/canonical/clevr-781-two-traces.jsonl"));

beforeAll(async () => {
  await createUser({ email: "async-uploader@example.org", password: "uploader-pass-1", role: "admin" });
  token = (await createToken({ scope: "admin", email: "async-uploader@example.org" }, null)).token;
  const imports = (await import("@/app/api/imports/route")) as unknown as { GET: Handler; POST: Handler };
  const status = (await import("@/app/api/imports/[id]/status/route")) as unknown as { GET: Handler };
  server = http.createServer(async (req, res) => {
    const headers = new Headers();
    for (const [name, value] of Object.entries(req.headers)) if (typeof value === "string") headers.set(name, value);
    const url = new URL(`${base()}${req.url}`);
    const match = /^\/api\/imports\/([^/]+)\/status$/.exec(url.pathname);
    const init = { method: req.method, headers, ...(req.method === "POST" ? { body: Readable.toWeb(req) as ReadableStream<Uint8Array>, duplex: "half" } : {}) };
    const request = new NextRequest(url, init as ConstructorParameters<typeof NextRequest>[1]);
    const handler = match ? status.GET : req.method === "POST" ? imports.POST : imports.GET;
    const response = await handler(request, { params: Promise.resolve<Record<string, string>>(match ? { id: match[1] } : {}) });
    res.writeHead(response.status, Object.fromEntries(response.headers));
    res.end(Buffer.from(await response.arrayBuffer()));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as net.AddressInfo).port;
});

afterAll(async () => {
  await backgroundImportsIdle();
  await new Promise((resolve) => server.close(resolve));
});

function upload(dataset: string, files: Array<[string, Buffer]>, prefer: string | null = "respond-async", verify = false): Promise<Response> {
  const form = new FormData();
  form.set("dataset", dataset);
  form.set("verify", String(verify));
  for (const [name, bytes] of files) form.append("files", new Blob([new Uint8Array(bytes)]), name);
  return fetch(`${base()}/api/imports`, { method: "POST", body: form, headers: { authorization: `Bearer ${token}`, ...(prefer ? { prefer } : {}) } });
}

async function poll(location: string): Promise<ImportJobDto[]> {
  const seen: ImportJobDto[] = [];
  for (let i = 0; i < 1200; i++) {
    const response = await fetch(`${base()}${location}`, { headers: { authorization: `Bearer ${token}` } });
    expect(response.status).toBe(200);
    const job = (await response.json()) as ImportJobDto;
    seen.push(job);
    if (job.status !== "running") return seen;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`${location} still running`);
}

const uploads = () => {
  const root = path.join(dataDir(), "uploads");
  return fs.existsSync(root) ? fs.readdirSync(root) : [];
};

describe("POST /api/imports with Prefer: respond-async", () => {
  it("answers 202 with a Location to poll; the status ends done with the summary the synchronous answer would give", async () => {
    const response = await upload("async-two", [["two.jsonl", TWO]]);
    expect(response.status, await response.clone().text()).toBe(202);
    expect(response.headers.get("preference-applied")).toBe("respond-async");
    const first = (await response.json()) as ImportJobDto;
    const location = response.headers.get("location");
    expect(location).toBe(`/api/imports/${first.id}/status`);
    // a two-trace import may already be done by the time the 202 is written
    expect(["running", "done"]).toContain(first.status);
    expect(first).toMatchObject({ dataset: "async-two", files: [{ file: "two.jsonl", bytes: TWO.length }] });
    const polled = await poll(location!);
    const last = polled.at(-1)!;
    expect(last.status).toBe("done");
    expect(last.failure).toBeNull();
    expect(last.progress).toBeNull();
    expect(last.phases).toEqual(["validate", "write"]);
    expect(last.summary).toMatchObject({ dataset: "async-two", importId: first.id, created: { traces: 2 }, dryRun: false });
    expect(await db().trace.count({ where: { dataset: { name: "async-two" } } })).toBe(2);
    expect(uploads()).toEqual([]);
    // the history lists it like any import
    const history = (await (await fetch(`${base()}/api/imports`, { headers: { authorization: `Bearer ${token}` } })).json()) as ImportHistoryItem[];
    expect(history.find((h) => h.id === first.id)).toMatchObject({ status: "done", created: { traces: 2 } });
  });

  it("with verify on import the status stays running until the verifier run ended, then carries its result", async () => {
    const response = await upload("async-verified", [["two.jsonl", TWO]], "respond-async", true);
    expect(response.status, await response.clone().text()).toBe(202);
    const polled = await poll(response.headers.get("location")!);
    const last = polled.at(-1)!;
    expect(last.status).toBe("done");
    expect(last.phases).toEqual(["validate", "write", "verify"]);
    expect(last.summary?.verification).toMatchObject({ traces: 2 });
    // no poll saw it done before the summary was there (the row is written done before verifying)
    expect(polled.filter((p) => p.status !== "running").every((p) => p.summary !== null)).toBe(true);
  });

  it("a file with a bad line: 202, then the status fails with the error naming file and line, and nothing is written", async () => {
    const bad = Buffer.concat([TWO, Buffer.from('{"schema":"stepwise.trace/v1","id":"broken","steps":[{"kind":"plan"}]}\n')]);
    const response = await upload("async-bad", [["bad.jsonl", bad]], "return=minimal, respond-async");
    expect(response.status, await response.clone().text()).toBe(202);
    const polled = await poll(response.headers.get("location")!);
    const last = polled.at(-1)!;
    expect(last.status).toBe("failed");
    expect(last.summary).toBeNull();
    expect(last.failure?.status).toBe(400);
    expect(last.failure?.details.some((d) => d.file === "bad.jsonl" && d.line === 3)).toBe(true);
    expect(last.error).toBeTruthy();
    expect(await db().dataset.findUnique({ where: { name: "async-bad" } })).toBeNull();
    expect(uploads()).toEqual([]);
  });

  it("an error found before the import starts (no data file) is answered at once, as without the preference", async () => {
    const response = await upload("async-none", [["photo.png", Buffer.from([0x89, 0x50, 0x4e, 0x47])]]);
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { message: string } }).error.message).toMatch(/no data file/);
  });

  it("without the preference the answer is still the summary (201)", async () => {
    const response = await upload("sync-two", [["two.jsonl", TWO]], null);
    expect(response.status, await response.clone().text()).toBe(201);
    expect(((await response.json()) as { created: { traces: number } }).created.traces).toBe(2);
  });

  it("the status of an unknown import is 404", async () => {
    const response = await fetch(`${base()}/api/imports/999999/status`, { headers: { authorization: `Bearer ${token}` } });
    expect(response.status).toBe(404);
  });
});

describe("progressOf", () => {
  it("weights the phases over one bar and counts the write pass in records", () => {
    expect(progressOf({ type: "progress", phase: "validate", file: "a", bytes: 50, totalBytes: 100, records: 10 }).fraction).toBeCloseTo(0.225);
    const write = progressOf({ type: "progress", phase: "write", file: "", bytes: 0, totalBytes: 100, records: 300 }, 1200);
    expect(write).toMatchObject({ phase: "write", bytes: 300, totalBytes: 1200 });
    expect(write.fraction).toBeCloseTo(0.55);
    expect(progressOf({ type: "progress", phase: "verify", file: "", bytes: 10, totalBytes: 10, records: 10 }).fraction).toBe(1);
  });
});
