import { describe, expect, it } from "vitest";
import { RateLimiter, type Clock } from "@/lib/teacher/endpoint/rate-limit";
import { backoffDelay, parseRetryAfter } from "@/lib/teacher/endpoint/retry";
import { costOf, priceOf } from "@/lib/teacher/endpoint/usage";

const headers = (values: Record<string, string>) => ({ get: (name: string) => values[name] ?? null });

describe("parseRetryAfter", () => {
  const now = Date.parse("2026-01-01T00:00:00Z");
  it("reads delay-seconds, fractional seconds, retry-after-ms and HTTP dates", () => {
    expect(parseRetryAfter(headers({ "retry-after": "120" }), now)).toBe(120_000);
    expect(parseRetryAfter(headers({ "retry-after": " 1.5 " }), now)).toBe(1500);
    expect(parseRetryAfter(headers({ "retry-after-ms": "250", "retry-after": "9" }), now)).toBe(250);
    expect(parseRetryAfter(headers({ "retry-after": "Thu, 01 Jan 2026 00:00:30 GMT" }), now)).toBe(30_000);
  });
  it("a date in the past means now; garbage and absence mean nothing", () => {
    expect(parseRetryAfter(headers({ "retry-after": "Wed, 21 Oct 2015 07:28:00 GMT" }), now)).toBe(0);
    expect(parseRetryAfter(headers({ "retry-after": "-5" }), now)).toBeNull();
    expect(parseRetryAfter(headers({ "retry-after": "soon" }), now)).toBeNull();
    expect(parseRetryAfter(headers({}), now)).toBeNull();
  });
});

describe("backoffDelay", () => {
  it("doubles per retry up to the cap, half of it jittered", () => {
    const options = { baseMs: 100, maxMs: 1000 };
    expect([0, 1, 2, 3, 4].map((r) => backoffDelay(r, options, () => 0))).toEqual([50, 100, 200, 400, 500]);
    expect([0, 1, 2, 3, 4].map((r) => backoffDelay(r, options, () => 0.999))).toEqual([100, 200, 400, 800, 1000]);
  });
});

describe("RateLimiter", () => {
  function clock(): Clock & { t: number } {
    const c = { t: 0, now: () => c.t, sleep: (ms: number) => ((c.t += ms), Promise.resolve()) };
    return c;
  }

  it("spaces requests to the per-minute rate once the 10-second burst is spent", async () => {
    const c = clock();
    const limiter = new RateLimiter({ requestsPerMinute: 60 }, c);
    const starts: number[] = [];
    for (let i = 0; i < 14; i++) {
      await limiter.acquire(0);
      starts.push(c.t);
    }
    expect(starts.slice(0, 10).every((t) => t === 0)).toBe(true);
    expect(starts.slice(10)).toEqual([1000, 2000, 3000, 4000]);
  });

  it("counts tokens, and settles the estimate against real usage", async () => {
    const c = clock();
    const limiter = new RateLimiter({ tokensPerMinute: 6000 }, c); // 1000-token bucket, 100 tokens/s
    await limiter.acquire(1000);
    expect(c.t).toBe(0);
    limiter.settle(1000, 200); // used far less than estimated: 800 come back
    await limiter.acquire(800);
    expect(c.t).toBe(0);
    await limiter.acquire(500);
    expect(c.t).toBe(5000);
  });

  it("a cancelled waiter leaves the queue to the next", async () => {
    const c = clock();
    const limiter = new RateLimiter({ requestsPerMinute: 6 }, c); // bucket of 1
    await limiter.acquire(0);
    const abort = new AbortController();
    abort.abort(new Error("stop"));
    const aborting: Clock & { t: number } = { ...c, now: () => c.t, sleep: (_ms, signal) => (signal?.aborted ? Promise.reject(signal.reason) : Promise.resolve()) };
    const blocked = new RateLimiter({ requestsPerMinute: 6 }, aborting);
    await blocked.acquire(0);
    await expect(blocked.acquire(0, abort.signal)).rejects.toThrow("stop");
  });
});

describe("prices", () => {
  it("exact id first, else the longest prefix; none → no cost", () => {
    const table = { "gpt-4o": { input: 2.5, output: 10 }, "gpt-4o-mini": { input: 0.15, output: 0.6 } };
    expect(priceOf(table, "gpt-4o-mini-2024-07-18")).toEqual({ input: 0.15, output: 0.6 });
    expect(priceOf(table, "gpt-4o-2024-08-06")).toEqual({ input: 2.5, output: 10 });
    expect(priceOf(table, "llama3")).toBeNull();
    expect(costOf({ prompt: 1_000_000, completion: 500_000 }, { input: 2.5, output: 10 })).toBe(7.5);
    expect(costOf({ prompt: 5, completion: 5 }, null)).toBeNull();
  });
});
