import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { EndpointClient } from "@/lib/teacher/endpoint/client";
import { EndpointError } from "@/lib/teacher/endpoint/errors";
import { completion, json, startTestServer, type Recorded, type TestServer } from "@/lib/teacher/endpoint/test-server";
import type { Clock } from "@/lib/teacher/endpoint/rate-limit";
import { readClevrScenes } from "@/lib/teacher/scripted";
import { generateForQuestion, type GeneratedTrace } from "@/lib/teacher/runner/methods";
import { toolJsonSchemas } from "@/lib/tools/registry";

// Other servers' quirks, over real HTTP (a tiny server on 127.0.0.1 that answers each request of a
// conversation with a canned reply, as Ollama, vLLM, llama.cpp, Mistral, DeepSeek or a proxy would):
// each is handled — the tool loop still executes every call and records the trace — and counted in
// the trace's figures (the job sums them into parseFallbacks / stopReasons / errors).

const scene = readClevrScenes(path.resolve("fixtures/clevr-v1/CLEVR_train_scenes_1000.json"))[0];
const tools = toolJsonSchemas();
const question = { id: "q1", image: scene.name, question: "How many cubes are there?", answer: null };

let server: TestServer | null = null;
afterEach(async () => {
  await server?.close();
  server = null;
});

/** A server answering request n with replies[n] (a completion's message and finish_reason, or a raw handler). */
async function scripted(replies: Array<{ message: Record<string, unknown>; finish?: string } | ((req: Recorded, res: Parameters<Parameters<typeof startTestServer>[0]>[1]) => void)>): Promise<TestServer> {
  return startTestServer((req, res, index) => {
    const reply = replies[Math.min(index, replies.length - 1)];
    if (typeof reply === "function") return reply(req, res);
    const { content = null, ...extra } = reply.message;
    json(res, 200, completion(content as string | null, extra, reply.finish ?? "stop"));
  });
}

const noWait: Clock = { now: () => Date.now(), sleep: () => Promise.resolve() };

async function generate(replies: Parameters<typeof scripted>[0], maxRetries = 2): Promise<{ generated: GeneratedTrace; client: EndpointClient; requests: Recorded[] }> {
  server = await scripted(replies);
  const client = new EndpointClient({ baseUrl: server.url, model: "m", maxRetries }, { clock: noWait });
  const generated = await generateForQuestion(question, { client, scene, tools, imagePart: null, method: "direct", k: 1, maxTurns: 8, key: "quirk" });
  return { generated, client, requests: server.requests };
}

const stepsOf = (g: GeneratedTrace) => g.trace.steps;
const callsOf = (g: GeneratedTrace) => g.trace.steps.filter((s) => s.kind === "tool_call") as Array<{ kind: "tool_call"; id: string; tool: string; args: Record<string, unknown> }>;
const resultsOf = (g: GeneratedTrace) => g.trace.steps.filter((s) => s.kind === "tool_result") as Array<{ kind: "tool_result"; call: string; output: unknown }>;
const figures = (g: GeneratedTrace) => (g.trace.meta as { fallbacks: Record<string, number> }).fallbacks;
const stopOf = (g: GeneratedTrace) => (g.trace.meta as { stopReason: string }).stopReason;
const FINAL = { message: { content: "I found them.\nAnswer: 2" } };

