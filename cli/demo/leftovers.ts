import type { Client } from '@temporalio/client';
import { workerPolls } from '../../client/push-handle';
import { BULK_PUSH_ID } from '../../model/names';

/** The task queues demos run on: `wfm-push-demo-<stamp>`, one per run. */
export const DEMO_QUEUE_PREFIX = 'wfm-push-demo-';

/**
 * Ends the pushes an earlier, interrupted demo left running on the same Temporal server: a bulk push on a demo's task
 * queue (not this one) that no worker polls, with its schedules' workflows, terminated. A demo left running with
 * `--keep` still has its worker, so its pushes are left alone. Returns the plan IDs ended.
 */
export async function endLeftoverDemoPushes(
  client: Client,
  currentQueue: string,
  /** How recent a poll must be to count as a live worker (see `workerPolls`). */
  freshMs?: number,
): Promise<string[]> {
  const ended: string[] = [];
  const pushes = client.workflow.list({
    query: 'WorkflowType = "bulkPush" AND ExecutionStatus = "Running"',
  });
  for await (const push of pushes) {
    if (!push.taskQueue.startsWith(DEMO_QUEUE_PREFIX) || push.taskQueue === currentQueue) continue;
    if (await workerPolls(client, push.taskQueue, freshMs)) continue;
    const planId = push.typedSearchAttributes.get(BULK_PUSH_ID) ?? push.workflowId;
    const reason = `left running by an interrupted demo (no worker on task queue ${push.taskQueue})`;
    await client.workflow.getHandle(push.workflowId).terminate(reason);
    // Its schedules' workflows outlive it (abandoned): on a queue no worker polls, they would wait forever.
    const children = client.workflow.list({
      query: `${BULK_PUSH_ID.name} = ${JSON.stringify(planId)} AND ExecutionStatus = "Running"`,
    });
    for await (const child of children)
      await client.workflow
        .getHandle(child.workflowId)
        .terminate(reason)
        .catch(() => undefined); // Ended meanwhile.
    ended.push(planId);
  }
  return ended;
}
