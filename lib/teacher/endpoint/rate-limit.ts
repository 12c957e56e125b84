import { sleep } from "@/lib/teacher/endpoint/retry";

// Requests-per-minute and tokens-per-minute limits, as two token buckets. Each refills at its
// limit / 60 per second and holds at most 10 seconds' worth (providers enforce their per-minute
// limits over shorter windows, so a full minute's burst would be refused anyway). A request takes
// one request token and its estimated tokens (prompt estimate + max_tokens, as OpenAI counts them)
// before it is sent; when the response reports real usage, the difference is settled.
// Waiters are served in arrival order, so a big request is not starved by small ones.

export interface Clock {
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const REAL_CLOCK: Clock = { now: () => performance.now(), sleep };

class Bucket {
  private level: number;
  private last: number;
  readonly capacity: number;
  private readonly perMs: number;

  constructor(perMinute: number, private readonly clock: Clock) {
    this.capacity = Math.max(1, perMinute / 6);
    this.perMs = perMinute / 60_000;
    this.level = this.capacity;
    this.last = clock.now();
  }

  private refill(): void {
    const now = this.clock.now();
    this.level = Math.min(this.capacity, this.level + (now - this.last) * this.perMs);
    this.last = now;
  }

  /** Ms until `amount` is available (amounts above capacity wait for a full bucket). */
  waitFor(amount: number): number {
    this.refill();
    const need = Math.min(amount, this.capacity);
    return this.level >= need ? 0 : Math.ceil((need - this.level) / this.perMs);
  }

  take(amount: number): void {
    this.refill();
    this.level -= amount;
  }

  /** Gives back (or takes more than) what an estimate took. May go negative: later requests wait. */
  adjust(delta: number): void {
    this.refill();
    this.level = Math.min(this.capacity, this.level - delta);
  }
}

export interface RateLimits {
  requestsPerMinute?: number | null;
  tokensPerMinute?: number | null;
}

export class RateLimiter {
  private readonly requests: Bucket | null;
  private readonly tokens: Bucket | null;
  private queue: Promise<void> = Promise.resolve();

  constructor(limits: RateLimits, private readonly clock: Clock = REAL_CLOCK) {
    this.requests = limits.requestsPerMinute ? new Bucket(limits.requestsPerMinute, clock) : null;
    this.tokens = limits.tokensPerMinute ? new Bucket(limits.tokensPerMinute, clock) : null;
  }

  get limited(): boolean {
    return this.requests !== null || this.tokens !== null;
  }

  /** Waits for room for one request of ~`tokens` tokens; resolves with the ms waited. */
  acquire(tokens: number, signal?: AbortSignal): Promise<number> {
    if (!this.limited) return Promise.resolve(0);
    const started = this.clock.now();
    const turn = this.queue.then(async () => {
      for (;;) {
        const wait = Math.max(this.requests?.waitFor(1) ?? 0, this.tokens?.waitFor(tokens) ?? 0);
        if (wait <= 0) break;
        await this.clock.sleep(wait, signal);
      }
      this.requests?.take(1);
      this.tokens?.take(tokens);
    });
    // the next waiter goes after this one whether it got its turn or was cancelled
    this.queue = turn.catch(() => {});
    return turn.then(() => this.clock.now() - started);
  }

  /** After the response: the tokens it really used versus the estimate `acquire` took. */
  settle(estimated: number, actual: number): void {
    this.tokens?.adjust(actual - estimated);
  }
}
