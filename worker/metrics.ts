import type { PushMetrics } from '../activities/push-metrics';
import { MetricsRegistry } from '../common/metrics-registry';
import { AGENT_OUTCOMES } from '../model/agent-outcome';
import { FailureType } from '../model/failures';
import type { ScheduleOutcome } from '../model/report';
import type { WfmMetrics } from '../wfm/wfm-metrics';

/** Failure types a schedule's line may carry (model/failures.ts, and what the workflows add); any other is `other`. */
const FAILURE_TYPES = new Set<string>([...Object.values(FailureType), 'Bug', 'Cancelled', 'PlanMismatch']);

const SCHEDULE_OUTCOMES: readonly ScheduleOutcome[] = [
  'landed',
  'already-in-place',
  'failed',
  'not-started',
  'superseded',
];

/** Seconds: a WFM answer takes milliseconds to seconds; the request timeout (default 15 s) bounds it. */
const REQUEST_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15, 30];
/** Seconds: one schedule's sync, from a small REST schedule to a Genesys business-unit week that waits out a 429. */
const SYNC_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 900, 3600];
/** Seconds: Genesys notifies an update within a second or two; the adapter stops waiting after 10 s by default. */
const NOTIFICATION_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 15, 30];

/** The worker's own metrics: the WFM adapters and the push activities report into them, `/metrics` renders them. */
export interface WorkerMetrics {
  registry: MetricsRegistry;
  /** What the WFM of the worker's own settings reports: its series carry no `tenant` label. */
  wfm: WfmMetrics;
  /**
   * What a tenant's WFM reports (WFM_TENANTS_FILE): requests, pauses and the rate gauge labelled `tenant`; its series
   * are declared (at 0) by the call. Tenant IDs come only from the tenants file, so the label is bounded.
   */
  wfmFor(tenant: string): WfmMetrics;
  push: PushMetrics;
}

/**
 * Declares every product metric (docs/observe.md has the table) with its series at zero where the label values are
 * known in advance, so that a dashboard and an alert see them before their first event.
 */
export function createWorkerMetrics(registry = new MetricsRegistry()): WorkerMetrics {
  const requests = registry.counter(
    'wfm_push_wfm_requests_total',
    'Requests sent to the WFM, by HTTP status of the answer (network: none came: timeout, reset, cancelled), and tenant (WFM_TENANTS_FILE; none: the worker\u2019s own WFM).',
    ['status', 'tenant'],
  );
  const requestSeconds = registry.histogram(
    'wfm_push_wfm_request_seconds',
    'Time from sending a request to the WFM to having its whole answer, in seconds.',
    REQUEST_BUCKETS,
  );
  const rate = registry.labeledGauge(
    'wfm_push_rate_limit_per_second',
    'The request rate this worker allows itself towards the WFM now (adaptive, under WFM_RATE_LIMIT_PER_SECOND), by tenant (none: the worker\u2019s own WFM).',
    ['tenant'],
  );
  const pauses = registry.counter(
    'wfm_push_retry_after_pauses_total',
    'Times the WFM refused a request (429, or 503 with Retry-After) and the worker paused all its requests to it, by tenant (none: the worker\u2019s own WFM).',
    ['tenant'],
  );
  const agents = registry.counter(
    'wfm_push_agents_total',
    'Planned agents whose outcome was recorded, by outcome.',
    ['outcome'],
  );
  const schedules = registry.counter(
    'wfm_push_schedules_total',
    'Schedules whose outcome was recorded, by outcome.',
    ['outcome'],
  );
  const failures = registry.counter(
    'wfm_push_schedule_failures_total',
    'Schedules recorded as failed, by failure type (Rejected, Contention, Bug, ...; other: a type not listed).',
    ['type'],
  );
  let syncsInFlight = 0;
  registry.gauge(
    'wfm_push_syncs_in_flight',
    'Schedule syncs running on this worker now (each reads, rebases and writes one schedule).',
    () => syncsInFlight,
  );
  const conflicts = registry.counter(
    'wfm_push_conflicts_total',
    'Version conflicts met while syncing schedules (each one a re-read and rebase).',
  );
  const syncSeconds = registry.histogram(
    'wfm_push_sync_seconds',
    'Duration of one attempt to sync a schedule (read, rebase, write), in seconds.',
    SYNC_BUCKETS,
  );
  const notificationSeconds = registry.histogram(
    'wfm_push_genesys_notification_seconds',
    'Genesys Cloud: time from an update answered Processing to its notification, in seconds.',
    NOTIFICATION_BUCKETS,
  );
  const tokenRenewals = registry.counter(
    'wfm_push_genesys_token_renewals_total',
    'Genesys Cloud: new OAuth tokens requested after the first (expiry: the cached one was due; refused: a 401).',
    ['reason'],
  );
  const reconnects = registry.counter(
    'wfm_push_genesys_channel_reconnects_total',
    'Genesys Cloud: times the notification channel opened again after its first opening.',
  );
  for (const outcome of AGENT_OUTCOMES) agents.zero({ outcome });
  for (const outcome of SCHEDULE_OUTCOMES) schedules.zero({ outcome });
  for (const reason of ['expiry', 'refused']) tokenRenewals.zero({ reason });

  /** One WFM's reports; `tenant` "" is the worker's own WFM (the label is left out). */
  const wfmFor = (tenant: string): WfmMetrics => {
    pauses.zero({ tenant });
    rate.zero({ tenant });
    return {
      requestEnded(status, seconds) {
        requests.inc({ status: String(status), tenant });
        requestSeconds.observe(seconds);
      },
      retryAfterPause: () => pauses.inc({ tenant }),
      rateFrom: (read) => rate.readFrom({ tenant }, read),
      genesysNotification: (seconds) => notificationSeconds.observe(seconds),
      genesysTokenRenewal: (reason) => tokenRenewals.inc({ reason }),
      genesysChannelReconnect: () => reconnects.inc(),
    };
  };

  return {
    registry,
    wfm: wfmFor(''),
    wfmFor,
    push: {
      conflict: () => conflicts.inc(),
      syncStarted: () => void syncsInFlight++,
      syncEnded(seconds) {
        syncsInFlight--;
        syncSeconds.observe(seconds);
      },
      scheduleRecorded(result) {
        schedules.inc({ outcome: result.outcome });
        const type = result.failure?.type;
        if (type !== undefined) failures.inc({ type: FAILURE_TYPES.has(type) ? type : 'other' });
        for (const agent of result.agents ?? []) agents.inc({ outcome: agent.outcome });
      },
    },
  };
}