describe("tool-calling quirks of real servers", () => {
  it("Ollama: arguments as a JSON object instead of a string", async () => {
    const { generated, requests } = await generate([{ message: { tool_calls: [{ id: "call_a", type: "function", function: { name: "detect", arguments: { query: "cube" } } }] }, finish: "tool_calls" }, FINAL]);
    expect(callsOf(generated)).toEqual([{ kind: "tool_call", id: "call_a", tool: "detect", args: { query: "cube" } }]);
    expect(Array.isArray(resultsOf(generated)[0].output)).toBe(true);
    expect(figures(generated)).toMatchObject({ object_args: 1 });
    // sent back as the string OpenAI expects
    const second = JSON.parse(requests[1].body) as { messages: Array<{ role: string; tool_calls?: Array<{ function: { arguments: unknown } }> }> };
    expect(second.messages.find((m) => m.role === "assistant")!.tool_calls![0].function.arguments).toBe('{"query":"cube"}');
  });

  it("missing and duplicate tool_call ids get unique made-up ids; parallel calls in one turn all run; counted", async () => {
    const { generated, requests } = await generate([
      { message: { tool_calls: [{ type: "function", function: { name: "detect", arguments: '{"query": "cube"}' } }, { id: "c1", type: "function", function: { name: "detect", arguments: '{"query": "sphere"}' } }] }, finish: "tool_calls" },
      { message: { tool_calls: [{ id: "c1", type: "function", function: { name: "detect", arguments: '{"query": "cylinder"}' } }] }, finish: "tool_calls" },
      FINAL,
    ]);
    const ids = callsOf(generated).map((c) => c.id);
    expect(ids).toHaveLength(3);
    expect(new Set(ids).size).toBe(3);
    expect(ids[1]).toBe("c1");
    expect(resultsOf(generated).map((r) => r.call)).toEqual(ids);
    expect(figures(generated)).toMatchObject({ missing_id: 1, duplicate_id: 1, parallel_calls: 1 });
    // the tool messages answer the ids the conversation carries
    const third = JSON.parse(requests[2].body) as { messages: Array<{ role: string; tool_call_id?: string }> };
    expect(third.messages.filter((m) => m.role === "tool").map((m) => m.tool_call_id)).toEqual(ids);
  });

  it("tool_calls with finish_reason \"stop\" are still calls", async () => {
    const { generated } = await generate([{ message: { tool_calls: [{ id: "x", type: "function", function: { name: "detect", arguments: "{}" } }] }, finish: "stop" }, FINAL]);
    expect(callsOf(generated)).toHaveLength(1);
    expect(stopOf(generated)).toBe("answer");
    expect(figures(generated)).toMatchObject({ calls_with_stop: 1 });
  });

  it("Llama 3.1 <|python_tag|> and Mistral [TOOL_CALLS] in content", async () => {
    const llama = await generate([{ message: { content: '<|python_tag|>{"name": "detect", "parameters": {"query": "cube"}}<|eom_id|>' } }, FINAL]);
    expect(callsOf(llama.generated)).toMatchObject([{ tool: "detect", args: { query: "cube" } }]);
    expect(figures(llama.generated)).toMatchObject({ python_tag: 1 });
    await server!.close();
    server = null;
    const mistral = await generate([{ message: { content: '[TOOL_CALLS][{"name": "detect", "arguments": {"query": "sphere"}, "id": "Ab3dE6gH9"}]' } }, FINAL]);
    expect(callsOf(mistral.generated)).toMatchObject([{ id: "Ab3dE6gH9", tool: "detect", args: { query: "sphere" } }]);
    expect(figures(mistral.generated)).toMatchObject({ mistral: 1 });
  });

  it("Qwen3 <think> and DeepSeek reasoning_content are reasoning, not calls", async () => {
    const { generated } = await generate([
      { message: { content: '<think>I could call <tool_call>{"name": "count", "arguments": {"objects": []}}</tool_call> but detect is better.</think>', reasoning_content: null, tool_calls: [{ id: "t1", type: "function", function: { name: "detect", arguments: '{"query":"cube"}' } }] }, finish: "tool_calls" },
      { message: { content: "There are 2 cubes.\nAnswer: 2", reasoning_content: 'Maybe {"name": "detect", "arguments": {}} again? No.' } },
    ]);
    expect(callsOf(generated).map((c) => c.tool)).toEqual(["detect"]);
    const texts = stepsOf(generated).filter((s) => s.kind === "plan" || s.kind === "reasoning").map((s) => (s as { text: string }).text).join("\n");
    expect(texts).toContain("detect is better");
    expect(texts).toContain("again? No.");
    expect(stepsOf(generated).at(-1)).toEqual({ kind: "answer", text: "2" });
    expect(figures(generated)).toMatchObject({ think: 1, reasoning_content: 1 });
  });

  it("content as an array of parts", async () => {
    const { generated } = await generate([{ message: { content: [{ type: "text", text: "Two cubes." }, { type: "text", text: "\nAnswer: 2" }] } }]);
    expect(stepsOf(generated).at(-1)).toEqual({ kind: "answer", text: "2" });
    expect(figures(generated)).toMatchObject({ content_parts: 1 });
  });

  it("choices: [] is an empty turn (a stop reason), not retried", async () => {
    const { generated, requests } = await generate([(_req, res) => json(res, 200, { id: "x", object: "chat.completion", choices: [], prompt_filter_results: [{ prompt_index: 0 }] })]);
    expect(requests).toHaveLength(1);
    expect(stopOf(generated)).toBe("content_filter");
    expect(figures(generated)).toMatchObject({ no_choices: 1 });
  });

  it("a 502 HTML page from a proxy and a 200 with an {\"error\"} body are retried and counted by kind", async () => {
    const html = "<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>";
    const { generated, client } = await generate([
      (_req, res) => {
        res.writeHead(502, { "content-type": "text/html" });
        res.end(html);
      },
      (_req, res) => json(res, 200, { error: { message: "Rate limit exceeded, please slow down", type: "rate_limit_error" } }),
      FINAL,
    ]);
    expect(stopOf(generated)).toBe("answer");
    expect(client.meter.snapshot()).toMatchObject({ requests: 1, retries: 2, errors: { server: 1, rate_limited: 1 } });
  });

  it("the errors read clearly: the HTML page by its title, an error body by its message and kind", async () => {
    server = await scripted([
      (_req, res) => {
        res.writeHead(502, { "content-type": "text/html" });
        res.end("<html><head><title>502 Bad Gateway</title><style>body{}</style></head><body><h1>Bad Gateway</h1></body></html>");
      },
    ]);
    const client = new EndpointClient({ baseUrl: server.url, model: "m", maxRetries: 0 });
    const error = (await client.chat({ messages: [{ role: "user", content: "hi" }] }).catch((e: unknown) => e)) as EndpointError;
    expect(error).toBeInstanceOf(EndpointError);
    expect(error.kind).toBe("server");
    expect(error.message).toMatch(/HTTP 502 — an HTML page "502 Bad Gateway"/);
    expect(error.message).not.toMatch(/<|body\{/);
    await server.close();
    server = await scripted([(_req, res) => json(res, 200, { error: { message: "Invalid API key provided", code: "invalid_api_key" } })]);
    const keyed = new EndpointClient({ baseUrl: server.url, model: "m", maxRetries: 3 }, { clock: noWait });
    const refused = (await keyed.chat({ messages: [{ role: "user", content: "hi" }] }).catch((e: unknown) => e)) as EndpointError;
    expect(refused.kind).toBe("auth");
    expect(server.requests).toHaveLength(1); // not retried
  });

  it("Retry-After as an HTTP date is honoured over real HTTP", async () => {
    const sleeps: number[] = [];
    const clock: Clock = { now: () => Date.now(), sleep: (ms) => (sleeps.push(ms), Promise.resolve()) };
    server = await scripted([
      (_req, res) => json(res, 429, { error: { message: "slow down" } }, { "retry-after": new Date(Date.now() + 5_000).toUTCString() }),
      FINAL,
    ]);
    const client = new EndpointClient({ baseUrl: server.url, model: "m" }, { clock, backoff: { baseMs: 1, maxMs: 2 } });
    await client.chat({ messages: [{ role: "user", content: "hi" }] });
    expect(sleeps).toHaveLength(1);
    expect(sleeps[0]).toBeGreaterThan(3_000); // the date has 1 s resolution
    expect(sleeps[0]).toBeLessThanOrEqual(5_000);
  });
});

describe("preflight against servers without a usable model list", () => {
  it("/v1/models answering 404 (older Ollama, some proxies): a 1-token completion decides", async () => {
    server = await startTestServer((req, res) => (req.url.endsWith("/models") ? json(res, 404, { error: "404 page not found" }) : json(res, 200, completion("O", {}, "length"))));
    const client = new EndpointClient({ baseUrl: server.url, model: "llama3.1" });
    const report = await client.preflight({ tools });
    expect(report).toMatchObject({ models: null, probed: true });
    expect(JSON.parse(server.requests[1].body)).toMatchObject({ model: "llama3.1", max_tokens: 1 });
  });

  it("a model absent from the list is invalid input naming what is served, before any completion", async () => {
    server = await startTestServer((req, res) => (req.url.endsWith("/models") ? json(res, 200, { object: "list", data: [{ id: "qwen3:8b" }, { id: "llama3.1:latest" }] }) : json(res, 200, completion("O"))));
    const wrong = new EndpointClient({ baseUrl: server.url, model: "qwen3:14b" });
    const error = (await wrong.preflight({ tools }).catch((e: unknown) => e)) as EndpointError;
    expect(error).toMatchObject({ code: "invalid_input", kind: "model" });
    expect(error.message).toMatch(/model "qwen3:14b" is not served by .* \(it lists qwen3:8b, llama3.1:latest\)/);
    expect(server.requests).toHaveLength(1);
    // Ollama serves "llama3.1" as "llama3.1:latest"
    const ollama = new EndpointClient({ baseUrl: server.url, model: "llama3.1" });
    await expect(ollama.preflight({ tools })).resolves.toMatchObject({ probed: true });
  });
});
