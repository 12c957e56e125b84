import http from "node:http";
import type { AddressInfo } from "node:net";
import { DEFAULT_RATES, NO_FAULTS, ORACLE_RATES, type FaultRates } from "@/lib/teacher/scripted/faults";
import { spareResponder } from "@/lib/spare/offline-chat";
import { judgeResponder } from "@/lib/verifier/judge/responder";
import { scriptedResponder, type SceneLookup } from "@/lib/teacher/serve/scripted-responder";
import { isResponderError, type ChatCompletionBody, type Responder, type ResponderReply } from "@/lib/teacher/serve/types";

// `stepwise teacher-serve`: the built-in teacher as a real OpenAI-compatible HTTP server
// (docs/design.md §11, docs/generation.md): GET /v1/models, POST /v1/chat/completions with tools.
// Requests go through a chain of responders (registerResponder / the `responders` option first,
// the scripted teacher last). It can behave like real servers at their worst: latency with jitter,
// 429 with Retry-After, 500s, tool calls written into content (Hermes tags, fenced JSON, JSON agents),
// Python-quoted, cut-off or unreadable arguments, responses cut by max_tokens, empty responses.

export const BUILTIN_MODEL = "stepwise/scripted-teacher";

export const MISBEHAVIOURS = ["hermes", "fenced", "json_actions", "python_args", "cut_args", "unparseable_args", "truncate", "empty"] as const;
export type Misbehaviour = (typeof MISBEHAVIOURS)[number];

export interface FaultPreset {
  /** Reasoning faults of the scripted teacher (lib/teacher/scripted/faults.ts). */
  rates: FaultRates;
  /** Probability per request of a 429 (with Retry-After) and of a 500. */
  rateLimited: number;
  serverError: number;
}

export const FAULT_PRESETS: Record<string, FaultPreset> = {
  none: { rates: NO_FAULTS, rateLimited: 0, serverError: 0 },
  default: { rates: DEFAULT_RATES, rateLimited: 0, serverError: 0 },
  dense: { rates: ORACLE_RATES, rateLimited: 0, serverError: 0 },
  flaky: { rates: DEFAULT_RATES, rateLimited: 0.08, serverError: 0.05 },
};

export interface TeacherServerOptions {
  lookup: SceneLookup;
  /** Model id served (default stepwise/scripted-teacher). */
  model?: string;
  /** When set, requests must carry `Authorization: Bearer <apiKey>`. */
  apiKey?: string | null;
  faults?: keyof typeof FAULT_PRESETS | FaultPreset;
  /** Fixed latency per completion, plus up to `latencyJitterMs` more (uniform). */
  latencyMs?: number;
  latencyJitterMs?: number;
  /** true: every kind; a list: those kinds. Applied to a turn with probability misbehaveRate. */
  misbehave?: boolean | readonly Misbehaviour[];
  misbehaveRate?: number;
  /** Retry-After sent with a 429, in seconds (fractions allowed). */
  retryAfterSeconds?: number;
  /** Tried before the scripted teacher, in order. */
  responders?: Responder[];
  random?: () => number;
}

export interface TeacherServer {
  url: string;
  port: number;
  server: http.Server;
  /** Requests answered (any status), by outcome. */
  stats: { requests: number; completions: number; rateLimited: number; serverErrors: number; misbehaved: Partial<Record<Misbehaviour, number>> };
  close(): Promise<void>;
}

const globalResponders = globalThis as unknown as { __stepwiseResponders?: Responder[] };

/**
 * Adds a responder to every built-in teacher server in this process (tried before the scripted
 * teacher, after a server's own `responders`). Returns a function that removes it.
 */
export function registerResponder(responder: Responder): () => void {
  const list = (globalResponders.__stepwiseResponders ??= []);
  list.push(responder);
  return () => {
    const at = list.indexOf(responder);
    if (at >= 0) list.splice(at, 1);
  };
}

function send(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text).toString(), ...headers });
  res.end(text);
}

function errorBody(message: string, type: string, code: string | null = null) {
  return { error: { message, type, param: null, code } };
}

const estimate = (text: string) => Math.ceil(text.length / 4);

