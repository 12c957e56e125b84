import { endpointConfig, type EndpointConfig, type EndpointConfigInput } from "@/lib/schemas/endpoint";
import { EndpointError, kindOfStatus, type EndpointErrorKind } from "@/lib/teacher/endpoint/errors";
import { RateLimiter, REAL_CLOCK, type Clock } from "@/lib/teacher/endpoint/rate-limit";
import { backoffDelay, DEFAULT_BACKOFF, parseRetryAfter, type BackoffOptions } from "@/lib/teacher/endpoint/retry";
import { exchange, ExchangeTimeout, type Exchange } from "@/lib/teacher/endpoint/transport";
import { estimateTokens, priceOf, UsageMeter } from "@/lib/teacher/endpoint/usage";
import type { ChatMessage, ChatRequest, ChatResult, ResponseMessage, SamplingParams, ToolSpec, Usage } from "@/lib/teacher/endpoint/types";

// A client for any OpenAI-compatible chat-completions endpoint (vLLM, SGLang, Ollama, llama.cpp
// server, OpenAI, Azure, OpenRouter, Stepwise's own teacher-serve). Generic on purpose: the tool
// loop, an LLM-judge rule (one question → one answer) and the SpaRE caption pipeline share it.
//
//   - the API key comes from the environment variable the config names, read once here; it is
//     sent in the Authorization header and nowhere else, and scrubbed from every error message
//     (servers echo keys back in 401 bodies);
//   - every attempt has a timeout; 429 / 5xx / timeouts / dropped connections / garbled bodies are
//     retried with exponential backoff and jitter, waiting at least what Retry-After asks;
//   - requests- and tokens-per-minute limits are kept client-side (RateLimiter);
//   - an AbortSignal cancels a call wherever it is (waiting for its turn, backing off, in flight);
//   - what it spends is counted on `meter` (requests, retries, tokens, cost, errors by kind).

export interface ClientOptions {
  backoff?: BackoffOptions;
  /** Shared between clients that must respect one provider limit together. */
  limiter?: RateLimiter;
  random?: () => number;
  clock?: Clock;
  /** Read the key from here instead of process.env (tests). */
  env?: Record<string, string | undefined>;
}

export interface CallOptions {
  signal?: AbortSignal;
  /** Overrides the config's maxRetries for this call. */
  maxRetries?: number;
  /** Do not retry an unreachable server (a preflight wants the error at once). */
  failFastUnreachable?: boolean;
}

export interface PreflightReport {
  baseUrl: string;
  model: string;
  /** What /models listed (null when the endpoint serves no list). */
  models: string[] | null;
  /** Whether the probe completion was sent (with the tools when given) and accepted. */
  probed: boolean;
  latencyMs: number;
}

const MAX_ERROR_BODY = 400;

export class EndpointClient {
  readonly config: EndpointConfig;
  readonly meter: UsageMeter;
  // a true private field: never shown by util.inspect or JSON.stringify of the client
  readonly #apiKey: string | null;
  private readonly limiter: RateLimiter;
  private readonly backoff: BackoffOptions;
  private readonly random: () => number;
  private readonly clock: Clock;
  private readonly base: string;

  constructor(config: EndpointConfigInput | EndpointConfig, options: ClientOptions = {}) {
    const parsed = endpointConfig.safeParse(config);
    if (!parsed.success) {
      throw new EndpointError("config", `endpoint config: ${parsed.error.issues.map((i) => `${i.path.join(".") || "config"}: ${i.message}`).join("; ")}`);
    }
    this.config = parsed.data;
    this.base = this.config.baseUrl.replace(/\/+$/, "");
    const env = options.env ?? process.env;
    if (this.config.apiKeyEnv) {
      const key = env[this.config.apiKeyEnv];
      if (!key) throw new EndpointError("config", `environment variable ${this.config.apiKeyEnv} is not set (it should hold the API key for ${this.base})`);
      this.#apiKey = key;
    } else {
      this.#apiKey = null;
    }
    this.meter = new UsageMeter(priceOf(this.config.prices, this.config.model));
    this.limiter = options.limiter ?? new RateLimiter({ requestsPerMinute: this.config.requestsPerMinute, tokensPerMinute: this.config.tokensPerMinute }, options.clock);
    this.backoff = options.backoff ?? DEFAULT_BACKOFF;
    this.random = options.random ?? Math.random;
    this.clock = options.clock ?? REAL_CLOCK;
  }

