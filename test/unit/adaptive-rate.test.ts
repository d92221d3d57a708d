import { AdaptiveRateController, type AdaptiveRateOptions } from '../../wfm/rate/adaptive-rate';

/** Virtual time: `sleep` registers a timer, `advance` fires the due ones in order and lets their awaits run. */
function virtualTime(start = 1_000_000) {
  let now = start;
  let timers: Array<{ at: number; fire: () => void }> = [];
  const settle = () => new Promise<void>((resolve) => setImmediate(resolve));
  return {
    now: () => now,
    sleep: (ms: number, signal?: AbortSignal) =>
      new Promise<void>((resolve, reject) => {
        const timer = { at: now + ms, fire: resolve };
        timers.push(timer);
        signal?.addEventListener('abort', () => {
          timers = timers.filter((t) => t !== timer);
          reject(signal.reason);
        });
      }),
    async advance(ms: number) {
      const end = now + ms;
      await settle();
      for (;;) {
        const next = timers.filter((t) => t.at <= end).sort((a, b) => a.at - b.at)[0];
        if (!next) break;
        timers = timers.filter((t) => t !== next);
        now = Math.max(now, next.at);
        next.fire();
        await settle();
      }
      now = end;
      await settle();
    },
  };
}

function controller(options: AdaptiveRateOptions = {}) {
  const time = virtualTime();
  const rate = new AdaptiveRateController({ now: time.now, sleep: time.sleep, ...options });
  const grants: number[] = [];
  const take = (n: number) => {
    for (let i = 0; i < n; i++) void rate.acquire().then(() => grants.push(time.now()));
  };
  return { rate, time, grants, take };
}

const gapsOf = (times: number[]) => times.slice(1).map((t, i) => t - (times[i] ?? 0));
const noHeaders = new Headers();

