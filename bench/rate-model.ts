/**
 * The adaptive rate controller against the simulator's limiter, in virtual time (discrete events, no real sleeping):
 * `npx tsx bench/rate-model.ts [SEEDS]`. Each worker runs 20 concurrent activities; each takes a schedule and sends
 * its two requests (GET, PUT) as one unit (`unit()`, as the sync does), with ~20 ms latency; a 429 is retried after its Retry-After
 * (plus up to 10 % jitter, as the activity's retry would). Prints the 429 share, wall time against the floor
 * (requests / allowed rate), each worker's share, and after a mid-run halving of the limit, the time to recover.
 */
import { AdaptiveRateController, type RateUnit } from '../wfm/rate/adaptive-rate';
import { seededRandom as seeded } from '../dev/simulator/random';
import { SimRateLimiter, type RateLimitHeaderMode } from '../dev/simulator/rate-limiter';

const SCHEDULES = 300;
const REQUESTS_PER_SCHEDULE = 2;
const CONCURRENCY = 20;
const LIMIT_PER_SECOND = 10;
const LATENCY_MS = 20;
const LATENCY_JITTER_MS = 10;
const STAGGER_MS = Number(process.env.RATE_MODEL_STAGGER_MS ?? 300);
/** Virtual epoch start: X-RateLimit-Reset is an epoch second and must look like one. */
const T0 = Date.UTC(2025, 0, 1);

/** Timers ordered by due time, fired one at a time; microtasks settle between them, so `await` chains run in order. */
class VirtualTime {
  nowMs = T0;
  private seq = 0;
  private timers: Array<{ at: number; seq: number; fire: () => void }> = [];

  sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
    new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const timer = { at: this.nowMs + Math.max(0, ms), seq: this.seq++, fire: () => resolve() };
      this.insert(timer);
      signal?.addEventListener(
        'abort',
        () => {
          this.timers = this.timers.filter((t) => t !== timer);
          reject(signal.reason);
        },
        { once: true },
      );
    });

  async run(): Promise<void> {
    await settle();
    for (let timer = this.timers.shift(); timer; timer = this.timers.shift()) {
      this.nowMs = Math.max(this.nowMs, timer.at);
      timer.fire();
      await settle();
    }
  }

  private insert(timer: { at: number; seq: number; fire: () => void }): void {
    let lo = 0;
    let hi = this.timers.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const t = this.timers[mid];
      if (t && (t.at < timer.at || (t.at === timer.at && t.seq < timer.seq))) lo = mid + 1;
      else hi = mid;
    }
    this.timers.splice(lo, 0, timer);
  }
}

function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

interface Scenario {
  headers: RateLimitHeaderMode;
  workers: number;
  changes?: Array<{ atMs: number; ratePerSecond: number }>;
  /** Defaults: SCHEDULES, LIMIT_PER_SECOND, LATENCY_MS. */
  schedules?: number;
  limitPerSecond?: number;
  latencyMs?: number;
}

interface Outcome {
  requests: number;
  throttled: number;
  wallMs: number;
  floorMs: number;
  perWorker: number[];
  recoverMs?: number;
}

async function runScenario(scenario: Scenario, seed: number, trace = false): Promise<Outcome> {
  const time = new VirtualTime();
  const random = seeded(seed);
  const schedules = scenario.schedules ?? SCHEDULES;
  const limit = scenario.limitPerSecond ?? LIMIT_PER_SECOND;
  const latencyMs = scenario.latencyMs ?? LATENCY_MS;
  const limiter = new SimRateLimiter({
    ratePerSecond: limit,
    headers: scenario.headers,
    changes: scenario.changes,
    startMs: T0,
  });
  const events: Array<{ at: number; ok: boolean }> = [];
  let nextSchedule = 0;
  const perWorker: number[] = [];

  const worker = async (index: number) => {
    perWorker[index] = 0;
    // Worker processes never start in the same instant: each one after the other has begun (RATE_MODEL_STAGGER_MS).
    await time.sleep(index * STAGGER_MS);
    const controller = new AdaptiveRateController({
      now: () => time.nowMs,
      sleep: time.sleep,
      onRateChange: trace
        ? (e) =>
            console.log(
              `  ${((time.nowMs - T0) / 1000).toFixed(2)} s worker ${index}: ${e.ratePerSecond}/s ${e.reason}`,
            )
        : undefined,
    });
    const request = async (unit: RateUnit) => {
      for (;;) {
        await unit.acquire();
        const jitter = Math.min(LATENCY_JITTER_MS, latencyMs);
        const latency = latencyMs - jitter / 2 + random() * jitter;
        await time.sleep(latency / 2);
        const answer = limiter.admit(time.nowMs);
        await time.sleep(latency / 2);
        events.push({ at: time.nowMs, ok: answer.ok });
        if (trace && !answer.ok)
          console.log(`  ${((time.nowMs - T0) / 1000).toFixed(2)} s worker ${index}: 429`);
        controller.observe(answer.ok ? 200 : 429, new Headers(answer.headers));
        if (answer.ok) {
          perWorker[index] = (perWorker[index] ?? 0) + 1;
          return;
        }
        await time.sleep(answer.retryAfterSeconds * 1000 * (1 + random() * 0.1));
      }
    };
    const activity = async () => {
      while (nextSchedule < schedules) {
        nextSchedule++;
        // The GET and the PUT based on it are one unit, as the sync sends them.
        await controller.unit(REQUESTS_PER_SCHEDULE, async (unit) => {
          for (let r = 0; r < REQUESTS_PER_SCHEDULE; r++) await request(unit);
        });
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, activity));
  };

  const done = Promise.all(Array.from({ length: scenario.workers }, (_, i) => worker(i)));
  await time.run();
  await done;
  const total = schedules * REQUESTS_PER_SCHEDULE;
  return {
    requests: events.length,
    throttled: events.filter((e) => !e.ok).length,
    wallMs: time.nowMs - T0,
    floorMs: floorMs(total, scenario.changes, limit),
    perWorker,
    recoverMs: scenario.changes?.[0] && recoveryMs(events, scenario.changes[0]),
  };
}

