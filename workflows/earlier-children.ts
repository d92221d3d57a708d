import { condition, isCancellation, log, proxyActivities } from '@temporalio/workflow';
import type { Activities, ChildSeen } from '../activities/create-activities';
import { schedulePushWorkflowId } from '../model/names';
import type { ScheduleResult } from '../model/report';
import { HEARTBEAT_TIMEOUT_MS } from '../model/timeouts';
import type { PushLedger } from './push-ledger';
import { lineOfClosedChild } from './schedule-children';

/** A child of an earlier run that has not reported after this long is looked at (then twice as long, up to the cap). */
const LOOK_FIRST_AFTER_MS = 30_000;
const LOOK_AT_MOST_EVERY_MS = 15 * 60_000;

export interface EarlierChildren {
  push: PushLedger;
  /** The schedule is done with (its line is recorded). */
  finished(scheduleId: string, result: ScheduleResult): void;
  /** A child that ended without a line of its own: record one, then it is done with. */
  recordFailed(line: ScheduleResult): Promise<void>;
}

/**
 * Children of earlier runs report only by signal. One that closed without it (terminated, or failed before it could
 * report) would keep the push waiting for ever: those still silent after a while are looked at. Returns once every
 * child of an earlier run has reported.
 */
export async function lookAfterChildrenOfEarlierRuns({
  push,
  finished,
  recordFailed,
}: EarlierChildren): Promise<void> {
  const { lookAtChildren } = proxyActivities<Activities>({
    summary: 'Look at the children of earlier runs that have not reported',
    startToCloseTimeout: '5 minutes',
    heartbeatTimeout: HEARTBEAT_TIMEOUT_MS,
    retry: { maximumAttempts: 10 },
  });
  for (let waitMs = LOOK_FIRST_AFTER_MS; ; waitMs = Math.min(2 * waitMs, LOOK_AT_MOST_EVERY_MS)) {
    const allReported = await condition(() => !push.hasChildrenOfEarlierRuns(), waitMs, {
      summary: 'Wait for the children of earlier runs to report',
    });
    if (allReported) return;
    const silent = push.childrenOfEarlierRuns();
    const seen = await lookAtChildren({
      children: silent.map((c) => ({ workflowId: schedulePushWorkflowId(c.scheduleId), runId: c.runId })),
    }).catch((err: unknown): ChildSeen[] => {
      if (isCancellation(err)) throw err;
      log.warn('could not look at the children of earlier runs; will look again', {
        error: err instanceof Error ? err.message : 'unknown',
      });
      return [];
    });
    for (const found of seen) {
      const child = silent.find((c) => c.runId === found.runId);
      // Reported meanwhile (its signal is in history before the activity's result): counted once.
      if (!child || found.state !== 'closed' || !push.awaits(child.scheduleId)) continue;
      const line = lineOfClosedChild(found, child);
      if (line.recorded) finished(child.scheduleId, line.result);
      else await recordFailed(line.result);
    }
  }
}
