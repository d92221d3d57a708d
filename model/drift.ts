import type { AgentMask } from './agent-mask';
import type { PushOptions } from './push-options';
import type { PushSummary } from './report';
import type { Shift } from './shift';

/** An agent whose live shifts no longer match the plan its push landed. */
export interface DriftedAgent {
  scheduleId: string;
  agentId: string;
  /**
   * What the WFM holds now (`[]`: no shifts, or the agent is gone from the schedule). Absent once the check has
   * listed `LIVE_SHIFTS_LISTED` agents with their shifts: the rest are named only, so a large drift stays small in
   * workflow history.
   */
  liveShifts?: Shift[];
}

/** A schedule the check could not read (the WFM refused: gone, forbidden, not understood). */
export interface UnreadableSchedule {
  scheduleId: string;
  failure: { type: string; message: string };
}

/** Agents listed with their live shifts in one drift check; beyond that, agents are listed by ID only. */
export const LIVE_SHIFTS_LISTED = 200;

/**
 * Agents a drift report names; beyond that they are counted (`agentsDrifted`), so that a week someone overwrote
 * wholesale (100,000 drifted agents) still fits a workflow result. A repair pushes every drifted agent all the same,
 * and its per-agent report (`wfm-push report <repair planId> --agents`) names each one.
 */
export const DRIFTED_LISTED = 2_000;

/** The drifted agents of one schedule, by their index in the pushed plan: what a repair pushes. */
export interface ScheduleDrift {
  scheduleId: string;
  mask: AgentMask;
}

/** What one page of the check found (an activity's result: small, it crosses into workflow history). */
export interface DriftPage {
  schedulesChecked: number;
  agentsChecked: number;
  /** Every drifted agent of the page, counted (absent in pages from before the count existed). */
  agentsDrifted?: number;
  /** Every drifted agent of the page, compactly, for a repair. */
  driftMasks?: ScheduleDrift[];
  /** The drifted agents the page names (as many as it was asked to). */
  drifted: DriftedAgent[];
  unreadable: UnreadableSchedule[];
  /** HTTP requests the reads sent to the WFM. */
  requests: number;
}

/** What `verifyPush` was asked to do. */
export interface VerifyInput {
  planId: string;
  /** The plan's tenant, when it names one (a plan ID is unique per tenant); absent: the plan without one. */
  tenant?: string;
  /** Push the drifted agents back to the plan (a derived plan `<planId>-repair-<n>`). */
  repair?: boolean;
  /**
   * Where to POST a `DriftNotice` when the check finds drift or a schedule it cannot read (a clean check sends
   * nothing): so a scheduled check (`--every`) tells someone.
   */
  notifyUrl?: string;
  /**
   * How the repair push runs, with its overwrite policy for agents whose plan gives `basedOn` (`onNewerEdit`; the
   * CLI's `verify --repair` passes plan-wins unless told otherwise: a drifted agent was edited since by definition).
   */
  repairOptions?: PushOptions;
}

/** The repair push a drift check started. */
export interface RepairRun {
  planId: string;
  workflowId: string;
  agents: number;
  schedules: number;
  /** The repair push's result; absent if it did not complete (see its report). */
  summary?: PushSummary;
  /** How it ended when it did not complete. */
  failure?: string;
}

/** The result of `verifyPush`: small, so a Temporal Schedule's runs can be read back from history. */
export interface DriftReport {
  planId: string;
  checkedAt: string;
  schedulesChecked: number;
  agentsChecked: number;
  /** Planned schedules not checked because the push has not landed them (failed or not started: `wfm-push retry`). */
  schedulesNotLanded: number;
  /** Planned agents that no longer hold the plan, and the schedules they are in. */
  agentsDrifted: number;
  schedulesDrifted: number;
  /** The first `DRIFTED_LISTED` of them, by schedule and agent (the first `LIVE_SHIFTS_LISTED` with live shifts). */
  drifted: DriftedAgent[];
  unreadable: UnreadableSchedule[];
  requests: number;
  repair?: RepairRun;
  /** Whether the notice reached the notify URL, when one was due. */
  notice?: { delivered: boolean; status?: number; reason?: string };
}

/** Drifted agents a notice names; the check's report (its workflow's result) names more. */
export const NOTICE_DRIFTED_LISTED = 50;

/** The JSON body a drift check POSTs to its notify URL when it found something (see `VerifyInput.notifyUrl`). */
export interface DriftNotice {
  event: 'verify.drift';
  planId: string;
  checkedAt: string;
  agentsDrifted: number;
  schedulesDrifted: number;
  schedulesUnreadable: number;
  /** The first `NOTICE_DRIFTED_LISTED` drifted agents. */
  drifted: Array<{ scheduleId: string; agentId: string }>;
  /** The repair push, when the check was asked to repair. */
  repair?: { planId: string; agents: number; agentsFailed?: number; failure?: string };
  /** Where the whole drift report is: the check's workflow (its result) in the Temporal UI. */
  report: { workflowId: string; runId: string; namespace: string };
}

export function emptyDriftPage(): DriftPage {
  return {
    schedulesChecked: 0,
    agentsChecked: 0,
    agentsDrifted: 0,
    driftMasks: [],
    drifted: [],
    unreadable: [],
    requests: 0,
  };
}

/** The workflow ID of a one-off drift check, and the prefix of a scheduled one's runs. */
export function verifyWorkflowId(planId: string, startedAtMs: number, tenant?: string): string {
  return `verify:${tenantScoped(planId, tenant)}:${new Date(startedAtMs).toISOString()}`;
}

/** One Temporal Schedule per plan: registering it again replaces nothing but is refused, so it is found by name. */
export function verifyScheduleId(planId: string, tenant?: string): string {
  return `verify:${tenantScoped(planId, tenant)}`;
}

/** A plan ID within its tenant, as workflow and schedule IDs name it (`<tenant>/<planId>`; no grammar has `/`). */
function tenantScoped(planId: string, tenant: string | undefined): string {
  return tenant === undefined ? planId : `${tenant}/${planId}`;
}

/** The plan ID of the n-th repair of a plan. */
export function repairPlanId(planId: string, n: number): string {
  return `${planId}-repair-${n}`;
}
