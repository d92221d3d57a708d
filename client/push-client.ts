import { WorkflowNotFoundError, type Client, type WorkflowHandle } from '@temporalio/client';
import type { PlanStore } from '../activities/plan-store';
import { countAgents, type Plan } from '../model/plan';
import { BULK_PUSH_ID, bulkPushWorkflowId } from '../model/names';
import type { PushReport } from '../model/report';
import type { bulkPush, BulkPushInput } from '../workflows/bulk-push';
import { progressQuery, type PushProgress } from '../workflows/messages';

/** The library API for schedulers: submit a validated plan, follow it, read its report. */
export interface SubmitOptions {
  client: Client;
  plans: PlanStore;
  taskQueue: string;
  /** Children in flight at once. Default 50. */
  maxInFlight?: number;
  /** Consecutive version conflicts one schedule may meet before it fails with reason `contention`. Default 20. */
  conflictBudget?: number;
}

/**
 * Stores the plan and starts its bulk push. Submitting a plan whose push is running attaches to that push instead of
 * starting a second one (the workflow ID is the plan ID).
 */
export async function submitPush(
  plan: Plan,
  options: SubmitOptions,
): Promise<WorkflowHandle<typeof bulkPush>> {
  const planRef = await options.plans.put(plan);
  const input: BulkPushInput = {
    planId: plan.planId,
    planRef,
    schedules: plan.schedules.length,
    agentsPlanned: countAgents(plan),
    maxInFlight: options.maxInFlight,
    conflictBudget: options.conflictBudget,
  };
  return options.client.workflow.start<typeof bulkPush>('bulkPush', {
    workflowId: bulkPushWorkflowId(plan.planId),
    taskQueue: options.taskQueue,
    args: [input],
    workflowIdConflictPolicy: 'USE_EXISTING',
    typedSearchAttributes: [{ key: BULK_PUSH_ID, value: plan.planId }],
    staticSummary: `Bulk push ${plan.planId}: ${input.agentsPlanned} agents in ${input.schedules} schedules`,
  });
}

export function pushHandle(client: Client, planId: string): WorkflowHandle<typeof bulkPush> {
  return client.workflow.getHandle<typeof bulkPush>(bulkPushWorkflowId(planId));
}

/** Waits for the push's report, calling `onProgress` about every `intervalMs` while it runs. */
export async function waitForReport(
  handle: WorkflowHandle<typeof bulkPush>,
  onProgress: (p: PushProgress) => void,
  intervalMs = 1000,
): Promise<PushReport> {
  let finished = false;
  const result = handle.result().finally(() => (finished = true));
  const poll = (async () => {
    while (!finished) {
      try {
        onProgress(await handle.query(progressQuery));
      } catch {
        // A query needs a worker; before it picks the push up there is nothing to show yet.
      }
      await Promise.race([result.catch(() => undefined), new Promise((r) => setTimeout(r, intervalMs))]);
    }
  })();
  const report = await result;
  await poll;
  return report;
}

export type PushStatus =
  | { state: 'not-found'; planId: string }
  | { state: 'running'; planId: string; progress: PushProgress | undefined }
  | { state: 'completed'; planId: string; report: PushReport }
  | { state: 'failed' | 'cancelled' | 'terminated' | 'timed-out'; planId: string; message: string };

/** Where a push stands: running (with progress), completed (with its report), or how it ended otherwise. */
export async function pushStatus(client: Client, planId: string): Promise<PushStatus> {
  const handle = pushHandle(client, planId);
  let description;
  try {
    description = await handle.describe();
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return { state: 'not-found', planId };
    throw err;
  }
  switch (description.status.name) {
    case 'RUNNING':
      return { state: 'running', planId, progress: await handle.query(progressQuery).catch(() => undefined) };
    case 'COMPLETED':
      return { state: 'completed', planId, report: await handle.result() };
    case 'CANCELLED':
      return { state: 'cancelled', planId, message: 'the push was cancelled' };
    case 'TERMINATED':
      return { state: 'terminated', planId, message: 'the push was terminated' };
    case 'TIMED_OUT':
      return { state: 'timed-out', planId, message: 'the push timed out' };
    default:
      return {
        state: 'failed',
        planId,
        message: await handle.result().then(
          () => 'unknown',
          (err: Error) => err.message,
        ),
      };
  }
}
