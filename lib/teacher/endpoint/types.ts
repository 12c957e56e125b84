// The OpenAI chat-completions wire format as Stepwise sends and reads it. Only what the client
// needs is typed; servers add fields (vLLM's `reasoning_content`, Ollama's `done_reason`…), which
// pass through untouched in `raw`.

export type TextPart = { type: "text"; text: string };
export type ImagePart = { type: "image_url"; image_url: { url: string; detail?: "auto" | "low" | "high" } };
export type ContentPart = TextPart | ImagePart;

export interface WireToolCall {
  id: string;
  type: "function";
  function: { name: string; arguments: string };
}

export type ChatMessage =
  | { role: "system"; content: string }
  | { role: "user"; content: string | ContentPart[] }
  | { role: "assistant"; content: string | null; tool_calls?: WireToolCall[] }
  /** vLLM takes text only in tool messages; an image a tool returns goes in a following user message. */
  | { role: "tool"; tool_call_id: string; content: string; name?: string };

export interface ToolSpec {
  type: "function";
  function: { name: string; description?: string; parameters: unknown };
}

/** Sampling parameters, sent as given (unset ones are left out so each server uses its default). */
export interface SamplingParams {
  temperature?: number;
  top_p?: number;
  max_tokens?: number;
  seed?: number;
  stop?: string[];
  presence_penalty?: number;
  frequency_penalty?: number;
}

export interface ChatRequest {
  messages: ChatMessage[];
  tools?: ToolSpec[];
  /** "auto" when tools are given (vLLM needs --enable-auto-tool-choice for it). */
  toolChoice?: "auto" | "none" | "required";
  params?: SamplingParams;
  /** e.g. { type: "json_object" } */
  responseFormat?: Record<string, unknown>;
}

/** What came back, as the server sent it: content may be null, tool call arguments any JSON. */
export interface ResponseMessage {
  role?: string;
  content?: string | null;
  tool_calls?: Array<{ id?: string; type?: string; function?: { name?: string; arguments?: unknown } }> | null;
  /** Reasoning models on vLLM / DeepSeek put their thinking here. */
  reasoning_content?: string | null;
  [key: string]: unknown;
}

export interface Usage {
  prompt: number;
  completion: number;
}

export interface ChatResult {
  /** The response's `id` (null when the server sent none). */
  id: string | null;
  model: string | null;
  message: ResponseMessage;
  /** "stop" | "tool_calls" | "length" | "content_filter" | … or null when absent. */
  finishReason: string | null;
  usage: Usage;
  /** Whether `usage` came from the server (false: estimated from the text, 4 characters a token). */
  usageReported: boolean;
  /** Latency of the attempt that succeeded, in ms. */
  latencyMs: number;
  /** Attempts made (1 = no retry). */
  attempts: number;
  /** Time spent waiting on rate limits and backoff, in ms. */
  waitedMs: number;
  /** The server sent `choices: []` (e.g. a content filter on the prompt): read as an empty message. */
  noChoices?: boolean;
  /** The whole call once its body was serialised: every attempt, rate-limit wait and backoff, in ms. */
  elapsedMs: number;
}
