import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  ChildWorkflowCancellationType,
  ContinueAsNew,
  getCurrentDetails,
  isCancellation,
  ParentClosePolicy,
  patched,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  startChild,
  TemporalFailure,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities, PlanPage } from '../activities/create-activities';
import { NON_RETRYABLE_STORE_FAILURE_TYPES } from '../model/failures';
import { BULK_PUSH_ID, TENANT } from '../model/names';
import type { PushEnd } from '../model/push-notice';
import { urlOrigin } from '../model/url-origin';
import { PushStartFailure } from '../model/failures';
import type { PushSummary } from '../model/report';
import type { BulkPushInput, BulkPushStart } from './bulk-push';
import { progressQuery } from './messages';
import { PushLedger } from './push-ledger';
import { pushNotice } from './push-notice';
import { storeActivityOptions, untilTheStoreAnswers } from './store-outage';

/*
 * How a bulk push begins and ends, apart from the push itself: an inline plan is stored before anything else, and a
 * push that ends starts its notice.
 */

/**
 * Runs with this patch check a start that names a stored plan before anything else (see `checkStoredPlanStart`): any
 * Temporal client can start `bulkPush`, and its input names what the worker writes. Runs that began before it do not.
 */
const CHECK_STORED_PLAN_START = 'check-stored-plan-start';
/**
 * Runs with this patch have the start's check read the plan's first page of schedules too (`firstPage`): the first
 * schedule's workflow starts one activity sooner. Runs that began before it read the first page on its own.
 */
const FIRST_PAGE_WITH_START_CHECK = 'first-page-with-start-check';
const NO_LIMITS = { maxInFlight: 1, maxChildrenPerRun: 1 };

/**
 * The push's input with its plan in the store: an inline plan is validated and stored by the first activity; a stored
 * plan's reference is checked against the plan ID's binding by the first activity. A run that continues an earlier
 * one carries what that run checked (the server sets `continuedFromExecutionRunId`; no client can). With
 * `firstPageSize`, a stored plan's check also returns the plan's first page (`firstPage`) where it can.
 */
export async function storedPlanInput(
  start: BulkPushStart,
  firstPageSize: number,
): Promise<{ input: BulkPushInput; firstPage?: PlanPage }> {
  if (isStoredPlanInput(start)) {
    if (workflowInfo().continuedFromExecutionRunId !== undefined) return { input: start };
    if (!patched(CHECK_STORED_PLAN_START)) return { input: start };
    // `push --wait` asks for progress at once: until the check is done, nothing has started.
    const starting = new PushLedger(
      start.planId,
      start.schedules,
      start.agentsPlanned,
      NO_LIMITS,
      undefined,
      Date.now(),
    );
    setHandler(progressQuery, () => starting.progress());
    const firstPage = patched(FIRST_PAGE_WITH_START_CHECK) ? firstPageSize : undefined;
    const { firstPage: page, ...checked } = await startCheck(
      'Check the push\u2019s input against the plan its plan ID is bound to',
      (activities, workflowId) => activities.checkStoredPlanStart({ start, workflowId, firstPage }),
    );
    setBulkPushId(checked.planId);
    setTenant(checked.tenant);
    return { input: checked, ...(page === undefined ? {} : { firstPage: page }) };
  }
  const stored = await startCheck(
    'Validate the inline plan, store it and bind its plan ID',
    (activities, workflowId) => activities.storeInlinePlan({ start, workflowId }),
  );
  setBulkPushId(stored.planId);
  setTenant(stored.tenant);
  const { planId, planRef, schedules, agentsPlanned, options, supersedes, tenant } = stored;
  return {
    input: {
      ...options,
      planId,
      planRef,
      schedules,
      agentsPlanned,
      ...(supersedes === undefined ? {} : { supersedes }),
      ...(tenant === undefined ? {} : { tenant }),
    },
  };
}

/**
 * Runs the activity that checks (and, for an inline plan, stores) the start. A refusal fails the workflow itself with
 * the activity's type, message and problems: the caller reads them from the workflow's failure, not from an activity's
 * cause chain.
 */
async function startCheck<T>(
  summary: string,
  check: (activities: Activities, workflowId: string) => Promise<T>,
): Promise<T> {
  const store = storeActivityOptions(summary);
  const activities = proxyActivities<Activities>({
    ...store,
    startToCloseTimeout: '1 minute',
    retry: {
      ...store.retry,
      nonRetryableErrorTypes: [...Object.values(PushStartFailure), ...NON_RETRYABLE_STORE_FAILURE_TYPES],
    },
  });
  try {
    return await untilTheStoreAnswers('check the start', () => check(activities, workflowInfo().workflowId));
  } catch (err) {
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
}

/** A foreign client may not have set the search attribute the UI and the CLI find pushes by. */
/** A tenant's push carries `Tenant` (a command only for plans naming a tenant, which no earlier run had). */
function setTenant(tenant: string | undefined): void {
  if (tenant !== undefined) upsertSearchAttributes([{ key: TENANT, value: tenant }]);
}

function setBulkPushId(planId: string): void {
  if (workflowInfo().typedSearchAttributes.get(BULK_PUSH_ID) === undefined)
    upsertSearchAttributes([{ key: BULK_PUSH_ID, value: planId }]);
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
