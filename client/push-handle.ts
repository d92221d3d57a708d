import { WorkflowNotFoundError, type Client, type WorkflowHandle } from '@temporalio/client';
import { bulkPushWorkflowId } from '../model/names';
import type { PushState } from '../model/report';
import type { bulkPush } from '../workflows/bulk-push';

/**
 * The bulk push of a plan, by its workflow ID: the plan ID names it, within its tenant (`tenant`: the plan's, if it
 * names one).
 */
export function pushHandle(client: Client, planId: string, tenant?: string): WorkflowHandle<typeof bulkPush> {
  return client.workflow.getHandle<typeof bulkPush>(bulkPushWorkflowId(planId, tenant));
}

/** The push's state as Temporal knows it; undefined when there is no such push. */
export async function stateOf(handle: Pick<WorkflowHandle, 'describe'>): Promise<PushState | undefined> {
  try {
    const { status } = await handle.describe();
    const states: Record<string, PushState> = {
      RUNNING: 'running',
      COMPLETED: 'completed',
      CANCELLED: 'cancelled',
      TERMINATED: 'terminated',
      TIMED_OUT: 'timed-out',
      // A run that continued as new is followed by another; describe() of the ID shows the latest.
      CONTINUED_AS_NEW: 'running',
    };
    return states[status.name] ?? 'failed';
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return undefined;
    throw err;
  }
}

/**
 * A worker polled the task queue lately. Temporal lists a poller for minutes after its worker stopped; a live worker
 * polls again at least every ~70 s (a long poll), so only a poll within `freshMs` counts.
 */
export async function workerPolls(client: Client, taskQueue: string, freshMs = 90_000): Promise<boolean> {
  const { pollers } = await client.workflowService.describeTaskQueue({
    namespace: client.options.namespace,
    taskQueue: { name: taskQueue },
    taskQueueType: 1, // TASK_QUEUE_TYPE_WORKFLOW: a push needs its workflows run
  });
  const now = Date.now();
  return (pollers ?? []).some((p) => {
    const seconds = Number(p.lastAccessTime?.seconds ?? 0);
    return now - seconds * 1000 < freshMs;
  });
}

/** The task queue of the push's workflows (as it was started), or undefined when there is no such push. */
export async function pushTaskQueue(
  client: Client,
  planId: string,
  tenant?: string,
): Promise<string | undefined> {
  try {
    return (await pushHandle(client, planId, tenant).describe()).taskQueue;
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return undefined;
    throw err;
  }
}
