import util from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import { EndpointClient } from "@/lib/teacher/endpoint/client";
import { EndpointError } from "@/lib/teacher/endpoint/errors";
import type { Clock } from "@/lib/teacher/endpoint/rate-limit";
import { closedPort, completion, json, startTestServer, type TestServer } from "@/lib/teacher/endpoint/test-server";

// The client against real HTTP servers on 127.0.0.1 that answer as real endpoints do (and fail as
// they do). Backoff waits go through a virtual clock, so retries are checked without waiting.

const KEY = "sk-test-0123456789abcdef";
let server: TestServer | null = null;
afterEach(async () => {
  await server?.close();
  server = null;
});

function virtualClock(): Clock & { sleeps: number[] } {
  let t = 0;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => t,
    sleep: (ms, signal) => {
      if (signal?.aborted) return Promise.reject(signal.reason);
      sleeps.push(ms);
      t += ms;
      return Promise.resolve();
    },
  };
}

const TOOLS = [{ type: "function" as const, function: { name: "detect", description: "find objects", parameters: { type: "object", properties: { query: { type: "string" } } } } }];

async function rejection(promise: Promise<unknown>): Promise<EndpointError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(EndpointError);
    return error as EndpointError;
  }
  throw new Error("expected the call to fail");
}

describe("EndpointClient.chat", () => {
  it("sends the model, messages, tools, sampling parameters and the key from the named variable", async () => {
    server = await startTestServer((_req, res) => json(res, 200, completion(null, { tool_calls: [{ id: "call_1", type: "function", function: { name: "detect", arguments: "{}" } }] }, "tool_calls")));
    const client = new EndpointClient(
      { baseUrl: `${server.url}/`, model: "qwen2.5-vl", apiKeyEnv: "TEACHER_KEY", params: { temperature: 0.7, max_tokens: 512, seed: 3 }, maxTokensField: "max_completion_tokens", prices: { qwen: { input: 1, output: 2 } } },
      { env: { TEACHER_KEY: KEY } },
    );
    const result = await client.chat({ messages: [{ role: "user", content: "How many cubes?" }], tools: TOOLS, params: { temperature: 0.2 } });
    const request = server.requests[0];
    expect(request.url).toBe("/v1/chat/completions");
    expect(request.headers.authorization).toBe(`Bearer ${KEY}`);
    const body = JSON.parse(request.body);
    expect(body).toMatchObject({ model: "qwen2.5-vl", stream: false, tool_choice: "auto", temperature: 0.2, max_completion_tokens: 512, seed: 3, tools: TOOLS });
    expect(body.max_tokens).toBeUndefined();
    expect(result).toMatchObject({ id: "chatcmpl-test", finishReason: "tool_calls", usage: { prompt: 11, completion: 3 }, usageReported: true, attempts: 1 });
    expect(result.message.tool_calls?.[0].function?.name).toBe("detect");
    expect(client.meter.snapshot()).toMatchObject({ requests: 1, retries: 0, tokens: { prompt: 11, completion: 3 }, costUsd: (11 * 1 + 3 * 2) / 1e6 });
  });

  it("builds the same JSON as serialising the whole body, reusing each message's JSON across turns", () => {
    const client = new EndpointClient({ baseUrl: "http://127.0.0.1:9/v1", model: "m\"x", params: { temperature: 0.5, max_tokens: 64, stop: ["\n\n"] }, maxTokensField: "max_completion_tokens" });
    const messages: Parameters<EndpointClient["chat"]>[0]["messages"] = [
      { role: "system", content: "Be brief." },
      { role: "user", content: [{ type: "image_url", image_url: { url: "data:image/png;base64,iVBORw0KGgo=" } }, { type: "text", text: "Image: a.png\nQuestion: ünïcode \u2028 ok?" }] },
    ];
    const expected = (extra: object) => JSON.stringify({ model: 'm"x', messages, stream: false, temperature: 0.2, max_completion_tokens: 64, stop: ["\n\n"], seed: 3, tools: TOOLS, tool_choice: "auto", ...extra });
    expect(client.serializeRequest({ messages, tools: TOOLS, params: { temperature: 0.2, seed: 3 } })).toBe(expected({}));
    // the conversation grows by appending; earlier messages' JSON is reused, the result is the same
    messages.push({ role: "assistant", content: null, tool_calls: [{ id: "c1", type: "function", function: { name: "detect", arguments: "{}" } }] }, { role: "tool", tool_call_id: "c1", content: "[]" });
    expect(client.serializeRequest({ messages, tools: TOOLS, params: { temperature: 0.2, seed: 3 } })).toBe(expected({}));
    expect(client.serializeRequest({ messages: messages.slice(0, 2), params: { temperature: 0.2, seed: 3 }, responseFormat: { type: "json_object" } })).toBe(
      JSON.stringify({ model: 'm"x', messages: messages.slice(0, 2), stream: false, temperature: 0.2, max_completion_tokens: 64, stop: ["\n\n"], seed: 3, response_format: { type: "json_object" } }),
    );
  });

  it("never shows the key: not in errors a server echoes it into, not in the client object", async () => {
    server = await startTestServer((_req, res) => json(res, 401, { error: { message: `Incorrect API key provided: ${KEY}.`, type: "invalid_request_error", code: "invalid_api_key" } }));
    const client = new EndpointClient({ baseUrl: server.url, model: "m", apiKeyEnv: "TEACHER_KEY" }, { env: { TEACHER_KEY: KEY } });
    const error = await rejection(client.chat({ messages: [{ role: "user", content: "hi" }] }));
    expect(error.kind).toBe("auth");
    expect(error.message).toContain("[redacted]");
    expect(error.message).not.toContain(KEY);
    expect(JSON.stringify(error)).not.toContain(KEY);
    expect(util.inspect(client, { depth: 10 })).not.toContain(KEY);
    expect(JSON.stringify(client)).not.toContain(KEY);
    expect(JSON.stringify(client.config)).not.toContain(KEY);
    expect(server.requests).toHaveLength(1); // a refused key is not retried
  });

  it("refuses to start without the named variable, naming it", () => {
    expect(() => new EndpointClient({ baseUrl: "http://127.0.0.1:9/v1", model: "m", apiKeyEnv: "NOT_SET_ANYWHERE" }, { env: {} })).toThrow(/NOT_SET_ANYWHERE is not set/);
    expect(() => new EndpointClient({ baseUrl: "ftp://x", model: "m" })).toThrow(/baseUrl: must be an http\(s\) URL/);
  });

  it("retries 429 and 5xx with backoff, waiting at least what Retry-After asks (seconds, date, ms)", async () => {
    const inTwoMinutes = new Date(Date.now() + 90_000).toUTCString();
    server = await startTestServer((_req, res, i) => {
      if (i === 0) json(res, 429, { error: { message: "Rate limit reached" } }, { "retry-after": "7" });
      else if (i === 1) json(res, 503, { error: "overloaded" }, { "retry-after": inTwoMinutes });
      else if (i === 2) json(res, 429, { error: "slow down" }, { "retry-after-ms": "1500" });
      else if (i === 3) json(res, 500, { error: "boom" });
      else json(res, 200, completion("OK"));
    });
    const clock = virtualClock();
    const client = new EndpointClient({ baseUrl: server.url, model: "m", maxRetries: 5, maxRetryAfterMs: 200_000 }, { clock, random: () => 0.5, backoff: { baseMs: 100, maxMs: 1000 } });
    const result = await client.chat({ messages: [{ role: "user", content: "hi" }] });
    expect(result.attempts).toBe(5);
    expect(server.requests).toHaveLength(5);
    expect(clock.sleeps[0]).toBe(7000);
    expect(clock.sleeps[1]).toBeGreaterThan(80_000);
    expect(clock.sleeps[2]).toBe(1500);
    expect(clock.sleeps[3]).toBe(600); // backoff: 100·2³ = 800 → 400 fixed + 0.5·400
    expect(client.meter.snapshot()).toMatchObject({ requests: 1, retries: 4, failures: 0, errors: { rate_limited: 2, server: 2 } });
  });

  it("gives up after maxRetries, and at once when Retry-After asks for more than allowed", async () => {
    server = await startTestServer((_req, res) => json(res, 502, "bad gateway"));
    const client = new EndpointClient({ baseUrl: server.url, model: "m", maxRetries: 2 }, { clock: virtualClock() });
    const error = await rejection(client.chat({ messages: [{ role: "user", content: "hi" }] }));
    expect(error).toMatchObject({ kind: "server", status: 502 });
    expect(server.requests).toHaveLength(3);
    expect(client.meter.snapshot()).toMatchObject({ failures: 1, retries: 2, errors: { server: 3 } });
    await server.close();

    server = await startTestServer((_req, res) => json(res, 429, { error: "quota" }, { "retry-after": "3600" }));
    const patient = new EndpointClient({ baseUrl: server.url, model: "m", maxRetries: 5, maxRetryAfterMs: 60_000 }, { clock: virtualClock() });
    const refused = await rejection(patient.chat({ messages: [{ role: "user", content: "hi" }] }));
    expect(refused.kind).toBe("rate_limited");
    expect(refused.message).toMatch(/asks to wait 3600 s, more than the 60 s allowed/);
    expect(server.requests).toHaveLength(1);
  });

  it("does not retry a malformed request", async () => {
    server = await startTestServer((_req, res) => json(res, 400, { error: { message: "messages: field required" } }));
    const client = new EndpointClient({ baseUrl: server.url, model: "m" }, { clock: virtualClock() });
    const error = await rejection(client.chat({ messages: [] }));
    expect(error).toMatchObject({ kind: "bad_request", status: 400 });
    expect(error.message).toContain("messages: field required");
    expect(server.requests).toHaveLength(1);
  });

  it("retries a dropped connection and a body that is not a completion", async () => {
    server = await startTestServer((_req, res, i) => {
      if (i === 0) res.socket?.destroy();
      else if (i === 1) {
        res.writeHead(200, { "content-type": "text/html" });
        res.end("<html>502 proxy</html>");
      } else if (i === 2) json(res, 200, { object: "chat.completion" }); // no choices at all (choices: [] is an empty turn: quirks.int.test.ts)
      else json(res, 200, completion("fine"));
    });
    const client = new EndpointClient({ baseUrl: server.url, model: "m" }, { clock: virtualClock() });
    const result = await client.chat({ messages: [{ role: "user", content: "hi" }] });
    expect(result.message.content).toBe("fine");
    expect(client.meter.snapshot().errors).toEqual({ network: 1, bad_response: 2 });
  });

  it("times out an attempt that never answers, and retries it", async () => {
    server = await startTestServer((_req, res, i) => {
      if (i === 0) return; // held: the client's timeout ends it
      json(res, 200, completion("late but fine"));
    });
    const client = new EndpointClient({ baseUrl: server.url, model: "m", timeoutMs: 200 }, { backoff: { baseMs: 1, maxMs: 2 } });
    const result = await client.chat({ messages: [{ role: "user", content: "hi" }] });
    expect(result.message.content).toBe("late but fine");
    expect(client.meter.snapshot().errors).toEqual({ timeout: 1 });
  });

  it("estimates usage when the server reports none", async () => {
    server = await startTestServer((_req, res) => json(res, 200, { id: "x", choices: [{ message: { role: "assistant", content: "abcdefgh" }, finish_reason: "stop" }] }));
    const client = new EndpointClient({ baseUrl: server.url, model: "m" });
    const result = await client.chat({ messages: [{ role: "user", content: "hi" }] });
    expect(result.usageReported).toBe(false);
    expect(result.usage.prompt).toBeGreaterThan(0);
    expect(result.usage.completion).toBeGreaterThan(0);
  });

  it("is cancelled by its signal while waiting for an answer and while backing off", async () => {
    server = await startTestServer((_req, res, i) => {
      if (i === 1) json(res, 500, { error: "retry me" });
      // request 0 is held until the client gives up on it
    });
    const client = new EndpointClient({ baseUrl: server.url, model: "m", timeoutMs: 60_000 }, { backoff: { baseMs: 60_000, maxMs: 60_000 } });
    const inFlight = new AbortController();
    const first = client.chat({ messages: [{ role: "user", content: "hi" }] }, { signal: inFlight.signal });
    while (server.requests.length < 1) await new Promise((resolve) => setImmediate(resolve));
    inFlight.abort();
    expect((await rejection(first)).kind).toBe("cancelled");

    const backingOff = new AbortController();
    const second = client.chat({ messages: [{ role: "user", content: "hi" }] }, { signal: backingOff.signal });
    while (server.requests.length < 2) await new Promise((resolve) => setImmediate(resolve));
    // the 500 arrives and the minute-long backoff starts
    while (client.meter.snapshot().errors.server !== 1) await new Promise((resolve) => setImmediate(resolve));
    backingOff.abort();
    expect((await rejection(second)).kind).toBe("cancelled");
    expect(client.meter.snapshot().failures).toBe(0); // a cancel is not a failure of the endpoint
  });

  it("ask(): one question, one answer", async () => {
    server = await startTestServer((req, res) => {
      const body = JSON.parse(req.body);
      json(res, 200, completion(`${body.messages[0].content} / ${body.messages[1].content}`));
    });
    const client = new EndpointClient({ baseUrl: server.url, model: "judge" });
    expect(await client.ask("Is obj_3 left of obj_5?", { system: "Answer yes or no." })).toBe("Answer yes or no. / Is obj_3 left of obj_5?");
    expect(JSON.parse(server.requests[0].body).tools).toBeUndefined();
  });
});

