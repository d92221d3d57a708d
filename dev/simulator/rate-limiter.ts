/** Which rate-limit headers the simulated WFM sends: `none` is today's Genesys (only `Retry-After` on a 429). */
export const RATE_LIMIT_HEADER_MODES = [
  'none',
  'ietf',
  'ietf-structured',
  'x-ratelimit',
  'genesys-legacy',
] as const;
export type RateLimitHeaderMode = (typeof RATE_LIMIT_HEADER_MODES)[number];

export interface RateLimiterOptions {
  /** Sustained requests per second the server admits (the bucket's refill rate). */
  readonly ratePerSecond: number;
  /** Bucket capacity, in requests. Default: one second's worth of the current rate. */
  readonly burst?: number;
  /** Header dialect announced on every answer. */
  readonly headers: RateLimitHeaderMode;
  /** Rate changes mid-run (another integration starts sharing the limit), `atMs` after `startMs`. Default none. */
  readonly changes?: ReadonlyArray<{ atMs: number; ratePerSecond: number }>;
  /** Origin of `changes`, in ms on the clock `admit` is given. Default: the time of the first `admit`. */
  readonly startMs?: number;
}

export type Admission =
  | { ok: true; headers: Record<string, string> }
  | { ok: false; retryAfterSeconds: number; headers: Record<string, string> };

/**
 * The simulated WFM's limiter: a token bucket, full at start, refilling continuously at the current rate. Pure: the
 * caller passes the time, so tests and the virtual-time model drive it without sleeping.
 */
export class SimRateLimiter {
  private rate: number;
  private tokens: number;
  private lastMs: number | undefined;
  private startMs: number | undefined;
  private readonly changes: Array<{ atMs: number; ratePerSecond: number }>;

  constructor(private readonly options: RateLimiterOptions) {
    positive('ratePerSecond', options.ratePerSecond);
    if (options.burst !== undefined) positive('burst', options.burst);
    for (const c of options.changes ?? []) positive('changes[].ratePerSecond', c.ratePerSecond);
    this.rate = options.ratePerSecond;
    this.tokens = this.capacity();
    this.startMs = options.startMs;
    this.changes = [...(options.changes ?? [])].sort((a, b) => a.atMs - b.atMs);
  }

  /** The rate in force at the last `admit`, in requests per second. */
  get ratePerSecond(): number {
    return this.rate;
  }

  /** Takes a token for one request arriving at `nowMs`, or refuses it with the whole seconds until one is back. */
  admit(nowMs: number): Admission {
    this.refill(nowMs);
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return { ok: true, headers: this.limitHeaders(nowMs) };
    }
    // At least 1, as Genesys sends: a client never sees "retry after 0".
    const retryAfterSeconds = Math.max(1, Math.ceil((1 - this.tokens) / this.rate));
    return {
      ok: false,
      retryAfterSeconds,
      headers: { ...this.limitHeaders(nowMs), 'retry-after': String(retryAfterSeconds) },
    };
  }

  private capacity(): number {
    return this.options.burst ?? this.rate;
  }

  private refill(nowMs: number): void {
    this.startMs ??= nowMs;
    let last = this.lastMs ?? nowMs;
    for (;;) {
      const next = this.changes[0];
      const changeAt = next && this.startMs + next.atMs;
      if (next === undefined || changeAt === undefined || changeAt > nowMs) break;
      this.addTokens(Math.max(0, changeAt - last));
      last = Math.max(last, changeAt);
      this.rate = next.ratePerSecond;
      this.tokens = Math.min(this.tokens, this.capacity());
      this.changes.shift();
    }
    this.addTokens(Math.max(0, nowMs - last));
    this.lastMs = Math.max(last, nowMs);
  }

  private addTokens(elapsedMs: number): void {
    this.tokens = Math.min(this.capacity(), this.tokens + (elapsedMs / 1000) * this.rate);
  }

  /** The bucket described as a quota: `limit` per window, `remaining` now, reset when the bucket is full again. */
  private limitHeaders(nowMs: number): Record<string, string> {
    const capacity = this.capacity();
    const limit = Math.floor(capacity);
    const remaining = Math.max(0, Math.floor(this.tokens));
    const resetSeconds = Math.max(1, Math.ceil((capacity - this.tokens) / this.rate));
    const windowSeconds = Math.max(1, Math.round(capacity / this.rate));
    switch (this.options.headers) {
      case 'none':
        return {};
      case 'ietf':
        return {
          'ratelimit-limit': String(limit),
          'ratelimit-remaining': String(remaining),
          'ratelimit-reset': String(resetSeconds),
        };
      case 'ietf-structured':
        return {
          'ratelimit-policy': `"default";q=${limit};w=${windowSeconds}`,
          ratelimit: `"default";r=${remaining};t=${resetSeconds}`,
        };
      case 'x-ratelimit':
        return {
          'x-ratelimit-limit': String(limit),
          'x-ratelimit-remaining': String(remaining),
          // GitHub style: the epoch second at which the quota is whole again.
          'x-ratelimit-reset': String(
            Math.ceil((nowMs + ((capacity - this.tokens) / this.rate) * 1000) / 1000),
          ),
        };
      case 'genesys-legacy':
        return {
          'inin-ratelimit-allowed': String(limit),
          'inin-ratelimit-count': String(limit - remaining),
          'inin-ratelimit-reset': String(resetSeconds),
        };
    }
  }
}

function positive(name: string, value: number): void {
  if (!(Number.isFinite(value) && value > 0))
    throw new Error(`Expected \`${name}\` to be a finite number > 0, got ${value}`);
}
