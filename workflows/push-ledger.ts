import { addToTotals, emptyTotals, type PushTotals, type ScheduleResult } from '../model/report';
import type { SupersedingPlan } from '../model/supersede';
import type { PushProgress } from './messages';

/** A child that one run hands to the next. */
export interface CarriedChild {
  scheduleId: string;
  agentsPlanned: number;
  /** The child's run, which the next run follows; absent while the schedule waits for another push (not started). */
  runId?: string;
}

/** What one run of a bulk push hands to the next when it continues as new. */
export interface CarriedState {
  cursor: number;
  totals: PushTotals;
  paused: boolean;
  run: number;
  startedAtMs: number;
  /** Children in flight (absent from runs that drained before continuing as new). */
  inFlight?: CarriedChild[];
  /** Newer plans that took this push over (see workflows/supersession.ts), when there are some. */
  supersededBy?: SupersedingPlan[];
}

export interface PushLimits {
  maxInFlight: number;
  /** Children one run may start before it continues as new. */
  maxChildrenPerRun: number;
}

type ChildState =
  /** Waiting until another push lets the schedule go; not started. */
  | 'waiting'
  /** Its start is on its way to the server: the run that asked must see it land before it ends. */
  | 'starting'
  /** Started: its result is awaited. */
  | 'running';

interface Child extends CarriedChild {
  state: ChildState;
  /** Started by an earlier run: its result does not reach this run, which follows it by its run ID. */
  fromEarlierRun: boolean;
}

/** The bookkeeping of a bulk push, kept out of the workflow function so it reads as the story of the push. */
export class PushLedger {
  cursor: number;
  totals: PushTotals;
  paused: boolean;
  private readonly children = new Map<string, Child>();
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
      const state = child.runId === undefined ? 'waiting' : 'running';
      this.children.set(child.scheduleId, { ...child, state, fromEarlierRun: true });
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

  /** Children an earlier run had not started (they waited for another push): this run starts them. */
  carriedToStart(): CarriedChild[] {
    const found: CarriedChild[] = [];
    for (const { scheduleId, agentsPlanned, state, fromEarlierRun } of this.children.values())
      if (fromEarlierRun && state === 'waiting') found.push({ scheduleId, agentsPlanned });
    return found;
  }

  /** The next schedule of the plan goes in flight. */
  childStarted(scheduleId: string, agentsPlanned: number): void {
    this.cursor++;
    this.startedThisRun++;
    this.children.set(scheduleId, { scheduleId, agentsPlanned, state: 'waiting', fromEarlierRun: false });
  }

  /** A start of the schedule's workflow is on its way to the server. */
  childStarting(scheduleId: string): void {
    const child = this.children.get(scheduleId);
    if (child) child.state = 'starting';
  }

  /** The schedule is held by another push: the start was refused, and waits. */
  childWaiting(scheduleId: string): void {
    const child = this.children.get(scheduleId);
    if (child) child.state = 'waiting';
  }

  /** The child's run has started (its result reaches this run, the one that started it). */
  childRunning(scheduleId: string, runId: string): void {
    const child = this.children.get(scheduleId);
    if (!child) return;
    child.runId = runId;
    child.state = 'running';
    child.fromEarlierRun = false;
  }

  /** Is this run still waiting for the schedule? */
  awaits(scheduleId: string): boolean {
    return this.children.has(scheduleId);
  }

  /** The schedule is done with; its result (if there is one) joins the totals. Returns false if it was not in flight. */
  childFinished(scheduleId: string, result: ScheduleResult | undefined): boolean {
    if (!this.children.delete(scheduleId)) return false;
    if (result) this.totals = addToTotals(this.totals, result);
    return true;
  }

  hasChildrenOfEarlierRuns(): boolean {
    for (const child of this.children.values())
      if (child.fromEarlierRun && child.state === 'running') return true;
    return false;
  }

  /** Running children started by earlier runs: their results do not reach this run, which follows them. */
  childrenOfEarlierRuns(): Array<Required<CarriedChild>> {
    const found: Array<Required<CarriedChild>> = [];
    for (const { scheduleId, agentsPlanned, runId, state, fromEarlierRun } of this.children.values())
      if (fromEarlierRun && state === 'running' && runId !== undefined)
        found.push({ scheduleId, agentsPlanned, runId });
    return found;
  }

  /**
   * No start is on its way: what is in flight can be handed to the next run. (The server may not carry out a start
   * asked for by a run that then continues as new, so a run sees its starts land first.)
   */
  noStartPending(): boolean {
    for (const child of this.children.values()) if (child.state === 'starting') return false;
    return true;
  }

  carried(): CarriedState {
    // A child waiting for another push is handed on without a run: the next run starts it.
    const inFlight = [...this.children.values()].map(({ scheduleId, agentsPlanned, runId, state }) =>
      state === 'running' && runId !== undefined
        ? { scheduleId, agentsPlanned, runId }
        : { scheduleId, agentsPlanned },
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
      inFlightSample: this.runningSample(5),
    };
  }

  /** Up to `n` schedules whose workflows have started (a query's answer: not part of the history). */
  private runningSample(n: number): string[] {
    const found: string[] = [];
    for (const { scheduleId, state } of this.children.values()) {
      if (found.length >= n) break;
      if (state === 'running') found.push(scheduleId);
    }
    return found;
  }

  /** One line for the workflow's current details in the UI. */
  currentDetails(): string {
    const t = this.totals;
    const state = this.paused ? 'PAUSED' : this.planExhausted ? 'finishing' : 'running';
    return `${state} (run ${this.run}): ${t.schedulesDone}/${t.schedules} schedules done, ${this.inFlight} in flight, ${this.waitingForOtherPush} waiting for another push; agents ${t.agentsChanged} changed, ${t.agentsAlreadyInPlace} already in place, ${t.agentsFailed} failed; ${t.conflicts} conflicts resolved`;
  }
}