describe('adaptive rate controller', () => {
  it('spaces turns evenly, in call order, starting at the initial rate', async () => {
    const { rate, time } = controller({ initialPerSecond: 4 });
    const order: Array<{ id: number; at: number }> = [];
    for (let id = 0; id < 5; id++) void rate.acquire().then(() => order.push({ id, at: time.now() }));
    await time.advance(1100);
    expect(order.map((o) => o.id)).toEqual([0, 1, 2, 3, 4]);
    const gaps = gapsOf(order.map((o) => o.at));
    expect(gaps[0]).toBe(250);
    // Slow start shortens the gaps as requests go through, never to a burst.
    expect(gaps.every((g) => g > 150 && g <= 250)).toBe(true);
  });

  it('holds every caller for the Retry-After of a 429, then releases them evenly spaced, not at once', async () => {
    const { rate, time, grants, take } = controller({ initialPerSecond: 5 });
    take(1);
    await time.advance(0);
    const t0 = time.now();
    rate.observe(429, new Headers({ 'retry-after': '2' }));
    take(6);
    await time.advance(1999);
    expect(grants.length).toBe(1);
    await time.advance(5000);
    const after = grants.slice(1);
    expect(after[0]).toBe(t0 + 2000);
    const interval = 1000 / rate.ratePerSecond;
    expect(gapsOf(after).every((g) => g >= interval * 0.8)).toBe(true);
    expect(after.length).toBe(6);
  });

  it('pauses for an HTTP-date Retry-After, and 1 s when a 429 carries none', async () => {
    const { rate, time, grants, take } = controller();
    rate.observe(429, new Headers({ 'retry-after': new Date(time.now() + 3000).toUTCString() }));
    expect(rate.stats().pausedUntilMs).toBe(time.now() + 3000);
    const other = controller();
    other.rate.observe(429, noHeaders);
    expect(other.rate.stats().pausedUntilMs).toBe(other.time.now() + 1000);
    take(1);
    await time.advance(2999);
    expect(grants).toEqual([]);
  });

  it('cuts the rate once per congestion event, not once per refused request that was already in flight', async () => {
    const { rate, time, take } = controller({ initialPerSecond: 10 });
    take(5);
    await time.advance(500); // five requests in flight
    const before = rate.ratePerSecond;
    rate.observe(429, new Headers({ 'retry-after': '1' }));
    const afterOne = rate.ratePerSecond;
    for (let i = 0; i < 4; i++) rate.observe(429, new Headers({ 'retry-after': '1' }));
    expect(afterOne).toBeLessThan(before);
    expect(rate.ratePerSecond).toBeCloseTo(afterOne, 5);
    expect(rate.stats()).toMatchObject({ requests: 5, throttled: 5 });
  });

  it('cuts again on a 429 for a request sent after the pause, and on a 503 with Retry-After', async () => {
    const { rate, time, take } = controller({ initialPerSecond: 10 });
    take(1);
    await time.advance(0);
    rate.observe(429, new Headers({ 'retry-after': '1' }));
    await time.advance(5000);
    take(1);
    await time.advance(0);
    const before = rate.ratePerSecond;
    rate.observe(503, new Headers({ 'retry-after': '1' }));
    expect(rate.ratePerSecond).toBeLessThan(before);
  });

  it('never exceeds the ceiling, and runs just below it when nothing is refused', async () => {
    const { rate, time, grants, take } = controller({ ceilingPerSecond: 10, initialPerSecond: 50 });
    take(100);
    for (let i = 0; i < 100; i++) {
      await time.advance(50);
      while (rate.stats().requests < grants.length) rate.observe(200, noHeaders);
    }
    expect(rate.ratePerSecond).toBeLessThanOrEqual(10);
    for (const start of grants)
      expect(grants.filter((t) => t >= start && t < start + 1000).length).toBeLessThanOrEqual(10);
    expect(grants.length).toBeGreaterThanOrEqual(44); // 5 s at 9/s
  });

  it('grows while requests succeed, but not past twice what an idle worker actually sends', async () => {
    const busy = controller({ initialPerSecond: 5 });
    busy.take(200);
    for (let i = 0; i < 60; i++) {
      await busy.time.advance(50);
      while (busy.rate.stats().requests < busy.grants.length) busy.rate.observe(200, noHeaders);
    }
    expect(busy.rate.ratePerSecond).toBeGreaterThan(10);

    const idle = controller({ initialPerSecond: 5 });
    for (let i = 0; i < 30; i++) {
      idle.take(1); // one request a second
      await idle.time.advance(1000);
      idle.rate.observe(200, noHeaders);
    }
    expect(idle.rate.ratePerSecond).toBeLessThan(5 * 1.5 ** 2);
  });

  it('caps a huge Retry-After and says so', async () => {
    const onPauseCapped = jest.fn();
    const { rate, time } = controller({ maxPauseMs: 60_000, onPauseCapped });
    rate.observe(429, new Headers({ 'retry-after': '86400' }));
    expect(onPauseCapped).toHaveBeenCalledWith({ askedMs: 86_400_000, cappedMs: 60_000 });
    expect(rate.stats().pausedUntilMs).toBe(time.now() + 60_000);
  });

  it('reports material rate changes with a reason', async () => {
    const onRateChange = jest.fn();
    const { rate, time } = controller({ initialPerSecond: 10, onRateChange });
    rate.observe(429, noHeaders);
    await time.advance(5000);
    rate.observe(429, noHeaders);
    expect(onRateChange).toHaveBeenCalledWith(expect.objectContaining({ reason: 'throttled (429)' }));
  });

  it('follows announced headers: adopts the limit, spends no more than `remaining` before the reset', async () => {
    const { rate, time, grants, take } = controller({ initialPerSecond: 1 });
    rate.observe(
      200,
      new Headers({ 'ratelimit-limit': '20', 'ratelimit-remaining': '0', 'ratelimit-reset': '3' }),
    );
    expect(rate.ratePerSecond).toBeCloseTo(19, 5);
    take(3);
    await time.advance(2999);
    expect(grants).toEqual([]);
    await time.advance(1);
    expect(grants.length).toBe(1);

    const spread = controller({ initialPerSecond: 100 });
    spread.rate.observe(200, new Headers({ 'x-ratelimit-remaining': '4', 'x-ratelimit-reset': '2' }));
    spread.take(10);
    await spread.time.advance(1999);
    expect(spread.grants.length).toBe(4);
  });

  it('rejects an aborted caller and keeps serving the others in order', async () => {
    const { rate, time, grants } = controller({ initialPerSecond: 1 });
    void rate.acquire().then(() => grants.push(1));
    const abort = new AbortController();
    const aborted = rate.acquire(abort.signal);
    void rate.acquire().then(() => grants.push(3));
    abort.abort(new Error('cancelled'));
    await expect(aborted).rejects.toThrow('cancelled');
    await time.advance(1000);
    expect(grants).toEqual([1, 3]);
  });

  it('rejects bad options with the option named', () => {
    expect(() => new AdaptiveRateController({ ceilingPerSecond: 0 })).toThrow('`ceilingPerSecond`');
  });
});
