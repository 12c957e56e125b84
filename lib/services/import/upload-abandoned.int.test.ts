import fs from "node:fs";
import http from "node:http";
import net from "node:net";
import path from "node:path";
import { Readable } from "node:stream";
import { NextRequest } from "next/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db } from "@/lib/db";
import { dataDir } from "@/lib/env";
import { createToken } from "@/lib/services/people/tokens";
import { createUser } from "@/lib/services/people/users";

// An upload whose client goes away mid-body (docs/limits.md): a real HTTP server on 127.0.0.1
// serving app/api/imports/route.ts the way `next start` does (the request's signal aborts when
// the connection closes before the response is written), and a raw socket destroyed half-way
// through a file. The upload folder must be gone at once — not only after the recovery sweep —
// and a failed history row must say what happened.

type Handler = (request: NextRequest, context: { params: Promise<Record<string, string>> }) => Promise<Response>;

let server: http.Server;
let port = 0;
let token = "";

beforeAll(async () => {
  await createUser({ email: "uploader@example.org", password: "uploader-pass-1", role: "admin" });
  token = (await createToken({ scope: "admin", email: "uploader@example.org" }, null)).token;
  const { POST } = (await import("@/app/api/imports/route")) as unknown as { POST: Handler };
  server = http.createServer(async (req, res) => {
    const controller = new AbortController();
    res.once("close", () => {
      if (!res.writableFinished) controller.abort(new Error("the client went away"));
    });
    const headers = new Headers();
    for (const [name, value] of Object.entries(req.headers)) if (typeof value === "string") headers.set(name, value);
    const init = { method: req.method, headers, body: Readable.toWeb(req) as ReadableStream<Uint8Array>, duplex: "half", signal: controller.signal };
    const request = new NextRequest(`http://127.0.0.1:${port}${req.url}`, init as ConstructorParameters<typeof NextRequest>[1]);
    const response = await POST(request, { params: Promise.resolve({}) });
    res.writeHead(response.status, Object.fromEntries(response.headers));
    res.end(Buffer.from(await response.arrayBuffer()));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as net.AddressInfo).port;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

const uploads = () => {
  const root = path.join(dataDir(), "uploads");
  return fs.existsSync(root) ? fs.readdirSync(root) : [];
};

async function until(condition: () => Promise<boolean> | boolean, what: string): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe("an abandoned upload", () => {
  it.each([
    ["a data file", "big.jsonl", 'application/json', Buffer.alloc(2 * 1024 * 1024, 0x20)],
    ["an image", "photo.png", "image/png", Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(1024 * 1024, 1)])],
  ])("a socket destroyed half-way through %s: the folder goes at once and a failed history row says the client went away", async (_what, filename, type, bytes) => {
    const dataset = `abandoned-${filename}`;
    const boundary = "----abandoned";
    const socket = net.connect(port, "127.0.0.1");
    socket.on("error", () => {});
    await new Promise((resolve) => socket.once("connect", resolve));
    socket.write(
      `POST /api/imports HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAuthorization: Bearer ${token}\r\nContent-Type: multipart/form-data; boundary=${boundary}\r\nContent-Length: 50000000\r\n\r\n` +
        `--${boundary}\r\nContent-Disposition: form-data; name="dataset"\r\n\r\n${dataset}\r\n--${boundary}\r\nContent-Disposition: form-data; name="files"; filename="${filename}"\r\nContent-Type: ${type}\r\n\r\n`,
    );
    socket.write(bytes);
    // the folder exists while the body arrives, with part of the file in it
    await until(() => uploads().some((dir) => fs.existsSync(path.join(dataDir(), "uploads", dir, filename))), "the upload folder");
    socket.destroy();
    await until(() => uploads().length === 0, "the upload folder to be removed");
    await until(async () => (await db().import.count({ where: { datasetName: dataset } })) > 0, "the history row");
    const row = await db().import.findFirstOrThrow({ where: { datasetName: dataset } });
    expect(row.status).toBe("failed");
    expect(row.error).toMatch(/client (went away|disconnected)/);
    expect(row.error).toContain(filename);
    expect(row.uploadDir).toBeNull();
    expect(await db().dataset.findUnique({ where: { name: dataset } })).toBeNull();
  });

  it("a complete upload over the same server still imports", async () => {
    const form = new FormData();
    form.set("dataset", "abandoned-then-whole");
    form.append("files", new Blob([fs.readFileSync(path.resolve("fixtures/canonical/clevr-781-two-traces.jsonl"))]), "two.jsonl");
    const response = await fetch(`http://127.0.0.1:${port}/api/imports`, { method: "POST", body: form, headers: { authorization: `Bearer ${token}` } });
    expect(response.status, await response.clone().text()).toBe(201);
    expect(((await response.json()) as { created: { traces: number } }).created.traces).toBe(2);
    expect(uploads()).toEqual([]);
  });
});
