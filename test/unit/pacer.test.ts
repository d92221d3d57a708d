import { RequestPacer } from '../../wfm/pacer';

/** A pacer on a fake clock: sleeping advances time, so the test reads when each request went out. */
function fakePacer(ratePerSecond: number) {
  let now = 1_000_000;
  const pacer = new RequestPacer({
    ratePerSecond,
    headroom: 1,
    now: () => now,
    sleep: async (ms) => {
      now = Math.max(now, now + ms);
    },
  });
  const sendTimes: number[] = [];
  const send = async () => {
    await pacer.acquire();
    sendTimes.push(now);
  };
  return { pacer, send, sendTimes, advance: (ms: number) => (now += ms), now: () => now };
}

describe('request pacer', () => {
  it('spaces requests evenly at the configured rate, so no one-second window holds more than the rate', async () => {
    const { send, sendTimes } = fakePacer(10);
    for (let i = 0; i < 35; i++) await send();
    const gaps = sendTimes.slice(1).map((t, i) => t - (sendTimes[i] ?? 0));
    expect(gaps.every((g) => g >= 100)).toBe(true);
    for (const start of sendTimes)
      expect(sendTimes.filter((t) => t >= start && t < start + 1000).length).toBeLessThanOrEqual(10);
  });

  it('keeps 10 % headroom below the rate by default', async () => {
    let now = 0;
    const pacer = new RequestPacer({
      ratePerSecond: 10,
      now: () => now,
      sleep: async (ms) => void (now += ms),
    });
    for (let i = 0; i < 10; i++) await pacer.acquire();
    expect(now).toBeCloseTo(1000, 0); // 9 gaps of 1000/9 ms
  });

  it('holds every request back for the Retry-After of a 429 (seconds or HTTP date)', async () => {
    const { pacer, send, sendTimes, now } = fakePacer(100);
    pacer.observe(429, new Headers({ 'retry-after': '2' }));
    const t0 = now();
    await send();
    expect(sendTimes[0]).toBe(t0 + 2000);
    pacer.observe(429, new Headers({ 'retry-after': new Date(now() + 3000).toUTCString() }));
    await send();
    expect((sendTimes[1] ?? 0) - (sendTimes[0] ?? 0)).toBeGreaterThanOrEqual(2000);
  });

  it('pauses until the window resets when the server says none are left', async () => {
    const { pacer, send, sendTimes, now } = fakePacer(100);
    const t0 = now();
    pacer.observe(200, new Headers({ 'ratelimit-remaining': '0', 'ratelimit-reset': '1' }));
    await send();
    expect(sendTimes[0]).toBe(t0 + 1000);
    // Four left in the next second (others spend the same budget): spread them, one every 200 ms.
    pacer.observe(200, new Headers({ 'ratelimit-remaining': '4', 'ratelimit-reset': '1' }));
    await send();
    expect(sendTimes[1]).toBe((sendTimes[0] ?? 0) + 200);
  });

  it('when the window is nearly spent, holds back requests that were already waiting for a turn', async () => {
    const { pacer, send, sendTimes, now } = fakePacer(100);
    const t0 = now();
    const waiting = [send(), send(), send()]; // turns at +0, +10, +20 ms
    // The first answer says one request is left in the next second (another worker spends the same budget).
    pacer.observe(200, new Headers({ 'ratelimit-remaining': '1', 'ratelimit-reset': '1' }));
    await Promise.all(waiting);
    expect(sendTimes.filter((t) => t < t0 + 500)).toHaveLength(1);
  });

  it('gives up its turn when the activity is cancelled', async () => {
    const pacer = new RequestPacer({ ratePerSecond: 0.001 });
    await pacer.acquire(); // takes the first turn at once
    const controller = new AbortController();
    const waiting = pacer.acquire(controller.signal);
    controller.abort(new Error('cancelled'));
    await expect(waiting).rejects.toThrow('cancelled');
  });
});
