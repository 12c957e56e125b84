import type { EndpointErrorKind } from "@/lib/teacher/endpoint/errors";
import type { Usage } from "@/lib/teacher/endpoint/types";

// Usage accounting: what a client (one job, one judge run) spent — requests, retries, tokens, cost,
// errors by kind. Cost comes from a price table in USD per million tokens, looked up by the exact
// model id, else by the longest key the id starts with ("gpt-4o" prices "gpt-4o-2024-08-06").

export interface Price {
  /** USD per 1M prompt tokens. */
  input: number;
  /** USD per 1M completion tokens. */
  output: number;
}

export type PriceTable = Record<string, Price>;

export function priceOf(table: PriceTable | undefined, model: string): Price | null {
  if (!table) return null;
  if (table[model]) return table[model];
  let best: string | null = null;
  for (const key of Object.keys(table)) if (model.startsWith(key) && (best === null || key.length > best.length)) best = key;
  return best === null ? null : table[best];
}

/** USD for `usage` at `price` (null when the model has no price). */
export function costOf(usage: Usage, price: Price | null): number | null {
  if (!price) return null;
  return (usage.prompt * price.input + usage.completion * price.output) / 1_000_000;
}

export interface UsageSnapshot {
  requests: number;
  /** Attempts beyond the first, over all requests. */
  retries: number;
  /** Requests that failed for good (after their retries). */
  failures: number;
  tokens: Usage;
  /** null when the model has no price in the table. */
  costUsd: number | null;
  /** Every failed attempt by kind (retried ones included). */
  errors: Partial<Record<EndpointErrorKind, number>>;
  /** Sum of the successful attempts' latencies (ms). */
  latencyMs: number;
}

export class UsageMeter {
  requests = 0;
  retries = 0;
  failures = 0;
  readonly tokens: Usage = { prompt: 0, completion: 0 };
  costUsd: number | null = null;
  readonly errors: Partial<Record<EndpointErrorKind, number>> = {};
  latencyMs = 0;

  constructor(private readonly price: Price | null) {}

  recordSuccess(usage: Usage, latencyMs: number): void {
    this.requests++;
    this.tokens.prompt += usage.prompt;
    this.tokens.completion += usage.completion;
    this.latencyMs += latencyMs;
    const cost = costOf(usage, this.price);
    if (cost !== null) this.costUsd = (this.costUsd ?? 0) + cost;
  }

  recordAttemptError(kind: EndpointErrorKind, retried: boolean): void {
    this.errors[kind] = (this.errors[kind] ?? 0) + 1;
    if (retried) this.retries++;
  }

  recordFailure(): void {
    this.requests++;
    this.failures++;
  }

  snapshot(): UsageSnapshot {
    return { requests: this.requests, retries: this.retries, failures: this.failures, tokens: { ...this.tokens }, costUsd: this.costUsd, errors: { ...this.errors }, latencyMs: this.latencyMs };
  }
}

/** About 4 characters per token: the estimate used before a response reports real usage. */
export const estimateTokens = (characters: number): number => Math.ceil(characters / 4);
