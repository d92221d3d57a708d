import {
  allHandlersFinished,
  ApplicationFailure,
  condition,
  continueAsNew,
  isCancellation,
  log,
  patched,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities, PlanPage } from '../activities/create-activities';
import type { NoticeOptions } from '../model/push-notice';
import { PUSH_DEFAULTS, type PushOptions } from '../model/push-options';
import type { InlinePlanStart } from '../model/push-start';
import { planOfBulkPushWorkflowId, PUSH_OUTCOME } from '../model/names';
import {
  emptyScheduleResult,
  pushOutcomeLine,
  pushOutcomeOf,
  type PushOutcome,
  type PushSummary,
  type ScheduleResult,
} from '../model/report';
import { followChildrenOfEarlierRuns } from './earlier-children';
import { acceptedUpdate, pauseSignal, progressQuery, resumeSignal, type PushAccepted } from './messages';
import { Supersession } from './supersession';
import type { SupersedingPlan } from '../model/supersede';
import { PushLedger, type CarriedChild, type CarriedState } from './push-ledger';
import { storedPlanInput, withEndNotice } from './push-entry';
import { childFailed, reportedResult, runChild } from './schedule-children';
import { storeActivityOptions, untilTheStoreAnswers } from './store-outage';
import type { SchedulePushInput } from './schedule-push';
import { FailureType } from '../model/failures';

/** A push as the client library starts it: the plan is in the plan store already; the workflow carries its reference. */
export interface BulkPushInput extends PushOptions, NoticeOptions {
  planId: string;
  /** The plan (or, for a retry, the part of it) this push covers. */
  planRef: string;
  schedules: number;
  agentsPlanned: number;
  /** The plan's `supersedes` (see model/supersede.ts). */
  supersedes?: string;
  /** The plan's tenant, as the stored plan names it (set by the start's check, never by a client). */
  tenant?: string;
  /** Set by the previous run when the push continues as new. */
  carried?: CarriedState;
}

const PAGE_SIZE = 200;
/**
 * Runs with this patch keep their window full across continue-as-new: a run hands its children in flight to the next
 * one, which follows them to their end, instead of waiting for them. Runs that began before it drain first.
 */
const CARRY_CHILDREN_ACROSS_RUNS = 'carry-children-across-runs';
/**
 * Pushes with this patch end with their outcome in the `PushOutcome` search attribute, so the UI finds pushes whose
 * schedules failed (`PushOutcome="failed"`) apart from clean ones; those that ended before it carry none.
 */
const PUSH_OUTCOME_ON_PARENT = 'push-outcome-on-parent';

/** The push's outcome as a search attribute (a command: only on runs with the patch, see above). */
function recordOutcome(outcome: PushOutcome): void {
  if (patched(PUSH_OUTCOME_ON_PARENT)) upsertSearchAttributes([{ key: PUSH_OUTCOME, value: outcome }]);
}

/**
 * How `bulkPush` may be started: with a stored plan's reference (the CLI, the library, continue-as-new), or by any
 * Temporal client with the plan inline (the public contract, model/push-start.ts and docs/start-a-push.md).
 */
export type BulkPushStart = BulkPushInput | InlinePlanStart;

/**
 * A bulk push. An inline plan is validated and stored first, so from then on (and across continue-as-new) the
 * workflow carries only its reference; when the push ends, its notice goes out (see `pushNotice`).
 */
export async function bulkPush(start: BulkPushStart): Promise<PushSummary> {
  const { workflowId } = workflowInfo();
  // A tenant's push is `bulk-push:<tenant>/<planId>`: its plan ID is the part after the tenant.
  const supersession = new Supersession(planOfBulkPushWorkflowId(workflowId)?.planId ?? workflowId, start);
  let input: BulkPushInput;
  let firstPage: PlanPage | undefined;
  try {
    ({ input, firstPage } = await acceptedStart(start));
  } catch (err) {
    // Cancelled while its start was still being checked: found by PushOutcome="cancelled" like any other cancel.
    if (isCancellation(err)) recordOutcome('cancelled');
    throw err;
  }
  supersession.planRef = input.planRef;
  supersession.tenant = input.tenant;
  return withEndNotice(input, () => pushPlan(input, supersession, firstPage));
}

/**
 * The start, checked (and an inline plan stored), answering the synchronous start (`acceptedUpdate`) either way: its
 * caller learns the plan ID and counts, or the refusal with every problem, before the workflow goes on or fails.
 */
