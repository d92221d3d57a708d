import {
  ActivityFailure,
  ChildWorkflowFailure,
  executeChild,
  isCancellation,
  ParentClosePolicy,
  proxyActivities,
  setCurrentDetails,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities/create-activities';
import {
  DRIFTED_LISTED,
  LIVE_SHIFTS_LISTED,
  NOTICE_DRIFTED_LISTED,
  type DriftPage,
  type DriftReport,
  type ScheduleDrift,
  type VerifyInput,
} from '../model/drift';
import { BULK_PUSH_ID, bulkPushWorkflowId, httpTaskQueueFor } from '../model/names';
import { FailureType, NON_RETRYABLE_STORE_FAILURE_TYPES } from '../model/failures';
import { urlOrigin } from '../model/url-origin';
import { HEARTBEAT_TIMEOUT_MS } from '../model/timeouts';
import { bulkPush } from './bulk-push';

/** Schedules one drift-check activity reads (one after another, paced by the worker's rate control). */
const SCHEDULES_PER_PAGE = 25;
/** Pages read at once: a few, so a drift check never crowds out a push on the same WFM. */
const PAGES_IN_FLIGHT = 4;

/**
 * A drift check: re-reads the schedules a push landed and names the planned agents whose live shifts no longer match
 * the plan (someone changed them after the push). Writes nothing, unless asked to repair: then the drifted agents, and
 * only they, are pushed again as a derived plan `<planId>-repair-<n>` by the same bulk-push machinery.
 */
export async function verifyPush(input: VerifyInput): Promise<DriftReport> {
  const { prepareDriftCheck, storeRepairPlan } = proxyActivities<Activities>({
    summary: `Read the pushed plan ${input.planId} and its results`,
    // Reads every result of the push (10,000 in about a second from files) or writes the repair plan; one lost in a
    // server crash is retried after this.
    startToCloseTimeout: '1 minute',
    retry: {
      maximumAttempts: 10,
      nonRetryableErrorTypes: [
        FailureType.UnknownPlan,
        FailureType.InvalidPlanId,
        FailureType.TooManyRepairs,
        ...NON_RETRYABLE_STORE_FAILURE_TYPES,
      ],
    },
  });
  const { checkDrift } = proxyActivities<Activities>({
    taskQueue: httpTaskQueueFor(workflowInfo().taskQueue),
    summary: `Read pushed schedules of plan ${input.planId} and compare them with the plan`,
    // Reads wait out rate limits inside an attempt, as a push's syncs do (up to WFM_RATE_LIMIT_DEADLINE).
    startToCloseTimeout: '24 hours',
    heartbeatTimeout: HEARTBEAT_TIMEOUT_MS,
    retry: {
      initialInterval: '1 second',
      backoffCoefficient: 2,
      maximumInterval: '30 seconds',
      maximumAttempts: 30,
    },
  });

  // Only a tenant's check names its tenant, so a check started before plan IDs were per tenant replays as it ran.
  const scope = await prepareDriftCheck({
    planId: input.planId,
    ...(input.tenant === undefined ? {} : { tenant: input.tenant }),
  });
  const report: DriftReport = {
    planId: input.planId,
    checkedAt: new Date(Date.now()).toISOString(),
    schedulesChecked: 0,
    agentsChecked: 0,
    schedulesNotLanded: scope.schedulesNotLanded,
    agentsDrifted: 0,
    schedulesDrifted: 0,
    drifted: [],
    unreadable: [],
    requests: 0,
  };
  const show = (state: string) =>
    setCurrentDetails(
      `${state}: ${report.schedulesChecked}/${scope.schedules} landed schedules checked, ${report.agentsDrifted} agents drifted, ${report.unreadable.length} schedules unreadable, ${scope.schedulesNotLanded} not landed by the push`,
    );
  show('Checking');
  // Every drifted agent, compactly (a repair pushes them all); the report names only the first DRIFTED_LISTED.
  const driftMasks: ScheduleDrift[] = [];
  const namedOnly: Array<{ scheduleId: string; agentId: string }> = [];

  let nextPage = 0;
  const pages = Math.ceil(scope.schedules / SCHEDULES_PER_PAGE);
  const reader = async () => {
    while (nextPage < pages) {
      const offset = nextPage++ * SCHEDULES_PER_PAGE;
      const listed = report.drifted.filter((d) => d.liveShifts).length;
      const page = await checkDrift({
        planRef: scope.planRef,
        offset,
        limit: SCHEDULES_PER_PAGE,
        listFor: Math.max(0, DRIFTED_LISTED - report.drifted.length),
        liveShiftsFor: Math.max(0, LIVE_SHIFTS_LISTED - listed),
      });
      addPage(report, page);
      if (page.driftMasks) driftMasks.push(...page.driftMasks);
      // A page read by the code before masks existed named every drifted agent instead.
      else namedOnly.push(...page.drifted.map(({ scheduleId, agentId }) => ({ scheduleId, agentId })));
      show('Checking');
    }
  };
  await Promise.all(Array.from({ length: Math.min(PAGES_IN_FLIGHT, pages) }, reader));
  report.drifted.sort(
    (a, b) => a.scheduleId.localeCompare(b.scheduleId) || a.agentId.localeCompare(b.agentId),
  );

  if (input.repair && report.agentsDrifted > 0) {
    const repair = await storeRepairPlan({
      planRef: scope.planRef,
      drifted: driftMasks,
      ...(namedOnly.length > 0 ? { named: namedOnly } : {}),
    });
    // The repair is the tenant's push: its workflow ID names the tenant the repair plan was stored for (a check
    // recorded before plan IDs were per tenant has none in its recorded result, and keeps the ID it started).
    const workflowId = bulkPushWorkflowId(repair.planId, repair.tenant);
    report.repair = {
      planId: repair.planId,
      workflowId,
      agents: repair.agentsPlanned,
      schedules: repair.schedules,
    };
    show(`Repairing with push ${repair.planId}`);
    try {
      report.repair.summary = await executeChild(bulkPush, {
        workflowId,
        args: [
          {
            ...input.repairOptions,
            planId: repair.planId,
            planRef: repair.planRef,
            schedules: repair.schedules,
            agentsPlanned: repair.agentsPlanned,
          },
        ],
        typedSearchAttributes: [{ key: BULK_PUSH_ID, value: repair.planId }],
        staticSummary: `Repair of push ${input.planId}: ${repair.agentsPlanned} drifted agents in ${repair.schedules} schedules`,
        // The repair is a push like any other: it finishes even if this check is cancelled or times out.
        parentClosePolicy: ParentClosePolicy.ABANDON,
      });
    } catch (err) {
      if (isCancellation(err)) throw err;
      const cause = err instanceof ChildWorkflowFailure ? (err.cause ?? err) : err;
      report.repair.failure = cause instanceof Error ? cause.message : String(cause);
    }
  }
  if (input.notifyUrl && (report.agentsDrifted > 0 || report.unreadable.length > 0))
    report.notice = await notify(input.notifyUrl, report);
  show(report.repair ? `Done, repaired by push ${report.repair.planId}` : 'Done');
  return report;
}

/** Tells the notify URL what the check found; a notice not delivered is reported, never fails the check. */
async function notify(notifyUrl: string, report: DriftReport): Promise<DriftReport['notice']> {
  const { sendDriftNotice } = proxyActivities<Activities>({
    summary: `POST the drift of push ${report.planId} to ${urlOrigin(notifyUrl)}`,
    startToCloseTimeout: '30 seconds',
    // About a minute of backoff: the next scheduled check tells again if drift remains.
    retry: {
      initialInterval: '1 second',
      backoffCoefficient: 2,
      maximumInterval: '20 seconds',
      maximumAttempts: 5,
    },
  });
  const info = workflowInfo();
  const repair = report.repair;
  try {
    const delivered = await sendDriftNotice({
      notifyUrl,
      notice: {
        event: 'verify.drift',
        planId: report.planId,
        checkedAt: report.checkedAt,
        agentsDrifted: report.agentsDrifted,
        schedulesDrifted: report.schedulesDrifted,
        schedulesUnreadable: report.unreadable.length,
        drifted: report.drifted
          .slice(0, NOTICE_DRIFTED_LISTED)
          .map(({ scheduleId, agentId }) => ({ scheduleId, agentId })),
        ...(repair
          ? {
              repair: {
                planId: repair.planId,
                agents: repair.agents,
                ...(repair.summary ? { agentsFailed: repair.summary.totals.agentsFailed } : {}),
                ...(repair.failure ? { failure: repair.failure } : {}),
              },
            }
          : {}),
        report: { workflowId: info.workflowId, runId: info.runId, namespace: info.namespace },
      },
    });
    return { delivered: true, status: delivered.status };
  } catch (err) {
    if (isCancellation(err)) throw err;
    const cause = err instanceof ActivityFailure ? (err.cause ?? err) : err;
    return { delivered: false, reason: cause instanceof Error ? cause.message : String(cause) };
  }
}

function addPage(report: DriftReport, page: DriftPage): void {
  report.schedulesChecked += page.schedulesChecked;
  report.agentsChecked += page.agentsChecked;
  report.requests += page.requests;
  // Pages read at once may name a few more than the room left: the report keeps the first DRIFTED_LISTED.
  report.drifted.push(...page.drifted.slice(0, Math.max(0, DRIFTED_LISTED - report.drifted.length)));
  report.agentsDrifted += page.agentsDrifted ?? page.drifted.length;
  report.schedulesDrifted += page.driftMasks?.length ?? new Set(page.drifted.map((d) => d.scheduleId)).size;
  report.unreadable.push(...page.unreadable);
}
