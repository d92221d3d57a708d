import type { AgentOutcome } from './agent-outcome';
import { FailureType } from './failures';

/**
 * `in-flight`: only in the report of a push that has ended (cancelled) while the schedule's workflow still runs; it
 * finishes on its own and records what it became, which the next report shows. `superseded`: a newer plan took the
 * schedule over (`--supersede`, or the plan's `supersedes`); the line says by which plan and what this push had written.
 */
export type ScheduleOutcome =
  'landed' | 'already-in-place' | 'failed' | 'not-started' | 'in-flight' | 'superseded';

/**
 * Outcomes in which every planned agent of the schedule holds its planned shifts, or was left to a newer edit on
 * purpose (kept-theirs): nothing is left for a retry to do.
 */
export function isDone(outcome: ScheduleOutcome): boolean {
  return outcome === 'landed' || outcome === 'already-in-place';
}

/** What a schedule push reports to its parent: small, so it can cross into workflow history. */
export interface ScheduleResult {
  scheduleId: string;
  outcome: ScheduleOutcome;
  /** Version the push first read; null when it never read the schedule. */
  versionBefore: string | null;
  /** Version at which the schedule held the planned state (the push's last write, or the read that found it in place). */
  versionAfter: string | null;
  agentsPlanned: number;
  agentsChanged: number;
  agentsAlreadyInPlace: number;
  /** Agents edited since the plan was computed and left as they are (`--on-newer-edit keep-theirs`). */
  agentsKeptTheirs?: number;
  /**
   * Agents not written because their plan overlaps protected time: approved time off or an activity booked by another
   * system (Genesys Cloud). Left as they are; `report --agents` names the time-off request and day.
   */
  agentsProtected?: number;
  /** Genesys Cloud: the schedule is published, so every agent the push changed was notified by Genesys. */
  published?: boolean;
  /** Version conflicts met and resolved by re-reading and rebasing. */
  conflicts: number;
  /** Read-rebase-write cycles the child ran. */
  attempts: number;
  /** HTTP requests sent to the WFM for this schedule (absent in results recorded before it was counted). */
  requests?: number;
  /** Requests answered 429: each one a wait for the server's Retry-After. */
  rateLimitWaits: number;
  /** Retries after a 5xx, a timeout or a lost connection. */
  transientRetries: number;
  writes: number;
  failure?: { type: FailureType | string; message: string };
  /** Outcome `superseded`: the plan ID of the push that took the schedule over. */
  supersededBy?: string;
  /**
   * Every planned agent's outcome, in plan order. Only in the result store (the sync activity writes it there):
   * never set on a result that crosses into workflow history, and left out of the report unless asked for.
   */
  agents?: AgentOutcome[];
}

export interface PushTotals {
  schedules: number;
  /** Schedules finished, whatever their outcome (landed, already in place, failed); never those not started or superseded. */
  schedulesDone: number;
  agentsPlanned: number;
  agentsChanged: number;
  agentsAlreadyInPlace: number;
  /** Agents edited since the plan was computed and left as they are (keep-theirs). */
  agentsKeptTheirs: number;
  /** Agents not written because their plan overlaps approved time off or another system's activity. */
  agentsProtected: number;
  /** Agents of failed schedules that are not in the planned state (never those of schedules not started). */
  agentsFailed: number;
  /** Schedules that ended failed (never those not started or still in flight). */
  schedulesFailed: number;
  /** Report only, when there are some: schedules a push that ended never started. */
  schedulesNotStarted?: number;
  /** Report only: the agents of those schedules. */
  agentsNotStarted?: number;
  /** Schedules a newer plan took over (`superseded`), when there are some: neither done nor failed. */
  schedulesSuperseded?: number;
  /** Agents of those schedules that this push had not brought to its plan when it stopped (left to the newer plan). */
  agentsSuperseded?: number;
  /** Report only: schedules still finishing after the push ended (in flight at a cancel). */
  schedulesInFlight?: number;
  /** Report only: the agents of those schedules. */
  agentsInFlight?: number;
  conflicts: number;
  /** HTTP requests sent to the WFM. */
  requests: number;
  /** Requests answered 429. */
  rateLimitWaits: number;
  transientRetries: number;
  writes: number;
}

