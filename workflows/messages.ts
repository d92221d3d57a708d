import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { PushTotals, ScheduleResult } from '../model/report';

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
}

/** Read-only progress of a bulk push, for `wfm-push status`, `watch` and `--wait`. */
export const progressQuery = defineQuery<PushProgress>('progress');

/**
 * Starts no new schedules; those in flight finish. A signal rather than an update: an operator can pause a push
 * during an incident even while no worker is up to acknowledge it.
 */
export const pauseSignal = defineSignal('pause');
export const resumeSignal = defineSignal('resume');

/** What a schedule push tells its bulk push when it has finished and recorded its line. */
export interface ScheduleFinished {
  scheduleId: string;
  /** The schedule push's run. */
  runId: string;
  /** The bulk push run that asked for it: the push counts only children its own runs started (a schedule's workflow
   * ID outlives pushes, so another push's child of the same schedule may report to a later push of the plan). */
  parentRunId: string;
  result: ScheduleResult;
}

/**
 * Sent by each schedule push to its bulk push's workflow ID, not to a run: it reaches whichever run is current, so a
 * run can continue as new with children in flight and hear from them in the next run.
 */
export const scheduleFinishedSignal = defineSignal<[ScheduleFinished]>('scheduleFinished');
