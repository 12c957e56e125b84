import fs from "node:fs";
import http from "node:http";
import net from "node:net";
import path from "node:path";
import { expect, test, type APIRequestContext } from "@playwright/test";
import { stateFile } from "./users";

// Hostile input against the real built server (`next start` on 127.0.0.1, scripts/e2e.mjs): huge
// and deep bodies on every mutating route, odd ids, unknown keys, non-finite numbers, bad
// multipart, path tricks in ids and file names, lying headers, stalled and abandoned bodies, bad
// URL schemes. Every case must get a 4xx with a clear message (never a 500), write nothing, and
// leave the server's memory bounded and its event loop answering (docs/limits.md).

const PORT = Number(process.env.E2E_PORT ?? 3100);
const DATA_DIR = path.resolve(process.env.STEPWISE_DATA_DIR ?? ".tmp/e2e/data");

/** The signed-in admin's cookies (e2e/global-setup.ts) for raw sockets: a body is only read for a signed-in caller. */
function cookie(): string {
  const state = JSON.parse(fs.readFileSync(stateFile("admin"), "utf8")) as { cookies: Array<{ name: string; value: string }> };
  return state.cookies.map((c) => `${c.name}=${c.value}`).join("; ");
}

interface Ids {
  trace: number;
  step: number;
  image: number;
  box: number | null;
}

async function ids(request: APIRequestContext): Promise<Ids> {
  const list = await (await request.get("/api/traces?limit=1")).json();
  const trace = await (await request.get(`/api/traces/${list.items[0].id}`)).json();
  return { trace: trace.id, step: trace.steps[0].id, image: trace.image.id, box: null };
}

/** Every mutating route that reads a JSON body, with its path for the seeded ids. */
function jsonRoutes(id: Ids): Array<[string, string]> {
  return [
    ["POST", `/api/steps/${id.step}/label`],
    ["POST", `/api/steps/${id.step}/edit`],
    ["POST", `/api/steps/${id.step}/rerun`],
    ["POST", `/api/traces/${id.trace}/decision`],
    ["POST", `/api/images/${id.image}/boxes`],
    ["PATCH", `/api/boxes/1`],
    ["POST", "/api/reviews/undo"],
    ["POST", "/api/verifier-configs"],
    ["POST", "/api/verifier-configs/default"],
    ["POST", "/api/exports"],
    ["POST", "/api/exports/preview"],
    ["POST", "/api/calibration/fit"],
    ["POST", "/api/calibration/reverify"],
    ["POST", "/api/runs"],
    ["PATCH", "/api/datasets/clevr-demo"],
  ];
}

/** What the hostile requests must not change: the datasets with their counts, the target trace, runs, exports, imports. */
async function snapshot(request: APIRequestContext, id: Ids, withImports = true): Promise<string> {
  const urls = ["/api/datasets", `/api/traces/${id.trace}`, "/api/runs", "/api/exports", ...(withImports ? ["/api/imports"] : []), "/api/verifier-configs"];
  const parts = await Promise.all(urls.map(async (url) => (await request.get(url)).text()));
  return parts.join("\n");
}

/** The pid of the process listening on PORT (Linux /proc: socket inode → fd). */
function serverPid(): number | null {
  const hex = PORT.toString(16).toUpperCase().padStart(4, "0");
  const inodes = new Set<string>();
  for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    if (!fs.existsSync(table)) continue;
    for (const line of fs.readFileSync(table, "utf8").split("\n").slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols[1]?.endsWith(`:${hex}`) && cols[3] === "0A") inodes.add(cols[9]);
    }
  }
  for (const pid of fs.readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
    try {
      for (const fd of fs.readdirSync(`/proc/${pid}/fd`)) {
        const target = fs.readlinkSync(`/proc/${pid}/fd/${fd}`);
        const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
        if (inode && inodes.has(inode)) return Number(pid);
      }
    } catch {
      // not ours to read
    }
  }
  return null;
}

function rssMb(pid: number): number {
  const kb = /VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"))?.[1];
  return Number(kb) / 1024;
}

