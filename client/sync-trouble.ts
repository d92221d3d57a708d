import type { Client } from '@temporalio/client';
import { ApplicationFailure, ServerFailure } from '@temporalio/common';
import {
  decodeArrayFromPayloads,
  decodeOptionalFailureToOptionalError,
} from '@temporalio/common/lib/internal-non-workflow';
import type { temporal } from '@temporalio/proto';
import { schedulePushWorkflowId } from '../model/names';
import type { SyncProgress } from '../model/sync-progress';
import { asWfmProblem, wfmProblemText, type WfmProblem } from '../model/wfm-problem';
import type { PushProgress } from '../workflows/messages';
import type { PushContext } from './context';
import { pushKeyOf } from '../stores/result-store';

/**
 * What is going wrong in a push's schedules right now: the failure their syncs are retrying. A retrying activity is
 * invisible to its workflow (Temporal retries it), so neither the push's counts nor its progress move; its last
 * failure is in the schedule workflow's pending activity, which this reads.
 */
export interface SyncTrouble {
  /** One line for a person: "WFM unreachable: connection refused by wfm.example.com:443 for 40 s, retrying (...)". */
  summary: string;
  /** The failure's type (`Transient` for a WFM that does not answer or answers 5xx). */
  type: string;
  /** The failure's message, as the worker recorded it. */
  message: string;
  /** The host and what it did, when the WFM adapter classified the failure. */
  problem?: WfmProblem;
  /** Schedules (of those looked at) whose sync is retrying this failure. */
  schedules: string[];
  /** Schedules looked at (a sample of those in flight). */
  checked: number;
  /** The sync's attempt, of the most retried schedule. */
  attempt: number;
  /** When the next attempt starts, in ms since the epoch (absent while an attempt runs). */
  nextAttemptAtMs?: number;
}

type PendingActivity = temporal.api.workflow.v1.IPendingActivityInfo;

/** What the syncs in flight have done so far (from their heartbeats), not yet in the push's counts. */
export interface SyncsInFlight {
  /** Agents they have written. */
  agentsChanged: number;
  writes: number;
  /** HTTP requests they have sent. */
  requests: number;
}

/** What a look into the schedules in flight found (see `lookInFlight`). */
export interface InFlightLook {
  trouble?: SyncTrouble;
  /** Only when every schedule in flight was looked at (at most the sample's five): a partial sum would mislead. */
  syncing?: SyncsInFlight;
}

/**
 * Looks into the push's running schedules (their workflows' pending sync): the failure they are retrying, if any, and
 * what they have written so far, so a push of one big schedule (a Genesys business-unit week) moves before it ends.
 * Costs one describe per schedule looked at (at most the progress's sample of five).
 */
export async function lookInFlight(
  client: Client,
  progress: Pick<PushProgress, 'inFlightSample' | 'inFlight'>,
  nowMs = Date.now(),
  /** The plan's tenant: part of its schedules' workflow IDs (see `pushTenant`). */
  tenant?: string,
): Promise<InFlightLook> {
  const ids = progress.inFlightSample ?? [];
  const looks = await Promise.all(ids.map((id) => lookAtSync(client, id, tenant)));
  const complete = ids.length > 0 && ids.length >= progress.inFlight;
  const syncing = complete ? sumOf(looks.map((l) => l?.heartbeat)) : undefined;
  const trouble = troubleOf(
    looks.flatMap((l, i) => (l?.failing ? [{ ...l.failing, scheduleId: ids[i] ?? '' }] : [])),
    ids.length,
    nowMs,
  );
  return { ...(trouble ? { trouble } : {}), ...(syncing ? { syncing } : {}) };
}

/** The tenant of a push's plan (from the store), for `lookInFlight`; undefined without one or without a push. */
export async function pushTenant(
  ctx: Pick<PushContext, 'plans' | 'results'>,
  planId: string,
  /** The tenant the plan ID was named under, if any (a plan ID is unique per tenant). */
  tenant?: string,
) {
  const manifest = await ctx.results.getManifest(pushKeyOf({ planId, tenant }));
  return manifest && ctx.plans.getTenant(manifest.planRef);
}

/** The failure the push's running schedules are retrying (see `lookInFlight`); undefined when none is. */
export async function syncTrouble(
  client: Client,
  progress: Pick<PushProgress, 'inFlightSample' | 'inFlight'>,
  nowMs = Date.now(),
): Promise<SyncTrouble | undefined> {
  return (await lookInFlight(client, progress, nowMs)).trouble;
}

