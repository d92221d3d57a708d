import { sleep } from '../../common/sleep';
import { RateEstimator, type RateEstimatorOptions } from './rate-estimator';

export interface AdaptiveRateOptions extends RateEstimatorOptions {
  /** Injected in tests. Default `Date.now`. */
  readonly now?: () => number;
  /** Injected in tests. Default a timer that rejects when `signal` aborts. */
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export interface AdaptiveRateStats {
  /** Answers observed (a 429 counts too). */
  requests: number;
  /** Answers that were `429`. */
  throttled: number;
  ratePerSecond: number;
  /** The highest send rate the server accepted over a round trip; the rate stays within twice it. */
  bestAcceptedPerSecond: number;
  /** No request goes before this time (epoch ms of the injected clock). */
  pausedUntilMs: number;
}

/**
 * Turns held for one unit of work: a read and the writes that complete it. Its requests go out as soon as the caller
 * is ready, not behind other callers' requests (a pause the server asked for still holds them); a request beyond the
 * turns held queues like any other.
 */
export interface RateUnit {
  /** Waits for one of the unit's turns: at once while it holds one (after a pause, if the server asked for one). */
  acquire(signal?: AbortSignal): Promise<void>;
  /** Gives the turns not taken back to the other callers. Idempotent; a released unit's `acquire` queues. */
  release(): void;
}

interface Waiter {
  turns: number;
  resolve(unit: HeldTurns): void;
  reject(reason: unknown): void;
  detach(): void;
}

/**
 * Paces one worker process's requests to the WFM at the rate its `RateEstimator` finds sustainable. Callers `acquire()`
 * a turn before each request (FIFO, evenly spaced, never during a pause the server asked for) and `observe()` every
 * answer (`lost()` when none came). A read and the writes that complete it take their turns together (`unit`): one
 * place in the queue, spaced as that many requests, so that the writes never wait behind other work.
 */
export class AdaptiveRateController {
  private readonly estimator: RateEstimator;
  private readonly now: () => number;
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  private readonly waiters: Waiter[] = [];
  private pumping = false;
  private pumpSleep: { abort: AbortController; wakeAtMs: number } | undefined;
  /** When the last turn was handed out, how many requests it was for, and to which unit (the next one is spaced from it). */
  private lastTurnMs = -Infinity;
  private lastTurnRequests = 1;
  private lastTurnUnit: HeldTurns | undefined;

  constructor(options: AdaptiveRateOptions = {}) {
    this.estimator = new RateEstimator(options);
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? sleep;
  }

  /** The send rate currently allowed, in requests per second (headers may space requests further). */
  get ratePerSecond(): number {
    return this.estimator.rateAt(this.now(), this.waiters.length > 0);
  }

  stats(): AdaptiveRateStats {
    return {
      ...this.estimator.counts(),
      ratePerSecond: this.ratePerSecond,
      bestAcceptedPerSecond: this.estimator.bestAcceptedPerSecond,
      pausedUntilMs: this.estimator.pausedUntilMs,
    };
  }

  /** Waits for this request's turn: in call order, evenly spaced at the current rate, never during a pause. */
  async acquire(signal?: AbortSignal): Promise<void> {
    const unit = await this.reserve(1, signal);
    try {
      await unit.acquire(signal);
    } finally {
      unit.release();
    }
  }

  /**
   * Runs `body` as one unit of `requests` requests: it waits for one turn in the queue (spaced as `requests` turns),
   * then every request it makes through `unit.acquire()` goes at once, up to `requests`; turns it did not take go back
   * when it ends. For a read and the writes based on it, so that no other work gets between them and another writer
   * has as little time as the network allows to move the version read.
   */
  async unit<T>(requests: number, body: (unit: RateUnit) => Promise<T>, signal?: AbortSignal): Promise<T> {
    const unit = await this.reserve(requests, signal);
    try {
      return await body(unit);
    } finally {
      unit.release();
    }
  }

