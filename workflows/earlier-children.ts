import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities/create-activities';
import { schedulePushWorkflowId } from '../model/names';
import type { ScheduleResult } from '../model/report';
import { HEARTBEAT_TIMEOUT_MS } from '../model/timeouts';
import type { PushLedger } from './push-ledger';
import { lineOfClosedChild } from './schedule-children';

export interface EarlierChildren {
  push: PushLedger;
  /** The schedule is done with (its line is recorded). */
  finished(scheduleId: string, result: ScheduleResult): void;
  /** A child that ended without a line of its own: record one, then it is done with. */
  recordFailed(line: ScheduleResult): Promise<void>;
  /** The plan's tenant (part of the children's workflow IDs). */
  tenant?: string;
}

/**
 * Children started by earlier runs go on while this run works, but their results go to the run that started them,
 * which has ended. One activity at a time waits for any of them to close and brings back how each ended, as its
 * result would have: a few round trips per run in this run's history, not an event per child. A child that closed
 * without a line of its own (terminated) gets one. Returns once every child of an earlier run is done with.
 */
export async function followChildrenOfEarlierRuns({
  push,
  finished,
  recordFailed,
  tenant,
}: EarlierChildren): Promise<void> {
  const { waitForRunsToClose } = proxyActivities<Activities>({
    summary: 'Wait for children of earlier runs to close',
    // A child may wait out a rate limit for hours; the heartbeat shows the wait is alive.
    startToCloseTimeout: '30 days',
    heartbeatTimeout: HEARTBEAT_TIMEOUT_MS,
    retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
  });
  while (push.hasChildrenOfEarlierRuns()) {
    const following = push.childrenOfEarlierRuns();
    const ended = await waitForRunsToClose({
      runs: following.map((c) => ({
        workflowId: schedulePushWorkflowId(c.scheduleId, tenant),
        runId: c.runId,
      })),
    });
    for (const end of ended) {
      const child = following.find((c) => c.runId === end.runId);
      if (!child || !push.awaits(child.scheduleId)) continue;
      const line = lineOfClosedChild(end, child);
      if (line.recorded) finished(child.scheduleId, line.result);
      else await recordFailed(line.result);
    }
  }
}
