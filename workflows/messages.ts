import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { PushTotals } from '../model/report';

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
}

/** Read-only progress of a bulk push, for `wfm-push status`, `watch` and `--wait`. */
export const progressQuery = defineQuery<PushProgress>('progress');

/**
 * Starts no new schedules; those in flight finish. A signal rather than an update: an operator can pause a push
 * during an incident even while no worker is up to acknowledge it.
 */
export const pauseSignal = defineSignal('pause');
export const resumeSignal = defineSignal('resume');
