import { Context, log } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import { schedulesStillRunning } from '../common/running-schedules';
import { ApplicationFailure } from '@temporalio/common';
import { buildReport, isDone, type PushReport } from '../model/report';
import type { DriftNotice } from '../model/drift';
import { FailureType } from '../model/failures';
import { urlOrigin, type NoticeDelivery, type PushNotice, type PushNoticeInput } from '../model/push-notice';
import type { PlanStore } from '../stores/plan-store';
import { pushKeyOf, type ResultStore } from '../stores/result-store';
import { planOfBulkPushWorkflowId } from '../model/names';
import { redactUrlCredentials } from '../common/redact';
import type { OutboundPolicy } from '../wfm/url-policy';

/** One POST may take this long before the attempt counts as failed (and is retried). */
const POST_TIMEOUT_MS = 10_000;
/** Schedules not done that the notice names; the report command lists them all. */
const NOT_DONE_LISTED = 50;
/** A receiver's Retry-After is honoured up to this. */
const MAX_RETRY_AFTER_MS = 60_000;

/** The failures a notice ends with (the list is in model/failures.ts). */
export const NoticeFailure = {
  NoticeRejected: FailureType.NoticeRejected,
  NoticeNotDelivered: FailureType.NoticeNotDelivered,
} as const;

/**
 * POSTs the push's notice: how it ended and the totals of its report, built from the stores as `wfm-push report`
 * builds it. A failed attempt throws (the workflow's retry policy backs off); the push's outcome never depends on it.
 */
export async function sendPushNotice(
  deps: { plans: PlanStore; results: ResultStore; temporal?: Client; outbound: OutboundPolicy },
  input: PushNoticeInput,
): Promise<NoticeDelivery> {
  const ctx = Context.current();
  const notice = await buildNotice(deps, input, ctx.info.workflowNamespace ?? ctx.info.activityNamespace);
  return postNotice(deps.outbound, input.notifyUrl, notice, input.planId);
}

/**
 * POSTs a drift check's notice (built by the check: small, and nothing to read). Retried like a push's notice; the
 * check's report never depends on it.
 */
export function sendDriftNotice(
  deps: { outbound: OutboundPolicy },
  input: { notifyUrl: string; notice: DriftNotice },
): Promise<NoticeDelivery> {
  return postNotice(deps.outbound, input.notifyUrl, input.notice, input.notice.planId);
}

/**
 * One POST of a JSON notice. Delivered on a 2xx; a failed attempt throws, retryable unless the receiver refused it
 * for good (4xx other than 408/429). Only the URL's origin is ever logged or shown. Any Temporal client can name the
 * URL, so it must pass the outbound policy first (https, no credentials in it, a public address unless
 * WFM_ALLOW_PRIVATE_HOSTS): a refused URL is never sent to.
 */
async function postNotice(
  outbound: OutboundPolicy,
  url: string,
  notice: unknown,
  planId: string,
): Promise<NoticeDelivery> {
  const ctx = Context.current();
  const where = urlOrigin(url);
  const allowed = await outbound.check(url);
  if (!allowed.ok) {
    log.warn('notice refused by the outbound policy', { planId, to: where, reason: allowed.reason });
    throw ApplicationFailure.create({
      type: NoticeFailure.NoticeRejected,
      nonRetryable: true,
      message: `POST ${where}: refused by the outbound policy: ${allowed.reason}`,
    });
  }
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'wfm-push' },
      body: JSON.stringify(notice),
      signal: AbortSignal.any([ctx.cancellationSignal, AbortSignal.timeout(POST_TIMEOUT_MS)]),
      redirect: 'error',
    });
    await res.arrayBuffer().catch(() => undefined); // Read to the end so the connection is released.
  } catch (err) {
    if (ctx.cancellationSignal.aborted) throw err;
    // Library messages may quote the URL: never with credentials.
    const reason = redactUrlCredentials(
      err instanceof Error ? (err.cause instanceof Error ? err.cause.message : err.message) : 'error',
    );
    log.warn('notice not delivered', {
      planId,
      to: where,
      attempt: ctx.info.attempt,
      reason,
    });
    throw ApplicationFailure.retryable(`POST ${where}: ${reason}`, NoticeFailure.NoticeNotDelivered);
  }
  if (res.ok) {
    log.info('notice delivered', { planId, to: where, status: res.status });
    return { status: res.status, attempts: ctx.info.attempt };
  }
  log.warn('notice refused', {
    planId,
    to: where,
    attempt: ctx.info.attempt,
    status: res.status,
  });
  const retryable = res.status >= 500 || res.status === 408 || res.status === 429;
  throw ApplicationFailure.create({
    type: retryable ? NoticeFailure.NoticeNotDelivered : NoticeFailure.NoticeRejected,
    message: `POST ${where}: HTTP ${res.status}`,
    nonRetryable: !retryable,
    nextRetryDelay: retryAfterMs(res.headers.get('retry-after')),
  });
}

async function buildNotice(
  deps: { plans: PlanStore; results: ResultStore; temporal?: Client },
  input: PushNoticeInput,
  namespace: string,
): Promise<PushNotice> {
  const report = await reportOf(deps, input);
  const notDone = (report?.schedules ?? []).filter((s) => !isDone(s.outcome));
  return {
    event: 'push.ended',
    planId: input.planId,
    outcome: input.outcome,
    ...(input.failure ? { failure: input.failure } : {}),
    totals: report?.totals ?? null,
    schedulesNotDone: notDone.slice(0, NOT_DONE_LISTED).map((s) => ({
      scheduleId: s.scheduleId,
      outcome: s.outcome,
      ...(s.failure ? { type: s.failure.type, message: s.failure.message } : {}),
      ...(s.supersededBy ? { supersededBy: s.supersededBy } : {}),
    })),
    schedulesNotDoneCount: notDone.length,
    report: {
      command: `wfm-push report ${input.planId} --json`,
      workflowId: input.workflowId,
      runId: input.runId,
      namespace,
    },
    endedAt: new Date().toISOString(),
  };
}

/** The whole plan's report (a retry covers part of it), or undefined if the push never stored its plan. */
async function reportOf(
  { plans, results, temporal }: { plans: PlanStore; results: ResultStore; temporal?: Client },
  input: PushNoticeInput,
): Promise<PushReport | undefined> {
  // The push's workflow ID names its tenant; a tenant's push started before plan IDs were per tenant does not, and
  // its plan ID then has its manifest under that one tenant only.
  const named = planOfBulkPushWorkflowId(input.workflowId)?.tenant;
  const tenants = named === undefined ? await results.tenantsOf(input.planId) : [named];
  if (tenants.length !== 1) return undefined;
  const key = pushKeyOf({ planId: input.planId, tenant: tenants[0] });
  const manifest = await results.getManifest(key);
  if (!manifest) return undefined;
  // A cancelled push's schedules in flight finish after it: reported as in flight, not as never started.
  const inFlight =
    temporal && input.outcome !== 'completed'
      ? await schedulesStillRunning(temporal, input.planId, key.tenant)
      : new Set<string>();
  const plan = await plans.get(manifest.planRef);
  const planned = plan.schedules.map((s) => ({ scheduleId: s.scheduleId, agents: s.agents.length }));
  const stored = await results.listResults(key);
  return buildReport(input.planId, input.outcome, planned, stored.results, inFlight);
}

function retryAfterMs(header: string | null): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(header) - Date.now();
  return Number.isFinite(ms) && ms > 0 ? Math.min(ms, MAX_RETRY_AFTER_MS) : undefined;
}
