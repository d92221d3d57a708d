import { addToTotals, emptyTotals, type PushTotals, type ScheduleResult } from '../model/report';
import type { PushProgress } from './messages';

/** What one run of a bulk push hands to the next when it continues as new. */
export interface CarriedState {
  cursor: number;
  totals: PushTotals;
  paused: boolean;
  run: number;
  startedAtMs: number;
}

export interface PushLimits {
  maxInFlight: number;
  /** Children one run may start before it continues as new. */
  maxChildrenPerRun: number;
}

/** The bookkeeping of a bulk push, kept out of the workflow function so it reads as the story of the push. */
export class PushLedger {
  cursor: number;
  totals: PushTotals;
  paused: boolean;
  inFlight = 0;
  waitingForOtherPush = 0;
  private startedThisRun = 0;
  private readonly run: number;
  private readonly startedAtMs: number;

  constructor(
    private readonly planId: string,
    private readonly schedules: number,
    agentsPlanned: number,
    private readonly limits: PushLimits,
    carried: CarriedState | undefined,
    nowMs: number,
  ) {
    this.cursor = carried?.cursor ?? 0;
    this.totals = carried?.totals ?? emptyTotals(schedules, agentsPlanned);
    this.paused = carried?.paused ?? false;
    this.run = (carried?.run ?? 0) + 1;
    this.startedAtMs = carried?.startedAtMs ?? nowMs;
  }

  get planExhausted(): boolean {
    return this.cursor >= this.schedules;
  }

  /** This run has started enough children (or the server suggests it): finish them and continue as new. */
  runIsFull(continueAsNewSuggested: boolean): boolean {
    return this.startedThisRun >= this.limits.maxChildrenPerRun || continueAsNewSuggested;
  }

  mayStartChild(): boolean {
    return !this.paused && this.inFlight < this.limits.maxInFlight;
  }

  childStarted(): void {
    this.cursor++;
    this.startedThisRun++;
    this.inFlight++;
  }

  childFinished(result: ScheduleResult | undefined): void {
    this.inFlight--;
    if (result) this.totals = addToTotals(this.totals, result);
  }

  carried(): CarriedState {
    return {
      cursor: this.cursor,
      totals: this.totals,
      paused: this.paused,
      run: this.run,
      startedAtMs: this.startedAtMs,
    };
  }

  progress(): PushProgress {
    return {
      planId: this.planId,
      totals: this.totals,
      inFlight: this.inFlight,
      waitingForOtherPush: this.waitingForOtherPush,
      paused: this.paused,
      cursor: this.cursor,
      run: this.run,
      startedAtMs: this.startedAtMs,
    };
  }

  /** One line for the workflow's current details in the UI. */
  currentDetails(): string {
    const t = this.totals;
    const state = this.paused ? 'PAUSED' : this.planExhausted ? 'finishing' : 'running';
    return `${state} (run ${this.run}): ${t.schedulesDone}/${t.schedules} schedules done, ${this.inFlight} in flight, ${this.waitingForOtherPush} waiting for another push; agents ${t.agentsChanged} changed, ${t.agentsAlreadyInPlace} already in place, ${t.agentsFailed} failed; ${t.conflicts} conflicts resolved`;
  }
}
