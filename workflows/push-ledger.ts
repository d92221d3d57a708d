import { addToTotals, emptyTotals, type PushTotals, type ScheduleResult } from '../model/report';
import type { PushProgress } from './messages';

/** A child that one run hands to the next. */
export interface CarriedChild {
  scheduleId: string;
  agentsPlanned: number;
  /**
   * The runs of this push that asked the server to start the schedule's workflow: a report counts when it comes from
   * a child one of them started.
   */
  startedBy?: string[];
  /** The child's run; absent while the schedule waits for another push (the next run starts it). */
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
  /** Started: its report (a signal, or in the run that started it its result) is awaited. */
  | 'running';

interface Child {
  scheduleId: string;
  agentsPlanned: number;
  startedBy: string[];
  runId?: string;
  state: ChildState;
  /** Asked for by an earlier run: no result event reaches this run, only the child's signal. */
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
    for (const { scheduleId, agentsPlanned: agents, startedBy = [], runId } of carried?.inFlight ?? []) {
      const state = runId === undefined ? 'waiting' : 'running';
      this.children.set(scheduleId, {
        scheduleId,
        agentsPlanned: agents,
        startedBy,
        runId,
        state,
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

  /** Children an earlier run had not started (they waited for another push): this run starts them. */
  carriedToStart(): CarriedChild[] {
    return [...this.children.values()].filter((c) => c.state === 'waiting' && c.fromEarlierRun);
  }

  /** The next schedule of the plan goes in flight. */
  childStarted(scheduleId: string, agentsPlanned: number): void {
    this.cursor++;
    this.startedThisRun++;
    this.children.set(scheduleId, {
      scheduleId,
      agentsPlanned,
      startedBy: [],
      state: 'waiting',
      fromEarlierRun: false,
    });
  }

  /** Run `runId` (this one) asks the server to start the schedule's workflow. */
  childStarting(scheduleId: string, runId: string): void {
    const child = this.children.get(scheduleId);
    if (!child) return;
    if (!child.startedBy.includes(runId)) child.startedBy.push(runId);
    child.state = 'starting';
  }

  /** The schedule is held by another push: the start was refused, and waits. */
  childWaiting(scheduleId: string): void {
    const child = this.children.get(scheduleId);
    if (child) child.state = 'waiting';
  }

  /** The child's run has started. */
  childRunning(scheduleId: string, runId: string): void {
    const child = this.children.get(scheduleId);
    if (!child) return;
    child.runId = runId;
    child.state = 'running';
    // A carried child that had waited for another push is started by this run: its result reaches this run.
    child.fromEarlierRun = false;
  }

  /** Is this run still waiting for the schedule's report? */
  awaits(scheduleId: string): boolean {
    return this.children.has(scheduleId);
  }

  /**
   * A report by signal from a child started by run `parentRunId`. Counts it (and returns true) when that run is one
   * of this push's that asked to start the schedule; drops duplicates and reports of children this push did not start
   * (another push's child of the same schedule: schedule IDs outlive pushes).
   */
  childReported(scheduleId: string, parentRunId: string, result: ScheduleResult): boolean {
    const child = this.children.get(scheduleId);
    if (!child?.startedBy.includes(parentRunId)) return false;
    return this.childFinished(scheduleId, result);
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

  /** Running children started by earlier runs: no result reaches this run for them, only their signals. */
  childrenOfEarlierRuns(): Array<{ scheduleId: string; agentsPlanned: number; runId: string }> {
    const found = [];
    for (const child of this.children.values()) {
      const { scheduleId, agentsPlanned, runId, state, fromEarlierRun } = child;
      if (fromEarlierRun && state === 'running' && runId !== undefined)
        found.push({ scheduleId, agentsPlanned, runId });
    }
    return found;
  }

  /**
   * No start is on its way: what is in flight can be handed to the next run. (A start asked for by a run that then
   * continues as new may never be carried out, so a run waits for its starts to land.)
   */
  noStartPending(): boolean {
    for (const child of this.children.values()) if (child.state === 'starting') return false;
    return true;
  }

  carried(): CarriedState {
    const inFlight = [...this.children.values()].map(
      ({ scheduleId, agentsPlanned, startedBy, runId, state }): CarriedChild => ({
        scheduleId,
        agentsPlanned,
        startedBy,
        // Only a started child's run is handed on; one still waiting for another push is started by the next run.
        ...(state === 'running' && runId !== undefined ? { runId } : {}),
      }),
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