async function acceptedStart(start: BulkPushStart): Promise<{ input: BulkPushInput; firstPage?: PlanPage }> {
  let accepted: PushAccepted | undefined;
  let refused: unknown;
  setHandler(acceptedUpdate, async () => {
    await condition(() => accepted !== undefined || refused !== undefined);
    if (accepted) return accepted;
    throw refused;
  });
  try {
    const checked = await storedPlanInput(start, PAGE_SIZE);
    const { input } = checked;
    accepted = { planId: input.planId, schedules: input.schedules, agentsPlanned: input.agentsPlanned };
    return checked;
  } catch (err) {
    refused = err;
    // The caller waiting on the update hears the refusal before the workflow fails with it.
    if (!allHandlersFinished()) await condition(allHandlersFinished);
    throw err;
  }
}

/**
 * One child workflow per schedule, a bounded number in flight, pausable, continuing as new every few hundred
 * schedules so no run's history grows large (handing the children in flight to the next run). Per-schedule results
 * go to the result store; this returns counts.
 */
async function pushPlan(
  input: BulkPushInput,
  supersession: Supersession,
  /** The plan's first page, read by the start's check (runs with its patch); later pages are read here. */
  firstPage?: PlanPage,
): Promise<PushSummary> {
  const carryChildren = patched(CARRY_CHILDREN_ACROSS_RUNS);
  const { listPlanSchedules } = proxyActivities<Activities>(
    storeActivityOptions('Read the next page of schedules from the stored plan'),
  );
  const { recordScheduleResult, supersedingPlanOf } = proxyActivities<Activities>(
    storeActivityOptions('Record a schedule whose workflow failed'),
  );
  const { announceSupersede } = proxyActivities<Activities>({
    summary: 'Tell the pushes this plan takes over which schedules it takes',
    startToCloseTimeout: '2 minutes',
    retry: { initialInterval: '1 second', maximumInterval: '10 seconds', maximumAttempts: 5 },
  });
  const push = new PushLedger(
    input.planId,
    input.schedules,
    input.agentsPlanned,
    {
      maxInFlight: Math.min(500, Math.max(1, input.maxInFlight ?? PUSH_DEFAULTS.maxInFlight)),
      maxChildrenPerRun: input.maxChildrenPerRun ?? PUSH_DEFAULTS.maxChildrenPerRun,
    },
    input.carried,
    Date.now(),
  );
  const show = () => setCurrentDetails(push.currentDetails());
  setHandler(progressQuery, () => {
    const newer = supersession.supersededBy.map((p) => p.planId);
    return { ...push.progress(), ...(newer.length > 0 ? { supersededBy: newer } : {}) };
  });
  setHandler(pauseSignal, () => void ((push.paused = true), show()));
  setHandler(resumeSignal, () => void ((push.paused = false), show()));

  const finished = (scheduleId: string, result: ScheduleResult | undefined) => {
    if (push.childFinished(scheduleId, result)) show();
  };
  /** A child that ended without a report line of its own still gets one: not silently dropped. */
  const recordFailed = async (line: ScheduleResult) => {
    // A store outage is waited out. Only a bug (or, in a run from before that, ten failed attempts) leaves the line
    // unrecorded: the report then marks the schedule not started, still not silently dropped.
    await untilTheStoreAnswers(`record schedule ${line.scheduleId}`, () =>
      recordScheduleResult({ planId: input.planId, result: line, planRef: input.planRef }),
    ).catch((err: unknown) =>
      log.error('a schedule result could not be recorded', { scheduleId: line.scheduleId, err }),
    );
    finished(line.scheduleId, line);
  };
  /** A schedule a newer plan took over: its line says by which plan; this push never writes it. */
  const leftToNewerPlan = async (child: CarriedChild, byPlanId: string): Promise<ScheduleResult> => {
    const { failure: _none, ...empty } = emptyScheduleResult(child.scheduleId, child.agentsPlanned);
    const line: ScheduleResult = { ...empty, outcome: 'superseded', supersededBy: byPlanId };
    await untilTheStoreAnswers(`record schedule ${child.scheduleId}`, () =>
      recordScheduleResult({ planId: input.planId, result: line, planRef: input.planRef }),
    ).catch((err: unknown) =>
      log.error('a schedule result could not be recorded', { scheduleId: child.scheduleId, err }),
    );
    return line;
  };
  /** The newer plan that took this push over and names the schedule, if any (only once some newer plan did). */
  const newerPlanOf = async (scheduleId: string): Promise<string | undefined> => {
    const newer: SupersedingPlan[] = supersession.supersededBy;
    if (newer.length === 0) return undefined;
    return untilTheStoreAnswers(`check schedule ${scheduleId} against newer plans`, () =>
      supersedingPlanOf({ scheduleId, plans: newer.map(({ planId, planRef }) => ({ planId, planRef })) }),
    );
  };
  const launch = async (child: CarriedChild) => {
    const childInput: SchedulePushInput = {
      planId: input.planId,
      planRef: input.planRef,
      scheduleId: child.scheduleId,
      agentsPlanned: child.agentsPlanned,
      conflictBudget: input.conflictBudget,
      onNewerEdit: input.onNewerEdit,
      submittedAtMs: supersession.me.submittedAtMs,
      ...(input.supersede ? { supersede: true } : {}),
      ...(input.supersedes ? { supersedes: input.supersedes } : {}),
      ...(input.tenant === undefined ? {} : { tenant: input.tenant }),
    };
    try {
      const newer = await newerPlanOf(child.scheduleId);
      if (newer !== undefined) return finished(child.scheduleId, await leftToNewerPlan(child, newer));
    } catch (err) {
      if (isCancellation(err)) return;
      return recordFailed(childFailed(childInput, err));
    }
    return runChild(childInput, {
      onStarting: () => push.childStarting(child.scheduleId),
      onWaiting: () => push.childWaiting(child.scheduleId),
      onStarted: (runId) => push.childRunning(child.scheduleId, runId),
      claimant: supersession.claimant(input.planRef),
      onSuperseded: (byPlanId) => leftToNewerPlan(child, byPlanId),
    }).then(
      (result) => finished(child.scheduleId, result),
      async (err: unknown) => {
        if (isCancellation(err)) return; // The push was cancelled; the abandoned child finishes and records itself.
        const reported = reportedResult(err);
        if (reported) return finished(child.scheduleId, reported); // A failed schedule: its line is recorded.
        await recordFailed(childFailed(childInput, err));
      },
    );
  };

  try {
    show();
    log.info('bulk push run started', {
      planId: input.planId,
      cursor: push.cursor,
      schedules: input.schedules,
      inFlight: push.inFlight,
    });
    // A push that takes over tells the pushes it supersedes before it starts anything (see model/supersede.ts).
    if (supersession.takesOver && !input.carried) {
      const newer = await announceSupersede({
        claimant: supersession.claimant(input.planRef),
        taskQueue: workflowInfo().taskQueue,
      });
      for (const plan of newer) supersession.add(plan);
    }
    for (const child of push.carriedToStart()) void launch(child);
    if (push.hasChildrenOfEarlierRuns()) {
      void followChildrenOfEarlierRuns({ push, finished, recordFailed, tenant: input.tenant }).catch(
        (err: unknown) => {
          if (!isCancellation(err)) throw err;
        },
      );
    }
    while (!push.planExhausted && !push.runIsFull(workflowInfo().continueAsNewSuggested)) {
      const page =
        firstPage ??
        (await untilTheStoreAnswers('read the plan', () =>
          listPlanSchedules({ planRef: input.planRef, offset: push.cursor, limit: PAGE_SIZE }),
        ));
      firstPage = undefined;
      if (page.schedules.length === 0) {
        // The stored plan is shorter than the push was told: a bug or a tampered store, never worth a retry loop.
        throw ApplicationFailure.nonRetryable(
          `plan ${input.planRef} ends at ${push.cursor} of ${input.schedules} schedules`,
          FailureType.PlanMismatch,
        );
      }
      for (const { scheduleId, agents } of page.schedules) {
        await condition(() => push.mayStartChild());
        if (push.runIsFull(workflowInfo().continueAsNewSuggested)) break;
        push.childStarted(scheduleId, agents);
        void launch({ scheduleId, agentsPlanned: agents });
      }
    }
    if (carryChildren && !push.planExhausted) {
      // The next run takes the children in flight over; only starts on their way must land in this one.
      await condition(() => push.noStartPending());
    } else {
      // The last run (or one from before children were carried over) waits for every child.
      await condition(() => push.inFlight === 0);
    }
  } catch (err) {
    if (isCancellation(err)) {
      setCurrentDetails(
        `CANCELLED at ${push.cursor}/${input.schedules} schedules started; the rest are reported as not started.`,
      );
      recordOutcome('cancelled');
    }
    throw err;
  }
  if (!push.planExhausted) {
    await condition(allHandlersFinished);
    log.info('bulk push continues as new', {
      planId: input.planId,
      cursor: push.cursor,
      inFlight: push.inFlight,
    });
    const newer = supersession.supersededBy;
    return continueAsNew<typeof bulkPush>({
      ...input,
      carried: { ...push.carried(), ...(newer.length > 0 ? { supersededBy: newer } : {}) },
    });
  }
  const outcome = pushOutcomeOf(push.totals);
  recordOutcome(outcome);
  setCurrentDetails(`Done. ${pushOutcomeLine(outcome, push.totals)}. ${push.currentDetails()}`);
  log.info('bulk push finished', { planId: input.planId, outcome, ...push.totals });
  return { planId: input.planId, totals: push.totals };
}
