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

interface Waiter {
  resolve(): void;
  reject(reason: unknown): void;
  detach(): void;
}

/**
 * Paces one worker process's requests to the WFM at the rate its `RateEstimator` finds sustainable. Callers `acquire()`
 * a turn before each request (FIFO, evenly spaced, never during a pause the server asked for) and `observe()` every
 * answer (`lost()` when none came).
 */
export class AdaptiveRateController {
  private readonly estimator: RateEstimator;
  private readonly now: () => number;
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  private readonly waiters: Waiter[] = [];
  private pumping = false;
  private pumpSleep: { abort: AbortController; wakeAtMs: number } | undefined;
  /** When the last turn was handed out (the next one is spaced from it). */
  private lastTurnMs = -Infinity;

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
  acquire(signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        const i = this.waiters.indexOf(waiter);
        if (i >= 0) this.waiters.splice(i, 1);
        if (this.waiters.length === 0) this.pumpSleep?.abort.abort();
        reject(signal?.reason);
      };
      const waiter: Waiter = { resolve, reject, detach: () => signal?.removeEventListener('abort', onAbort) };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(waiter);
      void this.pump();
    });
  }

  /** Learns from one answer: throttles cut the rate and pause every caller, headers set the pace. */
  observe(status: number, headers: Headers): void {
    const now = this.now();
    this.estimator.onAnswer(now, status, headers);
    this.wakeIfSooner(now);
  }

  /** A request that had its turn got no answer (timeout, reset, cancelled): it is no longer in flight. */
  lost(): void {
    const now = this.now();
    this.estimator.onNoAnswer(now);
    this.wakeIfSooner(now);
  }

  /** New information may allow the next turn sooner than the pump planned. */
  private wakeIfSooner(now: number): void {
    if (this.pumpSleep && this.nextTurnAt(now) < this.pumpSleep.wakeAtMs) this.pumpSleep.abort.abort();
  }

  private nextTurnAt(now: number): number {
    const rate = this.estimator.rateAt(now, this.waiters.length > 0);
    const last = Number.isFinite(this.lastTurnMs) ? this.lastTurnMs : now - 1e9;
    return Math.max(last + 1000 / rate, this.estimator.allowedFrom(now, last));
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
          this.lastTurnMs = now;
          this.estimator.handOut(1);
          this.estimator.onSend(now);
          waiter.resolve();
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
