import { readRateLimitHeaders, retryAfterMs } from '../../wfm/rate/rate-limit-headers';

const NOW = Date.UTC(2025, 0, 1, 12, 0, 0);
const read = (headers: Record<string, string>) => readRateLimitHeaders(new Headers(headers), NOW);

describe('rate-limit headers', () => {
  it('reads the older IETF draft fields (reset in delta seconds), with a window from RateLimit-Policy', () => {
    expect(read({ 'RateLimit-Limit': '100', 'RateLimit-Remaining': '7', 'RateLimit-Reset': '30' })).toEqual({
      limit: 100,
      remaining: 7,
      resetMs: 30_000,
    });
    expect(
      read({ 'ratelimit-limit': '10, 10;w=1', 'ratelimit-remaining': '3', 'ratelimit-reset': '1' }),
    ).toEqual({ limit: 10, remaining: 3, resetMs: 1000, windowMs: 1000 });
    expect(
      read({ 'ratelimit-limit': '50', 'ratelimit-remaining': '1', 'ratelimit-policy': '50;w=60' }),
    ).toEqual({
      limit: 50,
      remaining: 1,
      windowMs: 60_000,
    });
  });

  it('reads the structured RateLimit and RateLimit-Policy fields, choosing the policy that binds', () => {
    expect(read({ RateLimit: '"default";r=50;t=30', 'RateLimit-Policy': '"default";q=100;w=60' })).toEqual({
      limit: 100,
      windowMs: 60_000,
      remaining: 50,
      resetMs: 30_000,
    });
    const policy = '"day";q=1000;w=86400, "burst";q=10;w=1';
    expect(read({ ratelimit: '"day";r=900;t=3600, "burst";r=0;t=1', 'ratelimit-policy': policy })).toEqual({
      limit: 10,
      windowMs: 1000,
      remaining: 0,
      resetMs: 1000,
    });
    // 900 left for an hour is a quarter request a second: tighter than 5 left for the next second.
    expect(read({ ratelimit: '"day";r=900;t=3600, "burst";r=5;t=1', 'ratelimit-policy': policy })).toEqual({
      limit: 1000,
      windowMs: 86_400_000,
      remaining: 900,
      resetMs: 3_600_000,
    });
  });

  it('reads the intermediate dictionary form of RateLimit', () => {
    expect(read({ ratelimit: 'limit=100, remaining=50, reset=5' })).toEqual({
      limit: 100,
      remaining: 50,
      resetMs: 5000,
    });
  });

  it('reads X-RateLimit-* with Reset as epoch seconds (GitHub) or, when small, as delta seconds', () => {
    expect(
      read({
        'x-ratelimit-limit': '5000',
        'x-ratelimit-remaining': '4999',
        'x-ratelimit-reset': String(NOW / 1000 + 42),
      }),
    ).toEqual({ limit: 5000, remaining: 4999, resetMs: 42_000 });
    expect(read({ 'X-RateLimit-Remaining': '0', 'X-RateLimit-Reset': '3' })).toEqual({
      remaining: 0,
      resetMs: 3000,
    });
    // A reset already past is "now", never negative.
    expect(read({ 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(NOW / 1000 - 5) })).toEqual({
      remaining: 0,
      resetMs: 0,
    });
  });

  it('reads legacy Genesys inin-ratelimit-* (count is what was used so far)', () => {
    expect(
      read({ 'inin-ratelimit-allowed': '300', 'inin-ratelimit-count': '120', 'inin-ratelimit-reset': '45' }),
    ).toEqual({ limit: 300, remaining: 180, resetMs: 45_000 });
  });

  it('returns undefined without rate-limit headers, and ignores garbled values', () => {
    expect(read({ 'retry-after': '1', 'content-type': 'application/json' })).toBeUndefined();
    expect(read({ 'ratelimit-remaining': 'lots', 'ratelimit-reset': '-1' })).toBeUndefined();
  });

  it('reads Retry-After as delay-seconds or an HTTP date, never 0', () => {
    expect(retryAfterMs('2', NOW)).toBe(2000);
    expect(retryAfterMs('0', NOW)).toBe(1);
    expect(retryAfterMs(new Date(NOW + 5000).toUTCString(), NOW)).toBe(5000);
    expect(retryAfterMs(new Date(NOW - 5000).toUTCString(), NOW)).toBe(1);
    expect(retryAfterMs(null, NOW)).toBeUndefined();
    expect(retryAfterMs('soon', NOW)).toBeUndefined();
  });
});
