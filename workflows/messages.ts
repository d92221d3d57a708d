import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { PushTotals } from '../model/report';
import {
  SUPERSEDE_MESSAGES,
  type PushIdentity,
  type SupersedeAnswer,
  type SupersedingPlan,
} from '../model/supersede';

export interface PushProgress {
  planId: string;
  /** Counts over the schedules this push (or this retry) covers. */
  totals: PushTotals;
  inFlight: number;
  /** Schedules waiting because another push is writing them right now. */
  waitingForOtherPush: number;
  paused: boolean;
  /** Schedules started so far, in plan order. */
  cursor: number;
  /** Which run of the push this is (it continues as new every few hundred schedules). */
  run: number;
  /** When the push's first run started, in ms since the epoch. */
  startedAtMs: number;
  /**
   * A few schedules whose workflows are running now (at most 5; absent from workers before it existed): a client looks
   * at their pending sync to say what the WFM is doing wrong while nothing finishes (`status`, `watch`).
   */
  inFlightSample?: string[];
  /** Newer plans that took (some of) this push's schedules over (`--supersede`, `supersedes`), when there are some. */
  supersededBy?: string[];
}

/** Read-only progress of a bulk push, for `wfm-push status`, `watch` and `--wait`. */
export const progressQuery = defineQuery<PushProgress>('progress');

/**
 * Starts no new schedules; those in flight finish. A signal rather than an update: an operator can pause a push
 * during an incident even while no worker is up to acknowledge it.
 */
export const pauseSignal = defineSignal('pause');
export const resumeSignal = defineSignal('resume');

/** A schedule workflow's push, for a push that finds the schedule held (`--supersede`, see model/supersede.ts). */
export const scheduleHolderQuery = defineQuery<PushIdentity>(SUPERSEDE_MESSAGES.scheduleHolder);

/**
 * A newer push asks a schedule workflow to stop at its next safe point (never between a write and its confirmation).
 * An update, validated: one that does not supersede this push is refused without a trace in its history.
 */
export const supersedeScheduleUpdate = defineUpdate<SupersedeAnswer, [PushIdentity]>(
  SUPERSEDE_MESSAGES.supersedeSchedule,
);

/** A push's identity and plan, for a newer push that announces itself. */
export const pushIdentityQuery = defineQuery<PushIdentity & { planRef?: string }>(
  SUPERSEDE_MESSAGES.pushIdentity,
);

/** A newer push tells an older one that it takes over the schedules its plan names (validated like the above). */
export const supersedePushUpdate = defineUpdate<{ planId: string }, [SupersedingPlan]>(
  SUPERSEDE_MESSAGES.supersedePush,
);

/** What a caller of the synchronous start learns once the plan is accepted (validated, stored, bound to its ID). */
export interface PushAccepted {
  planId: string;
  schedules: number;
  agentsPlanned: number;
}

/**
 * The synchronous answer to a start: sent with the start as an Update-with-Start (docs/start-a-push.md), it completes
 * once the plan is accepted, or fails with the start's own failure (`InvalidPlan` with every problem by its path,
 * `PlanIdTaken`); sent to a running push (the same plan ID again), it answers at once with that push's acceptance.
 */
export const acceptedUpdate = defineUpdate<PushAccepted>('accepted');