  get model(): string {
    return this.config.model;
  }

  get baseUrl(): string {
    return this.base;
  }

  /** Replaces the API key wherever it appears (servers quote it back in error bodies). */
  redact(text: string): string {
    if (!this.#apiKey || this.#apiKey.length < 4) return text;
    return text.split(this.#apiKey).join("[redacted]");
  }

  private headers(json: boolean): Record<string, string> {
    const headers: Record<string, string> = { accept: "application/json", "user-agent": "stepwise" };
    if (json) headers["content-type"] = "application/json";
    if (this.#apiKey) headers.authorization = `Bearer ${this.#apiKey}`;
    return headers;
  }

  /** The request body as sent: the config's sampling parameters under the request's own. */
  requestBody(request: ChatRequest): Record<string, unknown> {
    return JSON.parse(this.serializeRequest(request)) as Record<string, unknown>;
  }

  /**
   * The request body's JSON text. A tool loop sends the same growing conversation every turn, so
   * each message's JSON (the image's data: URI included) and the tool schemas' JSON are made once
   * and reused (cached by object: messages must not be changed once sent — the loop only appends).
   */
  serializeRequest(request: ChatRequest): string {
    const params: SamplingParams = { ...this.config.params, ...request.params };
    let out = `{"model":${JSON.stringify(this.config.model)},"messages":${serializeMessages(request.messages)},"stream":false`;
    for (const key of Object.keys(params) as Array<keyof SamplingParams>) {
      const value = params[key];
      if (value === undefined) continue;
      out += `,${JSON.stringify(key === "max_tokens" ? this.config.maxTokensField : key)}:${JSON.stringify(value)}`;
    }
    if (request.tools?.length) {
      out += `,"tools":${cachedJson(request.tools)},"tool_choice":${JSON.stringify(request.toolChoice ?? "auto")}`;
    } else if (request.toolChoice) {
      out += `,"tool_choice":${JSON.stringify(request.toolChoice)}`;
    }
    if (request.responseFormat) out += `,"response_format":${JSON.stringify(request.responseFormat)}`;
    return `${out}}`;
  }

  /** One chat completion, retried as configured. */
  async chat(request: ChatRequest, options: CallOptions = {}): Promise<ChatResult> {
    const body = this.serializeRequest(request);
    const maxTokens = request.params?.max_tokens ?? this.config.params.max_tokens ?? 256;
    const estimate = estimateTokens(body.length) + maxTokens;
    const maxRetries = options.maxRetries ?? this.config.maxRetries;
    let waitedMs = 0;
    const began = this.clock.now();
    for (let attempt = 0; ; attempt++) {
      waitedMs += await this.waitTurn(estimate, options.signal);
      const started = this.clock.now();
      try {
        const { json } = await this.send("POST", "/chat/completions", body, options.signal);
        const latencyMs = this.clock.now() - started;
        const result = readCompletion(json, latencyMs, attempt + 1, waitedMs, body.length);
        result.elapsedMs = this.clock.now() - began;
        this.meter.recordSuccess(result.usage, latencyMs);
        this.limiter.settle(estimate, result.usage.prompt + result.usage.completion);
        return result;
      } catch (caught) {
        const error = this.asEndpointError(caught, options.signal);
        const retry = error.retryable && attempt < maxRetries && !(options.failFastUnreachable && error.kind === "unreachable");
        if (error.kind !== "cancelled") this.meter.recordAttemptError(error.kind, retry);
        if (!retry) {
          if (error.kind !== "cancelled") this.meter.recordFailure();
          throw error;
        }
        if (error.retryAfterMs !== null && error.retryAfterMs > this.config.maxRetryAfterMs) {
          this.meter.recordFailure();
          throw new EndpointError(error.kind, `${error.message} — the server asks to wait ${Math.ceil(error.retryAfterMs / 1000)} s, more than the ${Math.ceil(this.config.maxRetryAfterMs / 1000)} s allowed (maxRetryAfterMs)`, { status: error.status, retryAfterMs: error.retryAfterMs });
        }
        const delay = Math.max(backoffDelay(attempt, this.backoff, this.random), error.retryAfterMs ?? 0);
        waitedMs += delay;
        try {
          await this.clock.sleep(delay, options.signal);
        } catch (abort) {
          throw this.asEndpointError(abort, options.signal);
        }
      }
    }
  }

  /** One question → one answer (no tools): the text of the reply. */
  async ask(question: string, options: CallOptions & { system?: string; params?: SamplingParams; responseFormat?: Record<string, unknown> } = {}): Promise<string> {
    const messages: ChatMessage[] = [];
    if (options.system) messages.push({ role: "system", content: options.system });
    messages.push({ role: "user", content: question });
    const result = await this.chat({ messages, params: options.params, responseFormat: options.responseFormat }, options);
    return typeof result.message.content === "string" ? result.message.content : "";
  }

  /**
   * Embeddings (POST /embeddings) for texts and, on image-text models (CLIP served by vLLM, Infinity,
   * a multimodal embedding server), images given as `{ image: url or data: URI }` — sent as OpenAI
   * content parts. One vector per input, in input order; retried like chat.
   */
  async embed(inputs: Array<string | { image: string }>, options: CallOptions = {}): Promise<number[][]> {
    if (inputs.length === 0) return [];
    const input = inputs.map((item) => (typeof item === "string" ? item : { type: "image_url", image_url: { url: item.image } }));
    const body = JSON.stringify({ model: this.config.model, input, encoding_format: "float" });
    const estimate = estimateTokens(body.length);
    const maxRetries = options.maxRetries ?? this.config.maxRetries;
    for (let attempt = 0; ; attempt++) {
      await this.waitTurn(estimate, options.signal);
      const started = this.clock.now();
      try {
        const { json } = await this.send("POST", "/embeddings", body, options.signal);
        const vectors = readEmbeddings(json, inputs.length, this.base);
        this.meter.recordSuccess({ prompt: estimate, completion: 0 }, this.clock.now() - started);
        this.limiter.settle(estimate, estimate);
        return vectors;
      } catch (caught) {
        const error = this.asEndpointError(caught, options.signal);
        const retry = error.retryable && attempt < maxRetries && !(options.failFastUnreachable && error.kind === "unreachable");
        if (error.kind !== "cancelled") this.meter.recordAttemptError(error.kind, retry);
        if (!retry) {
          if (error.kind !== "cancelled") this.meter.recordFailure();
          throw error;
        }
        const delay = Math.max(backoffDelay(attempt, this.backoff, this.random), error.retryAfterMs ?? 0);
        try {
          await this.clock.sleep(delay, options.signal);
        } catch (abort) {
          throw this.asEndpointError(abort, options.signal);
        }
      }
    }
  }

  /** Model ids the endpoint lists at /models. */
  async listModels(options: CallOptions = {}): Promise<string[]> {
    const { json } = await this.send("GET", "/models", null, options.signal).catch((caught) => {
      throw this.asEndpointError(caught, options.signal);
    });
    const record = json as { data?: unknown; models?: unknown };
    const list = Array.isArray(record?.data) ? record.data : Array.isArray(record?.models) ? record.models : null;
    if (!list) throw new EndpointError("bad_response", `${this.base}/models: expected {"data": [{"id": …}]}, got ${preview(JSON.stringify(json))}`);
    return list
      .map((entry) => (typeof entry === "string" ? entry : (entry as { id?: unknown; name?: unknown; model?: unknown })?.id ?? (entry as { name?: unknown })?.name ?? (entry as { model?: unknown })?.model))
      .filter((id): id is string => typeof id === "string");
  }

  /**
   * Fails fast, as invalid input, when the URL, model or key is wrong: lists /models, then (unless
   * `probe` is false) sends a one-token completion — with the tools when given, so a server that
   * cannot take tools (vLLM without --enable-auto-tool-choice) is caught before any work starts.
   */
  async preflight(options: { tools?: ToolSpec[]; probe?: boolean; signal?: AbortSignal } = {}): Promise<PreflightReport> {
    const started = this.clock.now();
    const where = this.base;
    let models: string[] | null = null;
    try {
      models = await this.listModels({ signal: options.signal });
    } catch (caught) {
      const error = this.asEndpointError(caught, options.signal);
      if (error.kind === "not_found" || (error.kind === "bad_request" && error.status === 405)) {
        // some servers serve no list: the probe decides (and words the error if it fails too)
        models = null;
      } else {
        throw explainPreflight(error, where, this.config.model, this.config.apiKeyEnv, null).asInvalidInput();
      }
    }
    if (models && models.length && !listsModel(models, this.config.model)) {
      throw new EndpointError("model", `model "${this.config.model}" is not served by ${where} (it lists ${listPreview(models)})`).asInvalidInput();
    }
    const probe = options.probe ?? true;
    if (probe) {
      try {
        await this.chat(
          { messages: [{ role: "user", content: "Reply with OK." }], tools: options.tools, params: { max_tokens: 1, temperature: 0 } },
          { signal: options.signal, maxRetries: Math.min(2, this.config.maxRetries), failFastUnreachable: true },
        );
      } catch (caught) {
        throw explainPreflight(this.asEndpointError(caught, options.signal), where, this.config.model, this.config.apiKeyEnv, models).asInvalidInput();
      }
    } else if (models === null) {
      throw new EndpointError("not_found", `${where}/models answered 404: is the base URL right? OpenAI-compatible servers serve /v1/models${/\/v1$/.test(where) ? "" : ` — try ${where}/v1`}`).asInvalidInput();
    }
    return { baseUrl: where, model: this.config.model, models, probed: probe, latencyMs: this.clock.now() - started };
  }

  private async waitTurn(estimate: number, signal?: AbortSignal): Promise<number> {
    if (!this.limiter.limited) {
      if (signal?.aborted) throw this.asEndpointError(signal.reason, signal);
      return 0;
    }
    try {
      return await this.limiter.acquire(estimate, signal);
    } catch (abort) {
      throw this.asEndpointError(abort, signal);
    }
  }

  /** One HTTP exchange with the attempt's timeout: the parsed JSON body, or an EndpointError. */
  private async send(method: "GET" | "POST", path: string, body: string | null, signal?: AbortSignal): Promise<{ json: unknown }> {
    const url = `${this.base}${path}`;
    let response: Exchange;
    try {
      response = await exchange(url, { method, headers: this.headers(body !== null), body, timeoutMs: this.config.timeoutMs, signal });
    } catch (caught) {
      throw this.exchangeError(caught, url, signal);
    }
    const text = response.text;
    if (response.status < 200 || response.status >= 300) {
      const kind = kindOfStatus(response.status);
      const message = errorMessage(text);
      throw new EndpointError(modelKind(kind, response.status, message), this.redact(`${method} ${url}: HTTP ${response.status}${message ? ` — ${preview(message)}` : ""}`), {
        status: response.status,
        retryAfterMs: parseRetryAfter(response.headers),
      });
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new EndpointError("bad_response", this.redact(`${method} ${url}: the body is not JSON (${preview(text) || "empty"})`), { status: response.status });
    }
    // some servers (proxies, LiteLLM, older Ollama) answer an error with HTTP 200 and {"error": …}
    const error = (json as { error?: unknown; choices?: unknown; data?: unknown })?.error;
    if (error && typeof json === "object" && !Array.isArray(json) && (json as { choices?: unknown }).choices === undefined && (json as { data?: unknown }).data === undefined) {
      const message = errorMessage(text);
      const { kind, status } = kindOfErrorBody(error, message);
      throw new EndpointError(kind, this.redact(`${method} ${url}: HTTP ${response.status} with an error body — ${preview(message)}`), { status: status ?? response.status, retryAfterMs: parseRetryAfter(response.headers) });
    }
    return { json };
  }

  private exchangeError(caught: unknown, url: string, signal: AbortSignal | undefined): EndpointError {
    if (signal?.aborted) return new EndpointError("cancelled", "cancelled");
    if (caught instanceof ExchangeTimeout) return new EndpointError("timeout", `${url}: no complete answer within ${this.config.timeoutMs} ms`);
    const code = (caught as { code?: string })?.code ?? (caught as { cause?: { code?: string } })?.cause?.code;
    if (code === "ECONNREFUSED" || code === "ENOTFOUND" || code === "EAI_AGAIN" || code === "EHOSTUNREACH" || code === "ENETUNREACH") {
      return new EndpointError("unreachable", `cannot reach ${url} (${code})`);
    }
    return new EndpointError("network", this.redact(`${url}: the connection failed (${code ?? (caught as Error)?.message ?? String(caught)})`));
  }

  private asEndpointError(caught: unknown, signal?: AbortSignal): EndpointError {
    if (caught instanceof EndpointError) return caught;
    if (signal?.aborted) return new EndpointError("cancelled", "cancelled");
    return new EndpointError("network", this.redact((caught as Error)?.message ?? String(caught)));
  }
}

const jsonOf = new WeakMap<object, string>();

/** JSON.stringify, remembered per object (messages and tool lists are not changed once sent). */
function cachedJson(value: object): string {
  let text = jsonOf.get(value);
  if (text === undefined) {
    text = JSON.stringify(value);
    jsonOf.set(value, text);
  }
  return text;
}

function serializeMessages(messages: readonly ChatMessage[]): string {
  let out = "[";
  for (let i = 0; i < messages.length; i++) out += (i ? "," : "") + cachedJson(messages[i]);
  return `${out}]`;
}

/** `{"data": [{"index", "embedding": [numbers]}]}` → vectors in input order. */
function readEmbeddings(json: unknown, count: number, base: string): number[][] {
  const data = (json as { data?: unknown })?.data;
  if (!Array.isArray(data) || data.length !== count) {
    throw new EndpointError("bad_response", `${base}/embeddings: expected {"data": [${count} embeddings]}, got ${preview(JSON.stringify(json) ?? "")}`);
  }
  const vectors: number[][] = new Array(count);
  data.forEach((entry, position) => {
    const record = entry as { index?: unknown; embedding?: unknown };
    const index = typeof record?.index === "number" ? record.index : position;
    if (!Array.isArray(record?.embedding) || record.embedding.some((v) => typeof v !== "number") || index < 0 || index >= count) {
      throw new EndpointError("bad_response", `${base}/embeddings: item ${position} is not {"index", "embedding": [numbers]}`);
    }
    vectors[index] = record.embedding as number[];
  });
  if (vectors.some((v) => v === undefined)) throw new EndpointError("bad_response", `${base}/embeddings: indexes do not cover the ${count} inputs`);
  return vectors;
}

/** A 404/400 that names the model is a model error, not a wrong URL. */
function modelKind(kind: EndpointErrorKind, status: number, message: string): EndpointErrorKind {
  if ((status === 404 || status === 400) && /model/i.test(message) && /(not (be )?found|does not exist|not exist|unknown|no such|not available|invalid model|not supported)/i.test(message)) return "model";
  return kind;
}

/**
 * The kind of an error a server sent inside a 200 body: by its numeric status or code when it gives
 * one, else by its wording (rate limit, key, model, request); anything else counts as a server error
 * (retried).
 */
function kindOfErrorBody(error: unknown, message: string): { kind: EndpointErrorKind; status: number | null } {
  const record = typeof error === "object" && error !== null ? (error as Record<string, unknown>) : {};
  const numeric = [record.status, record.code, record.status_code].map(Number).find((n) => Number.isInteger(n) && n >= 400 && n < 600);
  if (numeric !== undefined) return { kind: modelKind(kindOfStatus(numeric), numeric, message), status: numeric };
  const words = `${String(record.type ?? "")} ${String(record.code ?? "")} ${message}`.toLowerCase();
  if (/rate.?limit|too many requests|quota|overloaded/.test(words)) return { kind: "rate_limited", status: null };
  if (/api.?key|unauthori[sz]ed|authentication|permission|forbidden/.test(words)) return { kind: "auth", status: null };
  if (modelKind("bad_request", 404, message) === "model") return { kind: "model", status: null };
  if (/invalid|bad request|context length|too long|unsupported|not supported/.test(words)) return { kind: "bad_request", status: null };
  return { kind: "server", status: null };
}

/** The `error.message` of an OpenAI-style error body, else the body text (an HTML page: its title, or its text without tags). */
function errorMessage(text: string): string {
  if (/^\s*(<!doctype html|<html|<head|<body|<\?xml|<center|<h1)/i.test(text)) {
    const title = /<title[^>]*>([\s\S]*?)<\/title>/i.exec(text)?.[1]?.trim();
    const stripped = text.replace(/<(script|style)[\s\S]*?<\/\1>/gi, " ").replace(/<[^>]+>/g, " ").replace(/&nbsp;/g, " ").replace(/\s+/g, " ").trim();
    return `an HTML page${title ? ` "${title}"` : ""}${stripped && stripped !== title ? `: ${stripped.slice(0, 160)}` : ""} (a proxy or gateway answered, not the model server)`;
  }
  try {
    const parsed = JSON.parse(text) as { error?: unknown; message?: unknown; detail?: unknown };
    const error = parsed?.error;
    if (typeof error === "string") return error;
    if (error && typeof (error as { message?: unknown }).message === "string") return (error as { message: string }).message;
    if (typeof parsed?.message === "string") return parsed.message;
    if (typeof parsed?.detail === "string") return parsed.detail;
  } catch {
    // not JSON: the text itself
  }
  return text.trim();
}

function preview(text: string): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > MAX_ERROR_BODY ? `${flat.slice(0, MAX_ERROR_BODY)}…` : flat;
}

/** Whether a /models list names the model (Ollama lists "llama3.1:latest" for "llama3.1"; ids may carry an "models/" prefix). */
function listsModel(models: string[], model: string): boolean {
  const plain = (id: string) => id.replace(/^models\//, "").replace(/:latest$/, "");
  const wanted = plain(model);
  return models.some((id) => id === model || plain(id) === wanted);
}

function listPreview(models: string[]): string {
  return models.length > 12 ? `${models.slice(0, 12).join(", ")} … (${models.length} models)` : models.join(", ");
}

function explainPreflight(error: EndpointError, where: string, model: string, apiKeyEnv: string | undefined, models: string[] | null): EndpointError {
  const keep = (message: string, kind: EndpointErrorKind = error.kind) => new EndpointError(kind, message, { status: error.status, retryAfterMs: error.retryAfterMs });
  switch (error.kind) {
    case "unreachable":
      return keep(`${error.message}: is the server running, and is the base URL right?`);
    case "auth":
      return keep(apiKeyEnv
        ? `${where} refused the API key from ${apiKeyEnv} (HTTP ${error.status}): ${error.message}`
        : `${where} wants an API key (HTTP ${error.status}): name the environment variable holding it (--api-key-env VAR)`);
    case "model":
      return keep(`model "${model}" is not served by ${where}${models?.length ? ` (it lists ${listPreview(models)})` : ""}: ${error.message}`);
    case "not_found":
      if (models?.length && !models.includes(model)) return keep(`model "${model}" is not served by ${where} (it lists ${listPreview(models)})`, "model");
      return keep(`${error.message}: is the base URL right? OpenAI-compatible servers serve /v1/chat/completions${/\/v1$/.test(where) ? "" : ` — try ${where}/v1`}`);
    case "bad_request":
      if (/max_tokens/.test(error.message) && /max_completion_tokens/.test(error.message)) return keep(`${error.message} — set maxTokensField to "max_completion_tokens" for this model`);
      if (/tool/i.test(error.message)) {
        return keep(`${where} refused a request with tools: ${error.message} — vLLM needs --enable-auto-tool-choice --tool-call-parser <parser> (hermes for Qwen / Hermes models), Ollama a model with tool support`);
      }
      if (models?.length && !models.includes(model)) return keep(`model "${model}" is not served by ${where} (it lists ${listPreview(models)}): ${error.message}`, "model");
      return keep(`${where} refused the probe request: ${error.message}`);
    case "bad_response":
      return keep(`${error.message}: this does not look like an OpenAI-compatible endpoint`);
    default:
      return error;
  }
}

/** The first choice of a completion body, with usage (estimated when the server reports none). */
function readCompletion(json: unknown, latencyMs: number, attempts: number, waitedMs: number, requestLength: number): ChatResult {
  const body = json as { id?: unknown; model?: unknown; choices?: unknown; usage?: { prompt_tokens?: unknown; completion_tokens?: unknown } };
  const choices = Array.isArray(body?.choices) ? body.choices : null;
  if (choices && choices.length === 0) {
    // nothing generated (Azure's prompt filter answers so, some proxies on an empty generation):
    // an empty turn the loop records as a stop reason, not a garbled body to retry
    const filtered = Array.isArray((body as { prompt_filter_results?: unknown }).prompt_filter_results);
    const usage: Usage = { prompt: estimateTokens(requestLength), completion: 0 };
    return { id: typeof body.id === "string" ? body.id : null, model: typeof body.model === "string" ? body.model : null, message: { role: "assistant", content: null }, finishReason: filtered ? "content_filter" : null, usage, usageReported: false, latencyMs, attempts, waitedMs, elapsedMs: latencyMs + waitedMs, noChoices: true };
  }
  const choice = choices?.[0] as { message?: unknown; finish_reason?: unknown } | undefined;
  if (!choice || typeof choice !== "object" || !choice.message || typeof choice.message !== "object") {
    throw new EndpointError("bad_response", `the completion has no choices[0].message (${preview(JSON.stringify(json) ?? "")})`);
  }
  const message = choice.message as ResponseMessage;
  const reported = typeof body.usage?.prompt_tokens === "number" && typeof body.usage?.completion_tokens === "number";
  const usage: Usage = reported
    ? { prompt: body.usage!.prompt_tokens as number, completion: body.usage!.completion_tokens as number }
    : { prompt: estimateTokens(requestLength), completion: estimateTokens(JSON.stringify(message).length) };
  return {
    id: typeof body.id === "string" ? body.id : null,
    model: typeof body.model === "string" ? body.model : null,
    message,
    finishReason: typeof choice.finish_reason === "string" ? choice.finish_reason : null,
    usage,
    usageReported: reported,
    latencyMs,
    attempts,
    waitedMs,
    elapsedMs: latencyMs + waitedMs,
  };
}