  /** `unit` without the body: the caller must `release()` what it reserved (in a `finally`). */
  reserve(requests: number, signal?: AbortSignal): Promise<RateUnit> {
    if (!(Number.isInteger(requests) && requests >= 1))
      return Promise.reject(new Error(`Expected \`requests\` to be an integer >= 1, got ${requests}`));
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise<RateUnit>((resolve, reject) => {
      const onAbort = () => {
        const i = this.waiters.indexOf(waiter);
        if (i >= 0) this.waiters.splice(i, 1);
        if (this.waiters.length === 0) this.pumpSleep?.abort.abort();
        reject(signal?.reason);
      };
      const waiter: Waiter = {
        turns: requests,
        resolve,
        reject,
        detach: () => signal?.removeEventListener('abort', onAbort),
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(waiter);
      void this.pump();
    });
  }

  /** Learns from one answer: throttles cut the rate and pause every caller, headers set the pace. */
  observe(status: number, headers: Headers): void {
    const now = this.now();
    this.estimator.onAnswer(now, status, headers, this.waiters.length > 0);
    this.wakeIfSooner(now);
  }

  /** A request that had its turn got no answer (timeout, reset, cancelled): it is no longer in flight. */
  lost(): void {
    const now = this.now();
    this.estimator.onNoAnswer(now);
    this.wakeIfSooner(now);
  }

  /** A held turn is taken: it waits only for a pause the server asked for. */
  async sendHeld(signal?: AbortSignal): Promise<void> {
    for (let now = this.now(); now < this.estimator.pausedUntilMs; now = this.now())
      await this.sleep(this.estimator.pausedUntilMs - now, signal);
    this.estimator.onSend(this.now());
  }

  /** A unit ends with `turns` not taken: the next turn is spaced from it as the requests it really made. */
  giveBack(unit: HeldTurns, turns: number): void {
    this.estimator.giveBack(turns);
    if (this.lastTurnUnit !== unit) return;
    this.lastTurnRequests -= turns;
    this.wakeIfSooner(this.now());
  }

  /** New information may allow the next turn sooner than the pump planned. */
  private wakeIfSooner(now: number): void {
    if (this.pumpSleep && this.nextTurnAt(now) < this.pumpSleep.wakeAtMs) this.pumpSleep.abort.abort();
  }

  private nextTurnAt(now: number): number {
    const rate = this.estimator.rateAt(now, this.waiters.length > 0);
    const last = Number.isFinite(this.lastTurnMs) ? this.lastTurnMs : now - 1e9;
    return Math.max(last + (this.lastTurnRequests * 1000) / rate, this.estimator.allowedFrom(now, last));
  }

  /** Hands out turns one at a time; one loop per controller, so turns stay in call order. */
  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      for (;;) {
        const waiter = this.waiters[0];
        if (!waiter) return;
        const now = this.now();
        const at = this.nextTurnAt(now);
        if (at <= now) {
          this.waiters.shift();
          waiter.detach();
          const unit = new HeldTurns(this, waiter.turns);
          this.lastTurnMs = now;
          this.lastTurnRequests = waiter.turns;
          this.lastTurnUnit = unit;
          this.estimator.handOut(waiter.turns);
          waiter.resolve(unit);
          continue;
        }
        const abort = new AbortController();
        this.pumpSleep = { abort, wakeAtMs: at };
        try {
          await this.sleep(at - now, abort.signal);
        } catch (err) {
          // Woken early on purpose: look again. Anything else is the sleep failing: nobody can be served.
          if (!abort.signal.aborted)
            for (const w of this.waiters.splice(0)) {
              w.detach();
              w.reject(err);
            }
        } finally {
          this.pumpSleep = undefined;
        }
      }
    } finally {
      this.pumping = false;
    }
  }
}

/** The turns a unit holds and has not taken yet. */
class HeldTurns implements RateUnit {
  constructor(
    private readonly controller: AdaptiveRateController,
    private left: number,
  ) {}

  async acquire(signal?: AbortSignal): Promise<void> {
    if (this.left <= 0) return this.controller.acquire(signal);
    this.left--;
    try {
      await this.controller.sendHeld(signal);
    } catch (err) {
      this.left++;
      throw err;
    }
  }

  release(): void {
    if (this.left <= 0) return;
    const left = this.left;
    this.left = 0;
    this.controller.giveBack(this, left);
  }
}