describe("EndpointClient.preflight", () => {
  const models = { object: "list", data: [{ id: "qwen2.5-vl-7b", object: "model" }, { id: "llava", object: "model" }] };

  it("passes when the model is listed and the probe (with tools) is accepted", async () => {
    server = await startTestServer((req, res) => (req.url.endsWith("/models") ? json(res, 200, models) : json(res, 200, completion("O", {}, "length"))));
    const client = new EndpointClient({ baseUrl: server.url, model: "qwen2.5-vl-7b" });
    const report = await client.preflight({ tools: TOOLS });
    expect(report).toMatchObject({ models: ["qwen2.5-vl-7b", "llava"], probed: true });
    const probe = JSON.parse(server.requests[1].body);
    expect(probe).toMatchObject({ max_tokens: 1, tools: TOOLS });
  });

  it("a server that is not there: invalid input naming the URL", async () => {
    const port = await closedPort();
    const client = new EndpointClient({ baseUrl: `http://127.0.0.1:${port}/v1`, model: "m" });
    const error = await rejection(client.preflight());
    expect(error).toMatchObject({ code: "invalid_input", kind: "unreachable" });
    expect(error.message).toMatch(new RegExp(`cannot reach http://127.0.0.1:${port}/v1/models \\(ECONNREFUSED\\)`));
  });

  it("a wrong key: invalid input naming the variable, key not shown", async () => {
    server = await startTestServer((req, res) => (req.headers.authorization === "Bearer right" ? json(res, 200, models) : json(res, 401, { error: { message: `bad key ${String(req.headers.authorization).slice(7)}` } })));
    const client = new EndpointClient({ baseUrl: server.url, model: "llava", apiKeyEnv: "MY_KEY" }, { env: { MY_KEY: KEY } });
    const error = await rejection(client.preflight());
    expect(error).toMatchObject({ code: "invalid_input", kind: "auth" });
    expect(error.message).toMatch(/refused the API key from MY_KEY \(HTTP 401\)/);
    expect(error.message).not.toContain(KEY);
    const noKey = new EndpointClient({ baseUrl: server.url, model: "llava" });
    expect((await rejection(noKey.preflight())).message).toMatch(/--api-key-env VAR/);
  });

  it("a model the server does not serve: invalid input listing what it serves", async () => {
    server = await startTestServer((req, res) => {
      if (req.url.endsWith("/models")) return json(res, 200, models);
      json(res, 404, { error: { message: "The model `gpt-9` does not exist.", type: "invalid_request_error", code: "model_not_found" } });
    });
    const client = new EndpointClient({ baseUrl: server.url, model: "gpt-9" });
    const error = await rejection(client.preflight());
    expect(error).toMatchObject({ code: "invalid_input", kind: "model" });
    expect(error.message).toMatch(/model "gpt-9" is not served by .* \(it lists qwen2.5-vl-7b, llava\)/);
  });

  it("a base URL without /v1: the hint says so", async () => {
    server = await startTestServer((_req, res) => json(res, 404, { detail: "Not Found" }));
    const client = new EndpointClient({ baseUrl: server.url.replace(/\/v1$/, ""), model: "m" });
    const error = await rejection(client.preflight());
    expect(error).toMatchObject({ code: "invalid_input", kind: "not_found" });
    expect(error.message).toMatch(/is the base URL right\? .* try http:\/\/127\.0\.0\.1:\d+\/v1/);
  });

  it("a server that refuses tools: the hint names vLLM's flags", async () => {
    server = await startTestServer((req, res) => {
      if (req.url.endsWith("/models")) return json(res, 200, models);
      json(res, 400, { object: "error", message: '"auto" tool choice requires --enable-auto-tool-choice and --tool-call-parser to be set', type: "BadRequestError", code: 400 });
    });
    const client = new EndpointClient({ baseUrl: server.url, model: "llava" });
    const error = await rejection(client.preflight({ tools: TOOLS }));
    expect(error.code).toBe("invalid_input");
    expect(error.message).toMatch(/--enable-auto-tool-choice --tool-call-parser/);
  });

  it("something that is not an OpenAI-compatible server", async () => {
    server = await startTestServer((_req, res) => {
      res.writeHead(200, { "content-type": "text/html" });
      res.end("<!doctype html><title>router login</title>");
    });
    const client = new EndpointClient({ baseUrl: server.url, model: "m" });
    const error = await rejection(client.preflight());
    expect(error.code).toBe("invalid_input");
    expect(error.message).toMatch(/does not look like an OpenAI-compatible endpoint/);
  });
});
