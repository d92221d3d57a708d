import { addToTotals, emptyTotals, type PushTotals, type ScheduleResult } from '../model/report';
import type { PushProgress } from './messages';

/** A child that one run hands to the next: running (its run ID known), or still to be started. */
export interface CarriedChild {
  scheduleId: string;
  agentsPlanned: number;
  /** The child's run, whose report the next run waits for; absent while the schedule waits for another push. */
  runId?: string;
}

/** What one run of a bulk push hands to the next when it continues as new. */
export interface CarriedState {
  cursor: number;
  totals: PushTotals;
  paused: boolean;
  run: number;
  startedAtMs: number;
  /** Children still in flight (absent from runs that drained before continuing as new). */
  inFlight?: CarriedChild[];
}

export interface PushLimits {
  maxInFlight: number;
  /** Children one run may start before it continues as new. */
  maxChildrenPerRun: number;
}

type ChildState =
  /** Waiting until another push lets the schedule go; not started. */
  | 'waiting'
  /** Its start is on its way to the server. */
  | 'starting'
  /** Started: its report (signal or, in the run that started it, its result) is awaited. */
  | 'running';

interface Child extends CarriedChild {
  state: ChildState;
  /** Started by an earlier run: only its signal (or a look at how it closed) tells this run it has finished. */
  fromEarlierRun: boolean;
}

/** The bookkeeping of a bulk push, kept out of the workflow function so it reads as the story of the push. */
export class PushLedger {
  cursor: number;
  totals: PushTotals;
  paused: boolean;
  private readonly children = new Map<string, Child>();
  /** Reports from a run not yet known, by schedule: its start may reach this run after its signal. */
  private readonly early = new Map<string, Map<string, ScheduleResult>>();
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
    for (const child of carried?.inFlight ?? []) {
      this.children.set(child.scheduleId, {
        ...child,
        state: child.runId === undefined ? 'waiting' : 'running',
        fromEarlierRun: true,
      });
    }
  }

  get planExhausted(): boolean {
    return this.cursor >= this.schedules;
  }

  get inFlight(): number {
    return this.children.size;
  }

  get waitingForOtherPush(): number {
    let n = 0;
    for (const child of this.children.values()) if (child.state === 'waiting') n++;
    return n;
  }

  /** This run has started enough children (or the server suggests it): continue as new. */
  runIsFull(continueAsNewSuggested: boolean): boolean {
    return this.startedThisRun >= this.limits.maxChildrenPerRun || continueAsNewSuggested;
  }

  mayStartChild(): boolean {
    return !this.paused && this.children.size < this.limits.maxInFlight;
  }

  /** Carried children an earlier run had not started yet (they waited for another push): this run starts them. */
  carriedToStart(): CarriedChild[] {
    return [...this.children.values()].filter((c) => c.state === 'waiting' && c.fromEarlierRun);
  }

  /** The next schedule of the plan goes in flight. */
  childStarted(scheduleId: string, agentsPlanned: number): void {
    this.cursor++;
    this.startedThisRun++;
    this.children.set(scheduleId, { scheduleId, agentsPlanned, state: 'starting', fromEarlierRun: false });
  }

  childWaiting(scheduleId: string, waiting: boolean): void {
    const child = this.children.get(scheduleId);
    if (child && child.state !== 'running') child.state = waiting ? 'waiting' : 'starting';
  }

  /**
   * The child's run has started. If its report came first (the child finished before this run saw it start), it is
   * counted now and this returns true; reports of other runs for the schedule are strays and are dropped.
   */
  childRunning(scheduleId: string, runId: string): boolean {
    const child = this.children.get(scheduleId);
    const early = this.early.get(scheduleId)?.get(runId);
    this.early.delete(scheduleId);
    if (!child) return false;
    child.runId = runId;
    child.state = 'running';
    // Started by this run (a carried child that had waited for another push, too): its result reaches this run.
    child.fromEarlierRun = false;
    return early !== undefined && this.childFinished(scheduleId, early);
  }

  /** Is this run still waiting for the report of the schedule (of `runId`, when given)? */
  awaits(scheduleId: string, runId?: string): boolean {
    const child = this.children.get(scheduleId);
    return child !== undefined && (runId === undefined || child.runId === runId);
  }

  /**
   * A report by signal from the child's run `runId`. Counts it when that run is the one in flight for the schedule;
   * keeps it while the schedule's start is on its way; drops duplicates and reports of runs this push did not start
   * (another push's child of the same schedule). Returns true when it counted.
   */
  childReported(scheduleId: string, runId: string, result: ScheduleResult): boolean {
    const child = this.children.get(scheduleId);
    if (!child) return false;
    if (child.state === 'starting') {
      const early = this.early.get(scheduleId) ?? new Map<string, ScheduleResult>();
      this.early.set(scheduleId, early.set(runId, result));
      return false;
    }
    if (child.runId !== runId) return false;
    return this.childFinished(scheduleId, result);
  }

  /** The schedule is done with; its result (if there is one) joins the totals. Returns false if it was not in flight. */
  childFinished(scheduleId: string, result: ScheduleResult | undefined): boolean {
    if (!this.children.delete(scheduleId)) return false;
    if (result) this.totals = addToTotals(this.totals, result);
    return true;
  }

  /** No start is on its way to the server: what is in flight can be handed to the next run. */
  noStartPending(): boolean {
    for (const child of this.children.values()) if (child.state === 'starting') return false;
    return true;
  }

  hasChildrenOfEarlierRuns(): boolean {
    for (const child of this.children.values())
      if (child.fromEarlierRun && child.state === 'running') return true;
    return false;
  }

  /** Running children started by earlier runs: no result event reaches this run for them, only their signals. */
  childrenOfEarlierRuns(): Array<Required<CarriedChild>> {
    const found: Array<Required<CarriedChild>> = [];
    for (const { scheduleId, agentsPlanned, runId, state, fromEarlierRun } of this.children.values())
      if (fromEarlierRun && state === 'running' && runId !== undefined)
        found.push({ scheduleId, agentsPlanned, runId });
    return found;
  }

  carried(): CarriedState {
    const inFlight = [...this.children.values()].map(({ scheduleId, agentsPlanned, runId }) =>
      runId === undefined ? { scheduleId, agentsPlanned } : { scheduleId, agentsPlanned, runId },
    );
    return {
      cursor: this.cursor,
      totals: this.totals,
      paused: this.paused,
      run: this.run,
      startedAtMs: this.startedAtMs,
      ...(inFlight.length > 0 ? { inFlight } : {}),
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
