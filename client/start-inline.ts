import {
  ApplicationFailure,
  WithStartWorkflowOperation,
  WorkflowUpdateFailedError,
  type Client,
  type WorkflowHandle,
} from '@temporalio/client';
import { BULK_PUSH_ID, bulkPushWorkflowId } from '../model/names';
import type { PlanProblem } from '../model/plan';
import type { InlinePlanStart } from '../model/push-start';
import type { bulkPush } from '../workflows/bulk-push';
import { acceptedUpdate, type PushAccepted } from '../workflows/messages';

/** How a synchronous start ended: the push runs with this plan, or nothing was started. */
export type InlineStartAnswer =
  | { accepted: PushAccepted; handle: WorkflowHandle<typeof bulkPush> }
  | { refused: { type: string; message: string; problems: PlanProblem[] } };

/**
 * Starts a push with its plan inline and answers at once (docs/start-a-push.md): one Update-with-Start call starts
 * `bulkPush` (or joins the running push of the same plan ID) and waits for its `accepted` update, which completes once
 * the plan is validated, stored and bound to its ID, or fails with every problem by its path. What any Temporal client
 * can do in its own language; the plan ID names the workflow, so a repeat joins instead of starting another push.
 */
export async function startInlinePush(
  client: Client,
  taskQueue: string,
  start: InlinePlanStart & { plan: { planId: string; tenant?: string } },
): Promise<InlineStartAnswer> {
  // A tenant's plan ID is its own: `bulk-push:<tenant>/<planId>`.
  const workflowId = bulkPushWorkflowId(start.plan.planId, start.plan.tenant);
  const startWorkflowOperation = new WithStartWorkflowOperation<typeof bulkPush>('bulkPush', {
    workflowId,
    taskQueue,
    args: [start],
    // The same plan ID again joins the push that runs it.
    workflowIdConflictPolicy: 'USE_EXISTING',
    typedSearchAttributes: [{ key: BULK_PUSH_ID, value: start.plan.planId }],
    staticSummary: `Bulk push ${start.plan.planId} (inline plan)`,
  });
  try {
    const accepted = await client.workflow.executeUpdateWithStart(acceptedUpdate, { startWorkflowOperation });
    return { accepted, handle: await startWorkflowOperation.workflowHandle() };
  } catch (err) {
    const cause = err instanceof WorkflowUpdateFailedError ? err.cause : undefined;
    if (!(cause instanceof ApplicationFailure)) throw err;
    const details = cause.details?.[0] as { problems?: PlanProblem[] } | undefined;
    return {
      refused: { type: cause.type ?? 'Error', message: cause.message, problems: details?.problems ?? [] },
    };
  }
}