function promptTokens(body: ChatCompletionBody): number {
  let chars = 0;
  for (const m of body.messages) {
    if (typeof m.content === "string") chars += m.content.length;
    else if (Array.isArray(m.content)) for (const part of m.content as Array<{ type?: string; text?: string }>) chars += part?.type === "text" ? (part.text?.length ?? 0) : 340; // an image ≈ 85 tokens
    if (m.tool_calls) chars += JSON.stringify(m.tool_calls).length;
  }
  if (body.tools) chars += JSON.stringify(body.tools).length;
  return Math.ceil(chars / 4);
}

/** Rewrites a reply the way a misconfigured or weaker server would send it. */
export function misbehave(reply: ResponderReply, kind: Misbehaviour): ResponderReply {
  const call = reply.toolCalls?.[0];
  const text = reply.content ?? "";
  const join = (...parts: string[]) => parts.filter(Boolean).join("\n");
  switch (kind) {
    case "hermes":
      if (!reply.toolCalls?.length) return reply;
      return { content: join(text, ...reply.toolCalls.map((c) => `<tool_call>\n{"name": "${c.name}", "arguments": ${c.arguments}}\n</tool_call>`)), finishReason: "stop" };
    case "fenced":
      if (!call) return reply;
      return { content: join(text, "```json", JSON.stringify({ name: call.name, arguments: JSON.parse(call.arguments) }, null, 2), "```"), finishReason: "stop" };
    case "json_actions":
      if (!reply.toolCalls?.length) return reply;
      return { content: JSON.stringify({ thought: text, actions: reply.toolCalls.map((c) => ({ name: c.name, arguments: JSON.parse(c.arguments) })) }), finishReason: "stop" };
    case "python_args":
      if (!call) return reply;
      return { ...reply, toolCalls: reply.toolCalls!.map((c) => ({ ...c, arguments: c.arguments.replace(/"/g, "'").replace(/\btrue\b/g, "True").replace(/\bfalse\b/g, "False").replace(/\bnull\b/g, "None") })) };
    case "cut_args":
      if (!call) return reply;
      // the closing brackets are lost (max_tokens hit inside the arguments)
      return { ...reply, toolCalls: reply.toolCalls!.map((c) => ({ ...c, arguments: c.arguments.replace(/[\]}]+$/, "") })), finishReason: "tool_calls" };
    case "unparseable_args":
      if (!call) return reply;
      return { ...reply, toolCalls: reply.toolCalls!.map((c) => ({ ...c, arguments: Object.entries(JSON.parse(c.arguments) as Record<string, unknown>).map(([k, v]) => `${k}=${Array.isArray(v) ? v.join(",") : String(v)}`).join(" ") || "()" })) };
    case "truncate":
      if (call || text.length < 8) return reply;
      return { content: text.slice(0, Math.floor(text.length / 2)), finishReason: "length" };
    case "empty":
      return { content: "", finishReason: "stop" };
  }
}

/** Starts the server on 127.0.0.1 (port 0: a free one). */
export async function startTeacherServer(options: TeacherServerOptions, port = 0, host = "127.0.0.1"): Promise<TeacherServer> {
  const model = options.model ?? BUILTIN_MODEL;
  const preset = typeof options.faults === "object" ? options.faults : FAULT_PRESETS[options.faults ?? "none"];
  if (!preset) throw new Error(`unknown fault preset "${String(options.faults)}" (${Object.keys(FAULT_PRESETS).join(", ")})`);
  const random = options.random ?? Math.random;
  const kinds: readonly Misbehaviour[] = options.misbehave === true ? MISBEHAVIOURS : options.misbehave ? options.misbehave : [];
  const misbehaveRate = options.misbehaveRate ?? 0.3;
  const scripted = scriptedResponder({ lookup: options.lookup, rates: preset.rates });
  const stats: TeacherServer["stats"] = { requests: 0, completions: 0, rateLimited: 0, serverErrors: 0, misbehaved: {} };
  let counter = 0;

  const handleCompletion = async (body: ChatCompletionBody, res: http.ServerResponse) => {
    if (body.model !== model) {
      send(res, 404, errorBody(`The model \`${String(body.model)}\` does not exist.`, "invalid_request_error", "model_not_found"));
      return;
    }
    if (!Array.isArray(body.messages) || body.messages.length === 0) {
      send(res, 400, errorBody("messages: expected a non-empty array", "invalid_request_error"));
      return;
    }
    if (preset.rateLimited && random() < preset.rateLimited) {
      stats.rateLimited++;
      send(res, 429, errorBody("Rate limit reached, retry later", "rate_limit_error", "rate_limit_exceeded"), { "retry-after": String(options.retryAfterSeconds ?? 0.05) });
      return;
    }
    if (preset.serverError && random() < preset.serverError) {
      stats.serverErrors++;
      send(res, 500, errorBody("The server had an error while processing your request.", "server_error"));
      return;
    }
    const latency = (options.latencyMs ?? 0) + (options.latencyJitterMs ? random() * options.latencyJitterMs : 0);
    if (latency > 0) await new Promise((resolve) => setTimeout(resolve, latency));
    const maxTokens = body.max_tokens ?? body.max_completion_tokens;
    let reply: ResponderReply | null = null;
    if (typeof maxTokens === "number" && maxTokens <= 1) {
      reply = { content: "O", finishReason: "length" }; // a one-token probe (preflight)
    } else {
      // SpaRE's classifier and QA prompts are answered by the rules (docs/design.md §12), the
      // verifier's judge prompts by the offline judge (docs/design.md §5 "reasoning.judge")
      const chain = [...(options.responders ?? []), ...(globalResponders.__stepwiseResponders ?? []), spareResponder, judgeResponder, scripted];
      for (const responder of chain) {
        const answer = await responder(body);
        if (answer === null) continue;
        if (isResponderError(answer)) {
          send(res, answer.status, errorBody(answer.error, "invalid_request_error"));
          return;
        }
        reply = answer;
        break;
      }
    }
    if (!reply) {
      send(res, 400, errorBody("no responder could answer this request", "invalid_request_error"));
      return;
    }
    if (kinds.length && random() < misbehaveRate) {
      const kind = kinds[Math.floor(random() * kinds.length)];
      const changed = misbehave(reply, kind);
      if (changed !== reply) {
        stats.misbehaved[kind] = (stats.misbehaved[kind] ?? 0) + 1;
        reply = changed;
      }
    }
    const id = `chatcmpl-stepwise-${++counter}`;
    const toolCalls = reply.toolCalls?.map((c, i) => ({ id: c.id ?? `call_${counter}_${i}`, type: "function", function: { name: c.name, arguments: c.arguments } }));
    const completionText = (reply.content ?? "") + (reply.toolCalls ?? []).map((c) => c.name + c.arguments).join("");
    stats.completions++;
    send(res, 200, {
      id,
      object: "chat.completion",
      created: Math.floor(Date.now() / 1000),
      model,
      choices: [{ index: 0, message: { role: "assistant", content: reply.content, ...(toolCalls?.length ? { tool_calls: toolCalls } : {}) }, finish_reason: reply.finishReason ?? (toolCalls?.length ? "tool_calls" : "stop") }],
      usage: { prompt_tokens: promptTokens(body), completion_tokens: estimate(completionText) || 1, total_tokens: promptTokens(body) + (estimate(completionText) || 1) },
    });
  };

  const server = http.createServer((req, res) => {
    stats.requests++;
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      void (async () => {
        const url = (req.url ?? "").split("?")[0].replace(/\/+$/, "");
        if (options.apiKey && req.headers.authorization !== `Bearer ${options.apiKey}`) {
          send(res, 401, errorBody("Incorrect API key provided.", "invalid_request_error", "invalid_api_key"));
          return;
        }
        if (req.method === "GET" && url === "/v1/models") {
          send(res, 200, { object: "list", data: [{ id: model, object: "model", created: 0, owned_by: "stepwise" }] });
          return;
        }
        if (req.method === "POST" && url === "/v1/chat/completions") {
          let body: ChatCompletionBody;
          try {
            body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as ChatCompletionBody;
          } catch (error) {
            send(res, 400, errorBody(`request body is not JSON (${(error as Error).message})`, "invalid_request_error"));
            return;
          }
          await handleCompletion(body, res);
          return;
        }
        send(res, 404, errorBody(`no route ${req.method} ${url} (this server has /v1/models and /v1/chat/completions)`, "invalid_request_error"));
      })().catch((error: unknown) => {
        if (!res.headersSent) send(res, 500, errorBody(error instanceof Error ? error.message : String(error), "server_error"));
      });
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  return {
    url: `http://${host}:${address.port}/v1`,
    port: address.port,
    server,
    stats,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