function sumOf(heartbeats: Array<Partial<SyncProgress> | undefined>): SyncsInFlight {
  const sum: SyncsInFlight = { agentsChanged: 0, writes: 0, requests: 0 };
  for (const h of heartbeats) {
    sum.agentsChanged += h?.agentsChanged ?? 0;
    sum.writes += h?.writes ?? 0;
    sum.requests += h?.requests ?? 0;
  }
  return sum;
}

type Failing = NonNullable<Awaited<ReturnType<typeof lookAtSync>>>['failing'] & { scheduleId: string };

function troubleOf(failing: Failing[], checked: number, nowMs: number): SyncTrouble | undefined {
  if (failing.length === 0) return undefined;
  // The most common failure; of its schedules, the one retried longest speaks for them.
  const groups = new Map<string, Failing[]>();
  for (const f of failing) groups.set(f.text, [...(groups.get(f.text) ?? []), f]);
  const group = [...groups.values()].sort((a, b) => b.length - a.length)[0] ?? failing;
  const worst = group.reduce((a, b) => (b.attempt > a.attempt ? b : a));
  const trouble: SyncTrouble = {
    summary: '',
    type: worst.type,
    message: worst.message,
    ...(worst.problem ? { problem: worst.problem } : {}),
    schedules: group.map((f) => f.scheduleId),
    checked,
    attempt: worst.attempt,
    ...(worst.nextAttemptAtMs !== undefined ? { nextAttemptAtMs: worst.nextAttemptAtMs } : {}),
  };
  trouble.summary = troubleLine(trouble, worst.text, nowMs);
  return trouble;
}

/** "WFM unreachable: connection refused by h:443 for 40 s; 3 of 3 schedules retrying (attempt 7, next in 12 s)". */
function troubleLine(t: SyncTrouble, text: string, nowMs: number): string {
  const since = t.problem?.sinceMs;
  const forHowLong = since !== undefined ? ` for ${seconds(nowMs - since)}` : '';
  const next =
    t.nextAttemptAtMs !== undefined
      ? `next in ${seconds(Math.max(0, t.nextAttemptAtMs - nowMs))}`
      : 'retrying now';
  return `${text}${forHowLong}; ${t.schedules.length} of ${t.checked} schedule(s) in flight retrying (attempt ${t.attempt}, ${next})`;
}

function seconds(ms: number): string {
  const s = Math.round(ms / 1000);
  return s < 120 ? `${s} s` : `${Math.round(s / 60)} min`;
}

/** The schedule's pending sync: what it has done (its heartbeat) and the failure it is retrying, if any. */
async function lookAtSync(client: Client, scheduleId: string, tenant: string | undefined) {
  let pending: PendingActivity[];
  try {
    const described = await client.workflow.getHandle(schedulePushWorkflowId(scheduleId, tenant)).describe();
    pending = described.raw.pendingActivities ?? [];
  } catch {
    return undefined; // Ended (or never started) since the progress was read: nothing to say about it.
  }
  const sync = pending.find((a) => a.activityType?.name === 'syncSchedule') ?? pending[0];
  if (!sync) return undefined;
  const converter = client.options.loadedDataConverter;
  const heartbeat = sync.heartbeatDetails?.payloads?.length
    ? ((await decodeArrayFromPayloads(converter, sync.heartbeatDetails.payloads).catch(() => []))[0] as
        Partial<SyncProgress> | undefined)
    : undefined;
  if (!sync.lastFailure || (sync.attempt ?? 0) <= 1) return { heartbeat };
  const error = await decodeOptionalFailureToOptionalError(converter, sync.lastFailure);
  const type = error instanceof ApplicationFailure ? (error.type ?? 'Error') : (error?.name ?? 'Error');
  const problem = error instanceof ApplicationFailure ? asWfmProblem(error.details?.[1]) : undefined;
  // The server replaces a failure larger than it keeps with this (workers before the failures were made small).
  const dropped = error instanceof ServerFailure && /exceeds size limit/i.test(error.message);
  const message = dropped
    ? 'the failure was too large for Temporal to keep (see the worker log)'
    : (error?.message ?? 'unknown failure');
  return {
    heartbeat,
    failing: {
      type,
      message,
      problem,
      text: problem ? wfmProblemText(problem) : `${type}: ${message}`,
      attempt: sync.attempt ?? 0,
      nextAttemptAtMs: millis(sync.nextAttemptScheduleTime),
    },
  };
}

function millis(
  t: temporal.api.workflow.v1.IPendingActivityInfo['nextAttemptScheduleTime'],
): number | undefined {
  if (!t?.seconds) return undefined;
  return Number(t.seconds) * 1000 + Math.floor((t.nanos ?? 0) / 1e6);
}