/** Streams `megabytes` of body to a route in 64 KB chunks until the server answers or hangs up; resolves with the status (0: connection closed first). */
function streamBody(method: string, route: string, megabytes: number, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve) => {
    const req = http.request({ host: "127.0.0.1", port: PORT, method, path: route, headers: { "content-type": "application/json", cookie: cookie(), ...headers } });
    let settled = false;
    const done = (status: number) => {
      if (!settled) {
        settled = true;
        resolve(status);
      }
    };
    req.on("response", (res) => {
      res.resume();
      done(res.statusCode ?? 0);
      req.destroy();
    });
    req.on("error", () => done(0));
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    let sent = 0;
    const pump = () => {
      while (!settled && sent < megabytes * 16) {
        sent++;
        if (!req.write(sent === 1 ? Buffer.concat([Buffer.from('{"label":"'), chunk.subarray(10)]) : chunk)) {
          req.once("drain", pump);
          return;
        }
      }
      if (!settled) req.end();
    };
    pump();
  });
}

/**
 * A hostile id is refused with a 4xx — or, for dot segments (`%2e%2e`), Next normalises the path
 * first and redirects (308) within this origin, never elsewhere and never to a file.
 */
function expectRefusedOrNormalised(status: number, location: string | undefined, url: string): void {
  if (status >= 300 && status < 400) {
    expect(url, "only dot segments are normalised by a redirect").toMatch(/%2e%2e|\.\./i);
    expect(new URL(location ?? "", `http://127.0.0.1:${PORT}`).host, url).toBe(`127.0.0.1:${PORT}`);
    return;
  }
  expect(status, url).toBeGreaterThanOrEqual(400);
  expect(status, url).toBeLessThan(500);
}

function nested(depth: number): string {
  return `${'{"a":['.repeat(depth)}1${"]}".repeat(depth)}`;
}

test.describe.configure({ mode: "serial" });

test("huge, deep, non-finite and unknown-key bodies on every mutating route: 4xx with a clear message, nothing written", async ({ request }) => {
  test.setTimeout(180_000);
  const id = await ids(request);
  const before = await snapshot(request, id);
  for (const [method, route] of jsonRoutes(id)) {
    const send = (data: string, headers: Record<string, string> = {}) => request.fetch(route, { method, data, headers: { "content-type": "application/json", ...headers } });

    const big = await send(`{"label":"${"x".repeat(2 * 1024 * 1024)}"}`);
    expect(big.status(), `${method} ${route} 2 MB`).toBe(413);
    const bigBody = await big.json();
    expect(bigBody.error.code).toBe("too_large");
    expect(bigBody.error.message).toMatch(/limit of 1 MB/);

    const deep = await send(nested(5_000));
    expect(deep.status(), `${method} ${route} deep`).toBe(400);
    expect((await deep.json()).error.message).toMatch(/nest|deep|depth/i);

    const infinite = await send('{"label":"accept","expectedVersion":1e999}');
    expect(infinite.status(), `${method} ${route} 1e999`).toBeGreaterThanOrEqual(400);
    expect(infinite.status()).toBeLessThan(500);

    for (const junk of ["", "nul", "[", '{"a":1}{"b":2}', "\u0000", '"just a string"']) {
      const response = await send(junk);
      expect(response.status(), `${method} ${route} ${JSON.stringify(junk)}`).toBeGreaterThanOrEqual(400);
      expect(response.status()).toBeLessThan(500);
      expect((await response.json()).error.message.length).toBeGreaterThan(5);
    }
  }
  // unknown keys and ids by another name are refused, not ignored
  const label = await request.post(`/api/steps/${id.step}/label`, { data: { label: "accept", expectedVersion: 1, stepId: id.step + 1 } });
  expect(label.status()).toBe(400);
  expect(JSON.stringify(await label.json())).toContain("stepId");
  const undo = await request.post("/api/reviews/undo", { data: { user: "local", admin: true } });
  expect(undo.status()).toBe(400);
  expect(await snapshot(request, id)).toBe(before);
});

