import type { AsyncStatus, SchedulesNotification } from './schemas';

/**
 * A final outcome of an asynchronous operation, as its notification told it: a schedule update (its `result`), or an
 * agent query (its `downloadUrl`; a query notification comes only when the result is ready).
 */
export interface FinalOutcome {
  operationId: string;
  status: Exclude<AsyncStatus, 'Processing'>;
  result?: SchedulesNotification['result'];
  downloadUrl?: string;
}

const MAX_KEPT_OUTCOMES = 10_000;

/**
 * Final outcomes by operation ID, and whoever waits for one. A notification may come before anyone waits for it (it
 * can beat the update's own answer): it is kept for `keepMs`, at most 10,000 of them, oldest out first. The first
 * outcome of an operation wins; duplicates are ignored.
 */
export class OutcomeBoard {
  private readonly outcomes = new Map<string, { outcome: FinalOutcome; atMs: number }>();
  private readonly waiters = new Map<string, Set<(outcome: FinalOutcome | undefined) => void>>();

  constructor(private readonly keepMs: number) {}

  /** Keeps the first final status of an operation and wakes whoever waits for it. */
  settle(outcome: FinalOutcome): void {
    if (this.outcomes.has(outcome.operationId)) return;
    const now = Date.now();
    for (const [id, kept] of this.outcomes) {
      if (now - kept.atMs < this.keepMs && this.outcomes.size < MAX_KEPT_OUTCOMES) break;
      this.outcomes.delete(id);
    }
    this.outcomes.set(outcome.operationId, { outcome, atMs: now });
    for (const wake of this.waiters.get(outcome.operationId) ?? []) wake(outcome);
  }

  /** A final status already received for `operationId`, without waiting. */
  received(operationId: string): FinalOutcome | undefined {
    return this.outcomes.get(operationId)?.outcome;
  }

  /**
   * The outcome of `operationId`: kept, or the one settled while `until` waits for `arrived` (it decides how long,
   * e.g. a timeout); undefined when `wakeAll` is called meanwhile (the channel it would come on is gone).
   */
  async wait(
    operationId: string,
    until: (arrived: Promise<FinalOutcome | undefined>) => Promise<FinalOutcome | undefined>,
  ): Promise<FinalOutcome | undefined> {
    const kept = this.received(operationId);
    if (kept) return kept;
    let wake: (outcome: FinalOutcome | undefined) => void = () => {};
    const arrived = new Promise<FinalOutcome | undefined>((resolve) => (wake = resolve));
    const set = this.waiters.get(operationId) ?? new Set();
    set.add(wake);
    this.waiters.set(operationId, set);
    try {
      return await until(arrived);
    } finally {
      set.delete(wake);
      if (set.size === 0) this.waiters.delete(operationId);
    }
  }

  /** Nobody waits any longer: the notifications they wait for may be lost (the channel dropped or closed). */
  wakeAll(): void {
    for (const set of this.waiters.values()) for (const wake of set) wake(undefined);
  }
}
