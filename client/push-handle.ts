import { WorkflowNotFoundError, type Client, type WorkflowHandle } from '@temporalio/client';
import { bulkPushWorkflowId } from '../model/names';
import type { PushState } from '../model/report';
import type { bulkPush } from '../workflows/bulk-push';

/** The bulk push of a plan, by its workflow ID (the plan ID names it). */
export function pushHandle(client: Client, planId: string): WorkflowHandle<typeof bulkPush> {
  return client.workflow.getHandle<typeof bulkPush>(bulkPushWorkflowId(planId));
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
