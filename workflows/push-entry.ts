import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  ChildWorkflowCancellationType,
  ContinueAsNew,
  getCurrentDetails,
  isCancellation,
  ParentClosePolicy,
  proxyActivities,
  setCurrentDetails,
  startChild,
  TemporalFailure,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities/create-activities';
import { BULK_PUSH_ID } from '../model/names';
import { urlOrigin, type PushEnd } from '../model/push-notice';
import { PushStartFailure } from '../model/push-start';
import type { PushSummary } from '../model/report';
import type { BulkPushInput, BulkPushStart } from './bulk-push';
import { pushNotice } from './push-notice';

/*
 * How a bulk push begins and ends, apart from the push itself: an inline plan is stored before anything else, and a
 * push that ends starts its notice.
 */

/** The push's input with its plan in the store: an inline plan is validated and stored by the first activity. */
export async function storedPlanInput(start: BulkPushStart): Promise<BulkPushInput> {
  if (isStoredPlanInput(start)) return start;
  const { storeInlinePlan } = proxyActivities<Activities>({
    summary: 'Validate the inline plan, store it and bind its plan ID',
    startToCloseTimeout: '1 minute',
    retry: { maximumAttempts: 10, nonRetryableErrorTypes: Object.values(PushStartFailure) },
  });
  const { workflowId } = workflowInfo();
  let stored;
  try {
    stored = await storeInlinePlan({ start, workflowId });
  } catch (err) {
    // The caller reads the problems from the workflow's own failure, not from an activity's cause chain.
    const cause = err instanceof ActivityFailure ? err.cause : undefined;
    if (cause instanceof ApplicationFailure && Object.values<unknown>(PushStartFailure).includes(cause.type))
      throw ApplicationFailure.create({
        type: cause.type ?? undefined,
        message: cause.message,
        details: cause.details ?? undefined,
        nonRetryable: true,
      });
    throw err;
  }
  // A foreign client may not have set the search attribute the UI and the CLI find pushes by.
  if (workflowInfo().typedSearchAttributes.get(BULK_PUSH_ID) === undefined)
    upsertSearchAttributes([{ key: BULK_PUSH_ID, value: stored.planId }]);
  const { planId, planRef, schedules, agentsPlanned, options } = stored;
  return { ...options, planId, planRef, schedules, agentsPlanned };
}

function isStoredPlanInput(start: BulkPushStart): start is BulkPushInput {
  return (
    typeof start === 'object' &&
    start !== null &&
    typeof (start as Partial<BulkPushInput>).planRef === 'string' &&
    !('plan' in start)
  );
}

/**
 * Runs the push and, when it ends (completed, failed or cancelled; not when it continues as new), starts its notice
 * workflow and leaves it running: the push's outcome is neither delayed nor changed by the receiver.
 */
export async function withEndNotice(
  input: BulkPushInput,
  push: () => Promise<PushSummary>,
): Promise<PushSummary> {
  if (!input.notifyUrl) return push();
  const notifyUrl = input.notifyUrl;
  const notify = (outcome: PushEnd, failure?: { type: string; message: string }) =>
    CancellationScope.nonCancellable(async () => {
      const { workflowId, runId } = workflowInfo();
      const noticeId = `push-notice:${input.planId}:${runId}`;
      await startChild(pushNotice, {
        workflowId: noticeId,
        args: [
          { notifyUrl, planId: input.planId, workflowId, runId, outcome, ...(failure ? { failure } : {}) },
        ],
        typedSearchAttributes: [{ key: BULK_PUSH_ID, value: input.planId }],
        staticSummary: `Notice: push ${input.planId} ${outcome}`,
        parentClosePolicy: ParentClosePolicy.ABANDON,
        cancellationType: ChildWorkflowCancellationType.ABANDON,
      });
      setCurrentDetails(`${getCurrentDetails()} Notice to ${urlOrigin(notifyUrl)}: workflow ${noticeId}.`);
    });
  let summary: PushSummary;
  try {
    summary = await push();
  } catch (err) {
    // Continuing as new is not an end; a bug (not a TemporalFailure) fails the workflow task, which is retried.
    if (err instanceof ContinueAsNew || !(err instanceof TemporalFailure)) throw err;
    if (isCancellation(err)) await notify('cancelled');
    else
      await notify('failed', {
        type: err instanceof ApplicationFailure ? (err.type ?? err.name) : err.name,
        message: err.message,
      });
    throw err;
  }
  await notify('completed');
  return summary;
}