/** What a push was asked to do, written by the client when it submits: the report is built against it. */
export interface PushManifest {
  planId: string;
  /** The plan's tenant (WFM_TENANTS_FILE); absent: a plan without one. A plan ID is unique per tenant. */
  tenant?: string;
  /** The whole plan (a retry pushes a subset under another reference, and the report still covers the whole). */
  planRef: string;
  schedules: number;
  agentsPlanned: number;
  submittedAt: string;
}

export type PushState = 'running' | 'completed' | 'cancelled' | 'terminated' | 'failed' | 'timed-out';

/**
 * How a push ended, on its bulk-push workflow as the `PushOutcome` search attribute (its schedules' workflows carry
 * their `ScheduleOutcome` there): `landed` every schedule done, `partial` some failed, `failed` none done, `cancelled`,
 * `superseded` none failed and a newer plan took some schedules over.
 */
export type PushOutcome = 'landed' | 'partial' | 'failed' | 'cancelled' | 'superseded';

/** The outcome of a push that ran to its end, from its totals. */
export function pushOutcomeOf(t: PushTotals): Exclude<PushOutcome, 'cancelled'> {
  if (t.schedulesFailed === 0) return (t.schedulesSuperseded ?? 0) > 0 ? 'superseded' : 'landed';
  return t.schedulesFailed >= t.schedulesDone ? 'failed' : 'partial';
}

/** The one line a push ends with in the UI: "FAILED: 0 of 3 schedules done, 3 failed; 0 of 30 agents in place". */
export function pushOutcomeLine(outcome: PushOutcome, t: PushTotals): string {
  const inPlace = t.agentsChanged + t.agentsAlreadyInPlace;
  const superseded = t.schedulesSuperseded ? `, ${t.schedulesSuperseded} superseded by a newer plan` : '';
  return `${outcome.toUpperCase()}: ${t.schedulesDone - t.schedulesFailed} of ${t.schedules} schedules done, ${t.schedulesFailed} failed${superseded}; ${inPlace} of ${t.agentsPlanned} agents in place`;
}

/** What the bulk-push workflow returns: counts only; the per-schedule lines are in the result store. */
export interface PushSummary {
  planId: string;
  totals: PushTotals;
}

export interface PushReport {
  planId: string;
  state: PushState;
  totals: PushTotals;
  /** One line per planned schedule (while running: those finished so far). */
  schedules: ScheduleResult[];
}

export function emptyTotals(schedules: number, agentsPlanned: number): PushTotals {
  return {
    schedules,
    schedulesDone: 0,
    agentsPlanned,
    agentsChanged: 0,
    agentsAlreadyInPlace: 0,
    agentsKeptTheirs: 0,
    agentsProtected: 0,
    agentsFailed: 0,
    schedulesFailed: 0,
    conflicts: 0,
    requests: 0,
    rateLimitWaits: 0,
    transientRetries: 0,
    writes: 0,
  };
}

/**
 * The report of a push, built from the plan's schedules and the stored results. Once the push has ended, a planned
 * schedule without a result is reported as in flight when its workflow still runs (`inFlight`: it finishes and
 * records itself), otherwise as not started, so nothing is silently missing.
 */
export function buildReport(
  planId: string,
  state: PushState,
  planned: ReadonlyArray<{ scheduleId: string; agents: number }>,
  results: readonly ScheduleResult[],
  inFlight: ReadonlySet<string> = new Set(),
): PushReport {
  const byId = new Map(results.map((r) => [r.scheduleId, r]));
  const agentsPlanned = planned.reduce((n, s) => n + s.agents, 0);
  // The counts of schedules not started or in flight appear only when there are some: a completed push's report has
  // the totals its workflow returned.
  let totals = emptyTotals(planned.length, agentsPlanned);
  const lines: ScheduleResult[] = [];
  for (const { scheduleId, agents } of planned) {
    const result =
      byId.get(scheduleId) ??
      (state === 'running' ? undefined : unfinishedLine(scheduleId, agents, state, inFlight));
    if (!result) continue;
    // The per-agent outcomes are a report of their own (`report --agents`): a push's report stays one line a schedule.
    const { agents: _agents, ...line } = result;
    lines.push(line);
    totals = addToTotals(totals, result);
  }
  return { planId, state, totals, schedules: lines };
}

