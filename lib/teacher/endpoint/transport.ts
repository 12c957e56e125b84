import http from "node:http";
import https from "node:https";
import zlib from "node:zlib";

// One HTTP exchange for the endpoint client, on node:http / node:https with keep-alive agents
// (docs/design.md §11, docs/generation.md "Performance"). The global `fetch` (undici behind WHATWG
// streams, an AbortSignal.any per call) cost about a millisecond of CPU per request in
// `npm run bench -- generate`; a plain request on a pooled socket costs a fraction of that. The
// agents keep sockets open between turns, enough for any job's concurrency.

export interface Exchange {
  status: number;
  headers: { get(name: string): string | null };
  text: string;
}

/** Thrown when the attempt's deadline passed (the client words it with the URL). */
export class ExchangeTimeout extends Error {
  constructor() {
    super("timeout");
    this.name = "ExchangeTimeout";
  }
}

const AGENT_OPTIONS = { keepAlive: true, keepAliveMsecs: 10_000, maxSockets: 1024, maxFreeSockets: 256, scheduling: "lifo" as const };
const httpAgent = new http.Agent(AGENT_OPTIONS);
const httpsAgent = new https.Agent(AGENT_OPTIONS);

function decode(body: Buffer, encoding: string | undefined): Buffer {
  switch ((encoding ?? "").trim().toLowerCase()) {
    case "gzip":
    case "x-gzip":
      return zlib.gunzipSync(body);
    case "deflate":
      return zlib.inflateSync(body);
    case "br":
      return zlib.brotliDecompressSync(body);
    default:
      return body;
  }
}

/**
 * Sends one request and reads the whole answer. Rejects with the socket's error (its `code`, e.g.
 * ECONNREFUSED, kept), an ExchangeTimeout after `timeoutMs`, or the signal's reason when it aborts.
 */
export function exchange(url: string, init: { method: "GET" | "POST"; headers: Record<string, string>; body: string | null; timeoutMs: number; signal?: AbortSignal }): Promise<Exchange> {
  return new Promise<Exchange>((resolve, reject) => {
    const { signal } = init;
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    let target: URL;
    try {
      target = new URL(url);
    } catch (error) {
      reject(error);
      return;
    }
    const secure = target.protocol === "https:";
    const headers: Record<string, string> = { ...init.headers, "accept-encoding": "gzip, deflate, br" };
    let payload: Buffer | null = null;
    if (init.body !== null) {
      payload = Buffer.from(init.body, "utf8");
      headers["content-length"] = String(payload.length);
    }
    let settled = false;
    const finish = (error: unknown, value?: Exchange) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      if (error) reject(error);
      else resolve(value!);
    };
    const request = (secure ? https : http).request(
      { protocol: target.protocol, hostname: target.hostname.replace(/^\[|\]$/g, ""), port: target.port || (secure ? 443 : 80), path: `${target.pathname}${target.search}`, method: init.method, headers, agent: secure ? httpsAgent : httpAgent },
      (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("error", (error) => finish(error));
        response.on("end", () => {
          let text: string;
          try {
            text = decode(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks), response.headers["content-encoding"]).toString("utf8");
          } catch (error) {
            finish(error);
            return;
          }
          const raw = response.headers;
          finish(null, {
            status: response.statusCode ?? 0,
            headers: {
              get: (name) => {
                const value = raw[name.toLowerCase()];
                return value === undefined ? null : Array.isArray(value) ? value.join(", ") : value;
              },
            },
            text,
          });
        });
      },
    );
    const timer = setTimeout(() => {
      const error = new ExchangeTimeout();
      request.destroy(error);
      finish(error);
    }, init.timeoutMs);
    const onAbort = () => {
      request.destroy();
      finish(signal!.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
    request.on("error", (error) => finish(error));
    request.end(payload ?? undefined);
  });
}
