import { defineQuery } from '@temporalio/workflow';
import type { PushTotals } from '../model/report';

export interface PushProgress {
  planId: string;
  totals: PushTotals;
  inFlight: number;
  /** Schedules waiting because another push is writing them right now. */
  waitingForOtherPush: number;
}

/** Read-only progress of a bulk push, for `wfm-push status` and `--wait`. */
export const progressQuery = defineQuery<PushProgress>('progress');