/** The line of a schedule without a result in a push that has ended: still in flight, or never started. */
function unfinishedLine(
  scheduleId: string,
  agents: number,
  state: PushState,
  inFlight: ReadonlySet<string>,
): ScheduleResult {
  const empty = emptyScheduleResult(scheduleId, agents);
  if (inFlight.has(scheduleId)) {
    const { failure: _none, ...line } = empty;
    return { ...line, outcome: 'in-flight' };
  }
  return {
    ...empty,
    outcome: 'not-started',
    failure: {
      type: FailureType.NotStarted,
      message: `the push was ${state} before this schedule was started`,
    },
  };
}

/**
 * Adds one schedule's line to the running totals (pure, so workflows and clients count the same way). A schedule not
 * started or still in flight is neither done nor failed; its agents are counted apart.
 */
export function addToTotals(totals: PushTotals, result: ScheduleResult): PushTotals {
  if (result.outcome === 'not-started')
    return {
      ...totals,
      schedulesNotStarted: (totals.schedulesNotStarted ?? 0) + 1,
      agentsNotStarted: (totals.agentsNotStarted ?? 0) + result.agentsPlanned,
    };
  if (result.outcome === 'in-flight')
    return {
      ...totals,
      schedulesInFlight: (totals.schedulesInFlight ?? 0) + 1,
      agentsInFlight: (totals.agentsInFlight ?? 0) + result.agentsPlanned,
    };
  if (result.outcome === 'superseded')
    return {
      ...withWork(totals, result),
      schedulesSuperseded: (totals.schedulesSuperseded ?? 0) + 1,
      agentsSuperseded:
        (totals.agentsSuperseded ?? 0) +
        Math.max(0, result.agentsPlanned - result.agentsChanged - result.agentsAlreadyInPlace),
      agentsChanged: totals.agentsChanged + result.agentsChanged,
      agentsAlreadyInPlace: totals.agentsAlreadyInPlace + result.agentsAlreadyInPlace,
    };
  const failed = result.outcome === 'failed';
  const kept = result.agentsKeptTheirs ?? 0;
  const protectedAgents = result.agentsProtected ?? 0;
  return {
    ...totals,
    schedulesDone: totals.schedulesDone + 1,
    agentsChanged: totals.agentsChanged + result.agentsChanged,
    agentsAlreadyInPlace: totals.agentsAlreadyInPlace + result.agentsAlreadyInPlace,
    // Totals carried over continue-as-new from a run before the field existed lack it.
    agentsKeptTheirs: (totals.agentsKeptTheirs ?? 0) + kept,
    agentsProtected: (totals.agentsProtected ?? 0) + protectedAgents,
    agentsFailed:
      totals.agentsFailed +
      (failed
        ? result.agentsPlanned - result.agentsChanged - result.agentsAlreadyInPlace - kept - protectedAgents
        : 0),
    schedulesFailed: totals.schedulesFailed + (failed ? 1 : 0),
    conflicts: totals.conflicts + result.conflicts,
    requests: (totals.requests ?? 0) + (result.requests ?? 0),
    rateLimitWaits: totals.rateLimitWaits + result.rateLimitWaits,
    transientRetries: totals.transientRetries + result.transientRetries,
    writes: totals.writes + result.writes,
  };
}

/** What a schedule's push cost (conflicts, requests, writes), whatever became of it. */
function withWork(totals: PushTotals, result: ScheduleResult): PushTotals {
  return {
    ...totals,
    conflicts: totals.conflicts + result.conflicts,
    requests: (totals.requests ?? 0) + (result.requests ?? 0),
    rateLimitWaits: totals.rateLimitWaits + result.rateLimitWaits,
    transientRetries: totals.transientRetries + result.transientRetries,
    writes: totals.writes + result.writes,
  };
}

/** A schedule's line before anything happened: every count zero, outcome failed until the push says otherwise. */
export function emptyScheduleResult(scheduleId: string, agentsPlanned: number): ScheduleResult {
  return {
    scheduleId,
    outcome: 'failed',
    versionBefore: null,
    versionAfter: null,
    agentsPlanned,
    agentsChanged: 0,
    agentsAlreadyInPlace: 0,
    conflicts: 0,
    attempts: 0,
    requests: 0,
    rateLimitWaits: 0,
    transientRetries: 0,
    writes: 0,
  };
}