test("odd ids and path tricks: 4xx, never a 500, never a file's content", async ({ request }) => {
  const id = await ids(request);
  const before = await snapshot(request, id);
  for (const raw of ["0x10", "1e1", "-1", "0", "01", "1.0", " 1", "9007199254740993", "99999999999999999999", "%2e%2e", "..%2F..%2Fetc%2Fpasswd", "1%00", "NaN", "Infinity", "%E2%80%AE1"]) {
    for (const url of [`/api/steps/${raw}/label`, `/api/images/${raw}`, `/api/traces/${raw}`, `/api/exports/${raw}`, `/api/runs/${raw}`]) {
      const response = url.endsWith("/label") ? await request.post(url, { data: { label: "accept", expectedVersion: 1 } }) : await request.get(url, { maxRedirects: 0 });
      expectRefusedOrNormalised(response.status(), response.headers().location, url);
      expect(await response.text()).not.toContain("root:");
    }
  }
  for (const url of ["/api/images/1/../../../../etc/passwd", "/api/images/%2e%2e/%2e%2e/etc/passwd", "/api/exports/1/archive/..%2f..%2f..%2fetc%2fpasswd", "/_next/static/..%2f..%2f..%2fpackage.json"]) {
    const response = await request.get(url, { maxRedirects: 0 });
    expect(response.status(), url).toBeLessThan(500);
    if (response.status() >= 300 && response.status() < 400) expect(new URL(response.headers().location, `http://127.0.0.1:${PORT}`).host, url).toBe(`127.0.0.1:${PORT}`);
    const text = await response.text();
    expect(text).not.toContain("root:");
    expect(text).not.toContain('"name": "stepwise"');
  }
  // redirects from /api/images/ID only ever go to http(s)
  const image = await request.get(`/api/images/${id.image}`, { maxRedirects: 0 });
  if (image.status() >= 300 && image.status() < 400) expect(image.headers().location).toMatch(/^https?:\/\//);
  expect(await snapshot(request, id)).toBe(before);
});

test("bad multipart and hostile file names: 4xx, no file outside the upload folder, nothing imported", async ({ request }) => {
  const id = await ids(request);
  // a refused import is history (a failed row): compared apart
  const before = await snapshot(request, id, false);
  const noBoundary = await request.post("/api/imports", { data: "--x\r\n", headers: { "content-type": "multipart/form-data" } });
  expect(noBoundary.status()).toBe(400);
  expect((await noBoundary.json()).error.message).toMatch(/boundary/);
  const garbage = await request.post("/api/imports", { data: "this is not multipart", headers: { "content-type": "multipart/form-data; boundary=zzz" } });
  expect(garbage.status()).toBeGreaterThanOrEqual(400);
  expect(garbage.status()).toBeLessThan(500);
  const declaredHuge = await request.post("/api/imports", { data: "x", headers: { "content-type": "multipart/form-data; boundary=zzz", "content-length": "1" } });
  expect(declaredHuge.status()).toBeLessThan(500);

  // a traversal file name lands inside the upload folder under a safe name; javascript: images are refused
  const form = new FormData();
  form.set("dataset", "hostile-upload");
  const canonical = JSON.parse(fs.readFileSync(path.resolve("fixtures/canonical/clevr-781-two-traces.jsonl"), "utf8").split("\n")[0]);
  const line = JSON.stringify({ ...canonical, id: "hostile-1", image: "javascript:alert(1)" });
  form.append("files", new Blob([`${line}\n`], { type: "application/json" }), "../../../../hostile-escape.jsonl");
  const upload = await request.post("/api/imports", { multipart: form });
  expect(upload.status()).toBe(400);
  const body = await upload.json();
  expect(JSON.stringify(body)).toMatch(/javascript: scheme/);
  expect(fs.existsSync(path.resolve(DATA_DIR, "..", "hostile-escape.jsonl"))).toBe(false);
  expect(fs.existsSync(path.resolve(DATA_DIR, "hostile-escape.jsonl"))).toBe(false);
  expect(fs.existsSync(path.resolve("hostile-escape.jsonl"))).toBe(false);
  const uploads = path.join(DATA_DIR, "uploads");
  expect(fs.existsSync(uploads) ? fs.readdirSync(uploads) : []).toEqual([]);
  const datasets = await (await request.get("/api/datasets")).json();
  expect(JSON.stringify(datasets)).not.toContain("hostile-upload");
  expect(await snapshot(request, id, false)).toBe(before);
  const history = await (await request.get("/api/imports")).json();
  const rows = (Array.isArray(history) ? history : history.items) as Array<{ dataset: string; status: string }>;
  expect(rows.filter((r) => r.dataset === "hostile-upload").every((r) => r.status === "failed")).toBe(true);
});

test("streamed 64 MB bodies, chunked or with a lying Content-Length, are cut at the cap: the server's memory stays bounded", async () => {
  test.setTimeout(120_000);
  const pid = serverPid();
  expect(pid, "the server's pid (from /proc)").not.toBeNull();
  const before = rssMb(pid!);
  const statuses = await Promise.all([
    streamBody("POST", "/api/steps/1/label", 64),
    streamBody("POST", "/api/reviews/undo", 64, { "transfer-encoding": "chunked" }),
    streamBody("POST", "/api/verifier-configs", 64, { "content-length": "100" }),
    streamBody("POST", "/api/exports/preview", 64),
  ]);
  for (const status of statuses) expect([0, 400, 413]).toContain(status);
  expect(statuses.filter((s) => s === 413).length).toBeGreaterThan(0);
  const after = rssMb(pid!);
  // four 64 MB bodies buffered whole would add ≥ 256 MB; capped reading adds a few MB
  expect(after - before).toBeLessThan(120);
  const health = await fetch(`http://127.0.0.1:${PORT}/api/health`);
  expect(health.status).toBe(200);
});

test("stalled bodies (slow-loris) and an upload stalled mid-file do not hold up other requests", async ({ request }) => {
  test.setTimeout(60_000);
  const sockets: net.Socket[] = [];
  for (let i = 0; i < 20; i++) {
    const socket = net.connect(PORT, "127.0.0.1");
    socket.on("error", () => {});
    socket.write(`POST /api/steps/1/label HTTP/1.1\r\nHost: 127.0.0.1:${PORT}\r\nCookie: ${cookie()}\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{"label":"acc`);
    sockets.push(socket);
  }
  // an upload whose client goes away half-way through a file
  const boundary = "----hostile";
  const upload = net.connect(PORT, "127.0.0.1");
  upload.on("error", () => {});
  upload.write(
    `POST /api/imports HTTP/1.1\r\nHost: 127.0.0.1:${PORT}\r\nCookie: ${cookie()}\r\nContent-Type: multipart/form-data; boundary=${boundary}\r\nContent-Length: 50000000\r\n\r\n` +
      `--${boundary}\r\nContent-Disposition: form-data; name="dataset"\r\n\r\nabandoned\r\n--${boundary}\r\nContent-Disposition: form-data; name="files"; filename="big.jsonl"\r\nContent-Type: application/json\r\n\r\n`,
  );
  upload.write(Buffer.alloc(2 * 1024 * 1024, 0x20));
  await new Promise((resolve) => setTimeout(resolve, 500));
  const health = await request.get("/api/health", { timeout: 5_000 });
  expect(health.status()).toBe(200);
  const list = await request.get("/api/traces?limit=5", { timeout: 5_000 });
  expect(list.status()).toBe(200);
  upload.destroy();
  for (const socket of sockets) socket.destroy();
  // the abandoned upload's folder goes at once (the request's signal aborts when the client leaves),
  // not only at the next recovery sweep, and its failed history row says why
  const uploads = path.join(DATA_DIR, "uploads");
  await expect.poll(() => (fs.existsSync(uploads) ? fs.readdirSync(uploads) : []), { timeout: 20_000 }).toEqual([]);
  await expect
    .poll(async () => {
      const history = await (await request.get("/api/imports")).json();
      const rows = (Array.isArray(history) ? history : history.items) as Array<{ dataset: string; status: string; error: string | null }>;
      return rows.find((r) => r.dataset === "abandoned")?.error ?? "";
    }, { timeout: 20_000 })
    .toMatch(/client went away/);
  const datasets = await (await request.get("/api/datasets")).json();
  expect(JSON.stringify(datasets)).not.toContain("abandoned");
});
