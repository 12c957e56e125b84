import { z } from "zod";

// An OpenAI-compatible endpoint as a job (or a judge rule, or the SpaRE pipeline) names it. Never
// holds a secret: the API key is read from the environment variable `apiKeyEnv` names, at the
// moment a client is made, and goes nowhere but the Authorization header.

export const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export const samplingParams = z
  .object({
    temperature: z.number().min(0).max(2).optional(),
    top_p: z.number().gt(0).max(1).optional(),
    max_tokens: z.number().int().positive().max(1_000_000).optional(),
    seed: z.number().int().optional(),
    stop: z.array(z.string().max(100)).max(8).optional(),
    presence_penalty: z.number().min(-2).max(2).optional(),
    frequency_penalty: z.number().min(-2).max(2).optional(),
  })
  .strict();

export const price = z.object({ input: z.number().nonnegative(), output: z.number().nonnegative() }).strict();

export const endpointConfig = z
  .object({
    /** e.g. http://127.0.0.1:8000/v1 — the path before /chat/completions. */
    baseUrl: z
      .string()
      .max(2000)
      .refine((value) => {
        try {
          const url = new URL(value);
          return url.protocol === "http:" || url.protocol === "https:";
        } catch {
          return false;
        }
      }, "must be an http(s) URL such as http://127.0.0.1:8000/v1"),
    model: z.string().min(1).max(300),
    /** Name of the environment variable holding the API key (the key itself is never stored). */
    apiKeyEnv: z.string().regex(ENV_NAME, "must be an environment variable name (letters, digits, _)").max(200).optional(),
    /** Per request, each attempt. */
    timeoutMs: z.number().int().min(100).max(3_600_000).default(120_000),
    /** Retries after the first attempt (429, 5xx, timeouts, dropped connections). */
    maxRetries: z.number().int().min(0).max(20).default(5),
    /** Longest Retry-After honoured; a server asking for more fails the request instead (ms). */
    maxRetryAfterMs: z.number().int().min(0).max(3_600_000).default(120_000),
    requestsPerMinute: z.number().positive().max(1_000_000).optional(),
    tokensPerMinute: z.number().positive().max(1_000_000_000).optional(),
    params: samplingParams.default({}),
    /** OpenAI's reasoning models refuse `max_tokens` and want `max_completion_tokens`. */
    maxTokensField: z.enum(["max_tokens", "max_completion_tokens"]).default("max_tokens"),
    /** USD per 1M tokens by model id (or id prefix). */
    prices: z.record(z.string().min(1).max(300), price).optional(),
  })
  .strict();

export type EndpointConfigInput = z.input<typeof endpointConfig>;
export type EndpointConfig = z.output<typeof endpointConfig>;
export type SamplingParamsInput = z.infer<typeof samplingParams>;
