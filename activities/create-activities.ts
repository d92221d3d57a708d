import type { Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { FailureType } from '../model/failures';
import { PUSH_DEFAULTS } from '../model/push-options';
import type { ApiStyle } from '../model/plan';
import type { PushNoticeInput } from '../model/push-notice';
import type { DiffStore } from '../stores/diff-store';
import type { PlanStore } from '../stores/plan-store';
import type { ResultStore } from '../stores/result-store';
import type { WfmPort } from '../wfm/port';
import { OutboundPolicy } from '../wfm/url-policy';
import { createDiffActivities } from './diff-schedule';
import { checkDrift, prepareDriftCheck, storeRepairPlan } from './drift';
import { createRunFollowing } from './follow-runs';
import { storeInlinePlan } from './inline-plan';
import { createStoreActivities, createSyncActivity, planPage } from './push-activities';
import { checkStoredPlanStart } from './stored-plan-start';
import { classified } from './failure-classes';
import type { PushMetrics } from './push-metrics';
import { sendDriftNotice, sendPushNotice } from './push-notice';

export type { RunEnded, RunToFollow } from './follow-runs';
export type { PlanPage } from './push-activities';

export interface ActivityDeps {
  /** The WFM of the worker's own settings: plans that name no tenant. */
  wfm: WfmPort;
  /** The WFM of a plan's tenant (`TenantWfms.portFor`); default: `wfm` for every plan. */
  wfmFor?: (tenant: string | undefined) => WfmPort;
  /** Each tenant's API style, for inline plans (WFM_TENANTS_FILE); undefined: no tenants, one WFM. */
  tenantStyles?: ReadonlyMap<string, ApiStyle>;
  /** The most schedules one push of a tenant has in flight (WFM_TENANTS_FILE); undefined: the push's own window. */
  maxSchedulesInFlightOf?: (tenant: string) => number | undefined;
  /** For waiting on other workflows (no WFM call). */
  temporal: Client;
  plans: PlanStore;
  results: ResultStore;
  /** Where dry runs keep their schedule diffs. */
  diffs: DiffStore;
  /** Most agents one write carries; bigger schedules are written in chunks. Default 500. */
  maxAgentsPerWrite?: number;
  /** Which WFM API inline plans are validated for (genesys plans name business unit and week). Default rest. */
  apiStyle?: ApiStyle;
  /** Where syncs, conflicts and recorded outcomes are counted (the worker's metrics). Default none. */
  metrics?: PushMetrics;
  /**
   * Where notify URLs may point (any client can name one): the worker's WFM_ALLOW_INSECURE_HTTP and
   * WFM_ALLOW_PRIVATE_HOSTS. Default: public https hosts only.
   */
  notifyPolicy?: OutboundPolicy;
}

/**
 * The activities, closed over the WFM port and the stores the worker built from its settings, by the task queue they
 * run on: the workflows' own queue (stores, notices, following other workflows: no WFM call), and `<queue>-http`,
 * whose activities call the WFM under the worker's concurrency limit and rate control.
 */
export function createActivities({
  wfm,
  wfmFor = (tenant) => (tenant === undefined ? wfm : unknownTenant(tenant)),
  tenantStyles,
  maxSchedulesInFlightOf = () => undefined,
  temporal,
  plans,
  results,
  diffs,
  maxAgentsPerWrite = 500,
  apiStyle = 'rest',
  metrics,
  notifyPolicy = new OutboundPolicy(),
}: ActivityDeps) {
  const workflowQueue = {
    ...createRunFollowing(temporal),
    /**
     * Does this worker serve `tenant` (WFM_TENANTS_FILE, as reloaded)? A schedule push asks (as a local activity)
     * before it sends its syncs to the tenant's own queue: one this worker never served has no worker polling it, so
     * they go to the HTTP queue, where they fail with `UnknownTenant` as before.
     */
    servesTenant: ({ tenant }: { tenant: string }) => Promise.resolve(tenantStyles?.has(tenant) === true),
    // The notices classify their own failures (a receiver's answer) and ask Temporal which schedules still run.
    /** POSTs the notice of a push that ended: see `sendPushNotice`. */
    sendPushNotice: (input: PushNoticeInput) =>
      sendPushNotice({ plans, results, temporal, outbound: notifyPolicy }, input),
    /** POSTs what a drift check found: see `sendDriftNotice`. */
    sendDriftNotice: (input: Parameters<typeof sendDriftNotice>[1]) =>
      sendDriftNotice({ outbound: notifyPolicy }, input),
    ...classifiedAll({
      ...createStoreActivities({ plans, results, metrics }),
      /** Validates and stores a plan passed inline to `bulkPush`: see `storeInlinePlan`. */
      storeInlinePlan: async (input: { start: unknown; workflowId: string }) =>
        withTenantWindow(
          await storeInlinePlan({ plans, results, apiStyle, tenantStyles }, input),
          maxSchedulesInFlightOf,
        ),
      /**
       * Checks a push started with a stored plan's reference (see `checkStoredPlanStart`) and, when asked
       * (`firstPage`: its size), reads the plan's first page of schedules in the same call: the push's first child
       * starts one activity sooner.
       */
      checkStoredPlanStart: async (input: { start: unknown; workflowId: string; firstPage?: number }) => {
        const checked = withTenantWindow(
          await checkStoredPlanStart({ plans, results }, input),
          maxSchedulesInFlightOf,
        );
        const firstPage =
          input.firstPage === undefined
            ? undefined
            : await planPage(plans, checked.planRef, 0, input.firstPage);
        return { ...checked, ...(firstPage === undefined ? {} : { firstPage }) };
      },
      /** The landed part of a push, for a drift check: see `prepareDriftCheck`. */
      prepareDriftCheck: (input: Parameters<typeof prepareDriftCheck>[1]) =>
        prepareDriftCheck({ plans, results }, input),
      /** Stores the derived plan of a repair push: see `storeRepairPlan`. */
      storeRepairPlan: (input: Parameters<typeof storeRepairPlan>[1]) =>
        storeRepairPlan({ plans, results }, input),
    }),
  };
  const httpQueue = classifiedAll({
    ...createSyncActivity({ wfm, wfmFor, plans, results, maxAgentsPerWrite, metrics }),
    /** Reads a page of landed schedules and names the drifted agents: see `checkDrift`. */
    checkDrift: (input: Parameters<typeof checkDrift>[1]) => checkDrift({ wfm, wfmFor, plans }, input),
    // The dry run's reads share the HTTP queue, its concurrency and its rate controller with the pushes.
    ...createDiffActivities({ wfm, wfmFor, plans, diffs }),
  });
  return { workflowQueue, httpQueue };
}

/**
 * A tenant's push's start with its window clamped to the tenant's `maxSchedulesInFlight`: the start's result is in the
 * push's history (and carried across continue-as-new), so the workflow needs no change to honour it.
 */
function withTenantWindow<
  T extends { tenant?: string; maxInFlight?: number; options?: { maxInFlight?: number } },
>(start: T, capOf: (tenant: string) => number | undefined): T {
  const cap = start.tenant === undefined ? undefined : capOf(start.tenant);
  if (cap === undefined) return start;
  if (start.options) {
    const window = Math.min(start.options.maxInFlight ?? PUSH_DEFAULTS.maxInFlight, cap);
    return { ...start, options: { ...start.options, maxInFlight: window } };
  }
  return { ...start, maxInFlight: Math.min(start.maxInFlight ?? PUSH_DEFAULTS.maxInFlight, cap) };
}

/** A plan names a tenant and this worker serves none: not retried, the schedule fails with why. */
function unknownTenant(tenant: string): never {
  throw ApplicationFailure.nonRetryable(
    `the plan names tenant ${JSON.stringify(tenant)} and this worker has no WFM_TENANTS_FILE`,
    FailureType.UnknownTenant,
  );
}

/**
 * The activities with their failures classified once, as they end (see `classifyActivityFailure`): a store outage is
 * retried, a bug is not. Following other workflows is left out: a Temporal server restarting is not a bug.
 */
function classifiedAll<T extends Record<string, (...args: never[]) => Promise<unknown>>>(activities: T): T {
  return Object.fromEntries(
    Object.entries(activities).map(([name, fn]) => [
      name,
      classified(name, fn as (...args: unknown[]) => Promise<unknown>),
    ]),
  ) as unknown as T;
}

/** Every activity by name, for `proxyActivities<Activities>` in workflows (which name the HTTP queue where needed). */
export type Activities = ReturnType<typeof createActivities>['workflowQueue'] &
  ReturnType<typeof createActivities>['httpQueue'];