/** Time the allowed rate needs to admit `total` requests (ignoring the initial burst allowance). */
function floorMs(total: number, changes: Scenario['changes'], limit: number): number {
  let rate = limit;
  let at = 0;
  let left = total;
  for (const change of changes ?? []) {
    const fits = ((change.atMs - at) / 1000) * rate;
    if (fits >= left) break;
    left -= fits;
    at = change.atMs;
    rate = change.ratePerSecond;
  }
  return at + (left / rate) * 1000;
}

/**
 * After the limit changes: the first moment from which the next 5 s hold no 429 and at least 80 % of the new limit
 * gets through.
 */
function recoveryMs(
  events: Array<{ at: number; ok: boolean }>,
  change: { atMs: number; ratePerSecond: number },
) {
  const changeAt = T0 + change.atMs;
  const end = events.at(-1)?.at ?? changeAt;
  for (let t = changeAt; t + 5000 <= end; t += 100) {
    const window = events.filter((e) => e.at >= t && e.at < t + 5000);
    if (window.some((e) => !e.ok)) continue;
    if (window.length >= 0.8 * change.ratePerSecond * 5) return t - changeAt;
  }
  return Infinity;
}

async function main(): Promise<void> {
  const seeds = Number(process.argv[2] ?? 5);
  const scenarios: Array<Scenario & { name: string }> = [];
  for (const headers of ['none', 'ietf', 'ietf-structured', 'x-ratelimit', 'genesys-legacy'] as const)
    for (const workers of [1, 2]) scenarios.push({ name: `${headers} x${workers}`, headers, workers });
  for (const headers of ['none', 'ietf'] as const)
    for (const workers of [1, 2])
      scenarios.push({
        name: `${headers} x${workers} halved@20s`,
        headers,
        workers,
        changes: [{ atMs: 20_000, ratePerSecond: LIMIT_PER_SECOND / 2 }],
      });
  // A small push against a fast WFM that allows 100/s: how long the ramp holds it back (floor: requests / 100/s).
  for (const workers of [1, 2])
    scenarios.push({
      name: `fast 100/s 5 ms x${workers}`,
      headers: 'none',
      workers,
      schedules: 80,
      limitPerSecond: 100,
      latencyMs: 5,
    });
  console.log(
    `${SCHEDULES * REQUESTS_PER_SCHEDULE} requests at ${LIMIT_PER_SECOND}/s, ${seeds} seeds (mean / worst)`,
  );
  console.log(
    'scenario                    429 share        wall/floor      worker share (min:max)   recover',
  );
  for (const scenario of scenarios) {
    const runs: Outcome[] = [];
    // RATE_MODEL_TRACE=<scenario name> prints that scenario's rate changes and 429s (first seed).
    const trace = process.env.RATE_MODEL_TRACE === scenario.name;
    for (let seed = 1; seed <= seeds; seed++)
      runs.push(
        await runScenario(scenario, seed, trace && seed === Number(process.env.RATE_MODEL_TRACE_SEED ?? 1)),
      );
    if (process.env.RATE_MODEL_RUNS)
      for (const r of runs)
        console.log(
          `  ${scenario.name}: ${r.requests} requests, ${r.throttled} 429, wall ${(r.wallMs / 1000).toFixed(1)} s, per worker ${r.perWorker.join('/')}`,
        );
    const share = runs.map((r) => r.throttled / r.requests);
    const wall = runs.map((r) => r.wallMs / r.floorMs);
    const fairness = runs.map((r) => Math.max(...r.perWorker) / Math.max(1, Math.min(...r.perWorker)));
    const recover = runs.map((r) => r.recoverMs ?? NaN);
    console.log(
      [
        scenario.name.padEnd(26),
        `${pct(mean(share))} / ${pct(Math.max(...share))}`.padEnd(16),
        `${mean(wall).toFixed(2)}x / ${Math.max(...wall).toFixed(2)}x`.padEnd(15),
        scenario.workers > 1
          ? `${mean(fairness).toFixed(2)}:1 / ${Math.max(...fairness).toFixed(2)}:1`.padEnd(24)
          : '-'.padEnd(24),
        scenario.changes
          ? `${(mean(recover) / 1000).toFixed(1)} s / ${(Math.max(...recover) / 1000).toFixed(1)} s`
          : '-',
      ].join(' '),
    );
  }
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
