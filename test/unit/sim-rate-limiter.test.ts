import { SimRateLimiter, type RateLimitHeaderMode } from '../../dev/simulator/rate-limiter';

const T0 = Date.UTC(2025, 0, 1);

function admitted(limiter: SimRateLimiter, from: number, to: number, everyMs: number): number {
  let ok = 0;
  for (let t = from; t < to; t += everyMs) if (limiter.admit(t).ok) ok++;
  return ok;
}

describe('simulator rate limiter', () => {
  it('admits a full bucket at once, then refuses with the whole seconds until a token is back (at least 1)', () => {
    const limiter = new SimRateLimiter({ ratePerSecond: 10, headers: 'none' });
    for (let i = 0; i < 10; i++) expect(limiter.admit(T0).ok).toBe(true);
    expect(limiter.admit(T0)).toEqual({ ok: false, retryAfterSeconds: 1, headers: { 'retry-after': '1' } });
    expect(limiter.admit(T0 + 100).ok).toBe(true);
    const slow = new SimRateLimiter({ ratePerSecond: 0.25, burst: 1, headers: 'none' });
    slow.admit(T0);
    expect(slow.admit(T0)).toMatchObject({ ok: false, retryAfterSeconds: 4 });
  });

  it('sustains its rate and no more', () => {
    const limiter = new SimRateLimiter({ ratePerSecond: 10, headers: 'none' });
    // 20/s offered for 10 s: the burst plus 10/s.
    expect(admitted(limiter, T0, T0 + 10_000, 50)).toBe(10 + 100 - 1);
  });

  it('sends no rate-limit headers in none mode, only Retry-After on a refusal', () => {
    const limiter = new SimRateLimiter({ ratePerSecond: 1, headers: 'none' });
    expect(limiter.admit(T0).headers).toEqual({});
    expect(Object.keys(limiter.admit(T0).headers)).toEqual(['retry-after']);
  });

  it.each<[RateLimitHeaderMode, Record<string, string>]>([
    ['ietf', { 'ratelimit-limit': '10', 'ratelimit-remaining': '9', 'ratelimit-reset': '1' }],
    ['ietf-structured', { 'ratelimit-policy': '"default";q=10;w=1', ratelimit: '"default";r=9;t=1' }],
    [
      'x-ratelimit',
      { 'x-ratelimit-limit': '10', 'x-ratelimit-remaining': '9', 'x-ratelimit-reset': String(T0 / 1000 + 1) },
    ],
    [
      'genesys-legacy',
      { 'inin-ratelimit-allowed': '10', 'inin-ratelimit-count': '1', 'inin-ratelimit-reset': '1' },
    ],
  ])('announces the bucket in the %s dialect on every answer', (headers, expected) => {
    const limiter = new SimRateLimiter({ ratePerSecond: 10, headers });
    expect(limiter.admit(T0).headers).toEqual(expected);
    for (let i = 0; i < 9; i++) limiter.admit(T0);
    const refused = limiter.admit(T0);
    expect(refused.ok).toBe(false);
    expect(refused.headers['retry-after']).toBe('1');
    expect(Object.keys(refused.headers).length).toBe(Object.keys(expected).length + 1);
  });

  it('changes its rate mid-run, counted from its start', () => {
    const limiter = new SimRateLimiter({
      ratePerSecond: 10,
      headers: 'ietf',
      startMs: T0,
      changes: [{ atMs: 20_000, ratePerSecond: 5 }],
    });
    expect(admitted(limiter, T0, T0 + 20_000, 50)).toBe(10 + 200 - 1);
    // The bucket was drained when the rate halved: 5/s from there.
    expect(admitted(limiter, T0 + 20_000, T0 + 30_000, 50)).toBe(50);
    expect(limiter.admit(T0 + 40_000).headers['ratelimit-limit']).toBe('5');
  });

  it('rejects a rate that is not positive', () => {
    expect(() => new SimRateLimiter({ ratePerSecond: 0, headers: 'none' })).toThrow('`ratePerSecond`');
  });
});
