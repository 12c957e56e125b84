// Retry timing: exponential backoff with jitter, and the server's own word on when to come back.
//
// Retry-After (RFC 9110 §10.2.3) is either delay-seconds (a non-negative integer, counted from when
// the response arrived) or an HTTP-date. Some servers send fractional seconds ("1.5"); OpenAI also
// sends `retry-after-ms`. A date in the past means "now". Anything unreadable is ignored (the
// backoff applies).

export interface BackoffOptions {
  /** First retry waits around this long (ms). */
  baseMs: number;
  /** No backoff exceeds this (ms). */
  maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 500, maxMs: 30_000 };

/**
 * Delay before retry number `retry` (0 = the first retry): "equal jitter" — half of the
 * exponential step fixed, half random — so retries spread out without ever collapsing to zero.
 */
export function backoffDelay(retry: number, options: BackoffOptions = DEFAULT_BACKOFF, random: () => number = Math.random): number {
  const step = Math.min(options.maxMs, options.baseMs * 2 ** Math.max(0, retry));
  return Math.round(step / 2 + random() * (step / 2));
}

/** Milliseconds the response asks the client to wait, or null when it does not say (readably). */
export function parseRetryAfter(headers: { get(name: string): string | null }, now: number = Date.now()): number | null {
  const ms = headers.get("retry-after-ms");
  if (ms !== null && /^\s*\d+(\.\d+)?\s*$/.test(ms)) return Math.round(Number(ms));
  const value = headers.get("retry-after");
  if (value === null) return null;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  // an HTTP-date: "Wed, 21 Oct 2015 07:28:00 GMT" (Date.parse also reads the obsolete forms)
  if (!/[a-z]/i.test(trimmed)) return null;
  const at = Date.parse(trimmed);
  if (Number.isNaN(at)) return null;
  return Math.max(0, at - now);
}

/** Resolves after `ms`, or rejects with the signal's reason as soon as it aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, Math.max(0, ms));
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
