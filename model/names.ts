import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/**
 * The queue of the activities that call the WFM, beside the workflows' queue: paced and rate-limited apart, shared
 * by every worker.
 */
export function httpTaskQueueFor(workflowTaskQueue: string): string {
  return `${workflowTaskQueue}-http`;
}

/**
 * The queue of one tenant's schedule syncs (issue 23): each worker runs a worker of its own on it, with its own slots
 * (WFM_TENANT_MAX_SYNCS), so a tenant whose syncs wait out a 429 storm holds only its own slots, never another tenant's
 * or those of plans without a tenant. No tenant ID holds `@`.
 */
export function tenantSyncTaskQueueFor(workflowTaskQueue: string, tenant: string): string {
  return `${httpTaskQueueFor(workflowTaskQueue)}@${tenant}`;
}

const BULK_PUSH_PREFIX = 'bulk-push:';

/**
 * A push's workflow ID: its plan ID within its tenant (issue 23), so two organisations' plans named alike (`2026-W50`)
 * are two pushes; a plan without a tenant keeps the ID it had. The tenant grammar and the ID grammar have no `/`.
 */
export function bulkPushWorkflowId(planId: string, tenant?: string): string {
  return tenant === undefined ? `${BULK_PUSH_PREFIX}${planId}` : `${BULK_PUSH_PREFIX}${tenant}/${planId}`;
}

/**
 * What a bulk push's workflow ID names: its plan ID and, after a `/`, its tenant; undefined for an ID of another
 * shape. (The grammars are checked where the parts are used.)
 */
export function planOfBulkPushWorkflowId(
  workflowId: string,
): { planId: string; tenant?: string } | undefined {
  if (!workflowId.startsWith(BULK_PUSH_PREFIX)) return undefined;
  const rest = workflowId.slice(BULK_PUSH_PREFIX.length);
  const slash = rest.indexOf('/');
  return slash < 0 ? { planId: rest } : { tenant: rest.slice(0, slash), planId: rest.slice(slash + 1) };
}

/**
 * One ID per schedule, whatever the push: Temporal runs at most one workflow per ID, so two pushes can never write
 * the same schedule at the same time, across processes and hosts. Per tenant (the tenant grammar has no `/`), so two
 * organisations with the same schedule ID never wait for each other; a plan without a tenant keeps the ID it had.
 */
export function schedulePushWorkflowId(scheduleId: string, tenant?: string): string {
  return tenant === undefined ? `schedule-push:${scheduleId}` : `schedule-push:${tenant}/${scheduleId}`;
}

export const BULK_PUSH_ID = defineSearchAttributeKey('BulkPushId', SearchAttributeType.KEYWORD);
export const SCHEDULE_ID = defineSearchAttributeKey('ScheduleId', SearchAttributeType.KEYWORD);
export const PUSH_OUTCOME = defineSearchAttributeKey('PushOutcome', SearchAttributeType.KEYWORD);
/** The plan's tenant (WFM_TENANTS_FILE), on a tenant's bulk and schedule pushes: the UI filters by it. */
export const TENANT = defineSearchAttributeKey('Tenant', SearchAttributeType.KEYWORD);

/**
 * The visibility query of a push's schedule workflows that are still running: after a cancel, those it had in flight
 * finish on their own (abandoned, not cancelled) and record their outcome when they do.
 */
export function runningSchedulePushesQuery(planId: string, tenant?: string): string {
  // A plan without a tenant: its schedules carry no `Tenant` (the caller drops those of tenants with this plan ID).
  const ofTenant = tenant === undefined ? '' : ` AND ${TENANT.name} = ${JSON.stringify(tenant)}`;
  return `${BULK_PUSH_ID.name} = ${JSON.stringify(planId)}${ofTenant} AND WorkflowType = "schedulePush" AND ExecutionStatus = "Running"`;
}

/** Every custom search attribute the workflows set; the dev server registers them at start. */
export const SEARCH_ATTRIBUTES = [BULK_PUSH_ID, SCHEDULE_ID, PUSH_OUTCOME, TENANT] as const;

/**
 * A dry run of a plan (`wfm-push diff`): one workflow per diff, named by its plan and diff IDs, and by its tenant as
 * a push is (`plan-diff:<tenant>/<planId>:<diffId>`).
 */
export function planDiffWorkflowId(planId: string, diffId: string, tenant?: string): string {
  return tenant === undefined ? `plan-diff:${planId}:${diffId}` : `plan-diff:${tenant}/${planId}:${diffId}`;
}
