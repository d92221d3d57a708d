import { sleep } from '../common/sleep';
import { retryAfterMs } from './failures';

export interface PacerOptions {
  /** Requests per second this process may send. */
  ratePerSecond: number;
  /**
   * Share of the rate actually used, default 0.9: requests spaced exactly at the limit arrive bunched by network
   * jitter, and a server counting per window then refuses some.
   */
  headroom?: number;
  /** Injected in tests. Default `Date.now`. */
  now?: () => number;
  /** Injected in tests. Default a timer that rejects when `signal` aborts. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/**
 * Spaces this worker's WFM requests evenly at the configured rate (no bursts: a server counting per window then never
 * sees more than the rate), and holds every request back when the server says the window is spent (`429`
 * Retry-After, or `RateLimit-Remaining: 0` with `RateLimit-Reset`). Several workers share the WFM's limit through
 * the HTTP task queue's rate limit; this pacer keeps each one from bursting within it.
 */
export class RequestPacer {
  private readonly intervalMs: number;
  private readonly now: () => number;
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Earliest time the next request may go. */
  private nextAtMs = 0;
  /** No request before this time: the server asked us to wait. */
  private heldUntilMs = 0;

  constructor(options: PacerOptions) {
    if (!(options.ratePerSecond > 0))
      throw new Error(`ratePerSecond must be positive, got ${options.ratePerSecond}`);
    this.intervalMs = 1000 / (options.ratePerSecond * (options.headroom ?? 0.9));
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? sleep;
  }

  /** Waits for this request's turn. Turns are handed out in call order, so waiting requests never pile into a burst. */
  async acquire(signal?: AbortSignal): Promise<void> {
    for (;;) {
      const now = this.now();
      const at = Math.max(now, this.nextAtMs, this.heldUntilMs);
      this.nextAtMs = at + this.intervalMs;
      if (at > now) await this.sleep(at - now, signal);
      // The server asked for a pause while this request waited: take a new turn behind the pause.
      if (this.now() >= this.heldUntilMs) return;
    }
  }

  /** Reads what the server said about its limit and holds every later request back when it asks for a pause. */
  observe(status: number, headers: Headers): void {
    const now = this.now();
    if (status === 429) {
      this.holdFor(retryAfterMs(headers.get('retry-after'), now) ?? 1000);
      return;
    }
    const remaining = Number(headers.get('ratelimit-remaining') ?? NaN);
    const resetMs = Number(headers.get('ratelimit-reset') ?? NaN) * 1000;
    if (!Number.isFinite(remaining) || !Number.isFinite(resetMs)) return;
    if (remaining === 0) this.holdFor(resetMs);
    // Spread what is left of the window over the time left: other workers spend the same budget, and the server's
    // count is the only view of them this worker has. Nearly spent, it becomes a hold that waiting requests obey too.
    else if (remaining <= 1) this.holdFor(resetMs / (remaining + 1));
    else this.nextAtMs = Math.max(this.nextAtMs, now + resetMs / (remaining + 1));
  }

  private holdFor(ms: number): void {
    const until = this.now() + ms;
    if (until > this.heldUntilMs) {
      this.heldUntilMs = until;
      // Requests that already got a later turn keep it; the ones queued before the pause start after it.
      this.nextAtMs = Math.max(this.nextAtMs, until);
    }
  }
}
