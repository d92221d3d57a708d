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

  it('ramps per round trip: against a fast WFM the rate doubles with each round of answers, not each second', async () => {
    const { rate, time } = controller({ initialPerSecond: 10 });
    const sent: number[] = [];
    // 20 callers in a loop, 5 ms round trips, nothing refused.
    const caller = async () => {
      while (time.now() < 1_000_000 + 1000) {
        await rate.acquire();
        sent.push(time.now());
        await time.sleep(5);
        rate.observe(200, noHeaders);
      }
    };
    void Promise.all(Array.from({ length: 20 }, caller));
    await time.advance(500);
    expect(rate.ratePerSecond).toBeGreaterThan(200);
    // Half a second in, far more went out than a rate doubling once a second allows (10 + 10 × 1.4 …).
    expect(sent.filter((t) => t < 1_000_000 + 500).length).toBeGreaterThan(60);
    await time.advance(600);
  });

  it('never allows more than twice the highest send rate the WFM accepted, busy, throttled or idle', async () => {
    const initial = 10;
    const LATENCY_MS = 20;
    const { rate, time } = controller({ initialPerSecond: initial });
    let seed = 7;
    const random = () => (seed = (seed * 48271) % 2147483647) / 2147483647;
    // Every request in sending order (a constant latency keeps answers in that order), and whether it was accepted.
    const log: Array<{ sentAt: number; accepted?: boolean }> = [];
    let best = 0;
    let refuseShare = 0;
    const bound = () => Math.max(initial, 2 * best);
    const check = () => expect(rate.ratePerSecond).toBeLessThanOrEqual(bound() * (1 + 1e-9));
    const request = async () => {
      await rate.acquire();
      const entry: { sentAt: number; accepted?: boolean } = { sentAt: time.now() };
      log.push(entry);
      await time.sleep(LATENCY_MS);
      entry.accepted = random() >= refuseShare;
      rate.observe(entry.accepted ? 200 : 429, noHeaders);
      // The highest rate over a stretch of consecutive sends at least a round trip long: accepted requests sent after
      // its first, per second. (A longer stretch is never faster than the best of the pieces it splits into.)
      const j = log.lastIndexOf(entry);
      let accepted = 0;
      for (let i = j - 1; i >= 0; i--) {
        accepted += log[i + 1]?.accepted ? 1 : 0;
        const ms = entry.sentAt - (log[i]?.sentAt ?? 0);
        if (ms >= LATENCY_MS) best = Math.max(best, (accepted * 1000) / ms);
        if (ms >= 2 * LATENCY_MS) break;
      }
      check();
    };
    const phases: Array<{ ms: number; callers: number; gapMs: number; refuse: number }> = [
      { ms: 3000, callers: 20, gapMs: 0, refuse: 0 }, // slow start against a fast WFM
      { ms: 600_000, callers: 0, gapMs: 0, refuse: 0 }, // ten quiet minutes
      { ms: 5000, callers: 50, gapMs: 0, refuse: 0 }, // a burst after the quiet
      { ms: 60_000, callers: 1, gapMs: 4000, refuse: 0 }, // requests far apart
      { ms: 10_000, callers: 20, gapMs: 0, refuse: 0.2 }, // throttled
      { ms: 120_000, callers: 2, gapMs: 1000, refuse: 0 }, // a trickle: the climb must not run ahead
      { ms: 5000, callers: 40, gapMs: 0, refuse: 0 },
    ];
    for (const phase of phases) {
      refuseShare = phase.refuse;
      const end = time.now() + phase.ms;
      const caller = async () => {
        while (time.now() < end) {
          await request();
          if (phase.gapMs > 0) await time.sleep(phase.gapMs);
        }
      };
      void Promise.all(Array.from({ length: phase.callers }, caller));
      const step = phase.callers === 0 || phase.gapMs > 0 ? 5000 : 250;
      for (let t = 0; t < phase.ms; t += step) {
        await time.advance(step);
        check();
      }
      await time.advance(5000); // let the phase's last requests finish
      check();
    }
    expect(rate.stats().throttled).toBeGreaterThan(0);
    expect(rate.stats().bestAcceptedPerSecond).toBeLessThanOrEqual(best * (1 + 1e-9));
  });

  it('lets the requests of a unit (a read and its write) go at once, not behind work queued after it', async () => {
    const { rate, time, grants } = controller({ initialPerSecond: 1 });
    const t0 = time.now();
    void rate.acquire().then(() => grants.push(time.now()));
    const unitSends: number[] = [];
    const unit = rate.unit(2, async (turns) => {
      await turns.acquire(); // the read
      unitSends.push(time.now());
      await time.sleep(200); // its answer, and the rebase
      await turns.acquire(); // the write
      unitSends.push(time.now());
      await time.sleep(200);
      await turns.acquire(); // a third request: beyond the unit, it queues
      unitSends.push(time.now());
    });
    for (let i = 0; i < 2; i++) void rate.acquire().then(() => grants.push(time.now()));
    await time.advance(10_000);
    await unit;
    // The write follows its read by the round trip, not by two turns behind the others; the unit's place in the queue
    // is spaced as two requests.
    expect(unitSends.slice(0, 2)).toEqual([t0 + 1000, t0 + 1200]);
    expect(grants).toEqual([t0, t0 + 3000, t0 + 4000]);
    expect(unitSends[2]).toBe(t0 + 5000);
  });

  it('gives the turns a unit did not take back: the next caller is spaced only by what it sent', async () => {
    const { rate, time, grants } = controller({ initialPerSecond: 1 });
    const t0 = time.now();
    const unit = rate.unit(3, async (turns) => {
      await turns.acquire(); // the read found everything in place: no write
      await time.sleep(100);
    });
    void rate.acquire().then(() => grants.push(time.now()));
    await time.advance(5000);
    await unit;
    expect(grants).toEqual([t0 + 1000]);
  });

  it('holds a unit for a pause the server asked for, then lets it go with the first of the callers queued', async () => {
    const { rate, time, grants } = controller({ initialPerSecond: 10 });
    const t0 = time.now();
    let write: number | undefined;
    const unit = rate.unit(2, async (turns) => {
      await turns.acquire();
      await time.sleep(20);
      rate.observe(429, new Headers({ 'retry-after': '2' })); // another request's refusal pauses the worker
      await turns.acquire();
      write = time.now();
    });
    void rate.acquire().then(() => grants.push(time.now()));
    await time.advance(5000);
    await unit;
    expect(write).toBe(t0 + 20 + 2000);
    expect(grants.length).toBe(1);
    expect(grants[0]).toBeGreaterThanOrEqual(write ?? Infinity);
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

  it('follows announced headers: climbs to the limit and not past it, spends no more than `remaining` before the reset', async () => {
    const { rate, time, grants, take } = controller({ initialPerSecond: 1 });
    const limit = new Headers({ 'ratelimit-limit': '20' });
    take(100);
    for (let i = 0; i < 100; i++) {
      await time.advance(50);
      while (rate.stats().requests < grants.length) rate.observe(200, limit);
    }
    expect(rate.ratePerSecond).toBeCloseTo(19, 5);

    const spent = controller({ initialPerSecond: 1 });
    spent.rate.observe(
      200,
      new Headers({ 'ratelimit-limit': '20', 'ratelimit-remaining': '0', 'ratelimit-reset': '3' }),
    );
    spent.take(3);
    await spent.time.advance(2999);
    expect(spent.grants).toEqual([]);
    await spent.time.advance(1);
    expect(spent.grants.length).toBe(1);

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
