import type { Client } from '@temporalio/client';
import { ApplicationFailure, ServerFailure } from '@temporalio/common';
import { decodeOptionalFailureToOptionalError } from '@temporalio/common/lib/internal-non-workflow';
import type { temporal } from '@temporalio/proto';
import { schedulePushWorkflowId } from '../model/names';
import { asWfmProblem, wfmProblemText, type WfmProblem } from '../model/wfm-problem';
import type { PushProgress } from '../workflows/messages';

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

/**
 * The failure the push's running schedules are retrying, read from their workflows' pending activities; undefined
 * when none is retrying one. Costs one describe per schedule looked at (at most the progress's sample of five).
 */
export async function syncTrouble(
  client: Client,
  progress: Pick<PushProgress, 'inFlightSample'>,
  nowMs = Date.now(),
): Promise<SyncTrouble | undefined> {
  const ids = progress.inFlightSample ?? [];
  const seen = await Promise.all(ids.map((id) => retryingFailure(client, id)));
  const failing = seen.flatMap((s, i) => (s ? [{ ...s, scheduleId: ids[i] ?? '' }] : []));
  if (failing.length === 0) return undefined;
  // The most common failure; of its schedules, the one retried longest speaks for them.
  const groups = new Map<string, typeof failing>();
  for (const f of failing) groups.set(f.text, [...(groups.get(f.text) ?? []), f]);
  const group = [...groups.values()].sort((a, b) => b.length - a.length)[0] ?? failing;
  const worst = group.reduce((a, b) => (b.attempt > a.attempt ? b : a));
  const trouble: SyncTrouble = {
    summary: '',
    type: worst.type,
    message: worst.message,
    ...(worst.problem ? { problem: worst.problem } : {}),
    schedules: group.map((f) => f.scheduleId),
    checked: ids.length,
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

/** The failure the schedule's sync is retrying, if it is retrying one. */
async function retryingFailure(client: Client, scheduleId: string) {
  let pending: PendingActivity[];
  try {
    const described = await client.workflow.getHandle(schedulePushWorkflowId(scheduleId)).describe();
    pending = described.raw.pendingActivities ?? [];
  } catch {
    return undefined; // Ended (or never started) since the progress was read: nothing to say about it.
  }
  const retrying = pending.find((a) => a.lastFailure && (a.attempt ?? 0) > 1);
  if (!retrying?.lastFailure) return undefined;
  const error = await decodeOptionalFailureToOptionalError(
    client.options.loadedDataConverter,
    retrying.lastFailure,
  );
  const type = error instanceof ApplicationFailure ? (error.type ?? 'Error') : (error?.name ?? 'Error');
  const problem = error instanceof ApplicationFailure ? asWfmProblem(error.details?.[1]) : undefined;
  // The server replaces a failure larger than it keeps with this (workers before the failures were made small).
  const dropped = error instanceof ServerFailure && /exceeds size limit/i.test(error.message);
  const message = dropped
    ? 'the failure was too large for Temporal to keep (see the worker log)'
    : (error?.message ?? 'unknown failure');
  return {
    type,
    message,
    problem,
    text: problem ? wfmProblemText(problem) : `${type}: ${message}`,
    attempt: retrying.attempt ?? 0,
    nextAttemptAtMs: millis(retrying.nextAttemptScheduleTime),
  };
}

function millis(
  t: temporal.api.workflow.v1.IPendingActivityInfo['nextAttemptScheduleTime'],
): number | undefined {
  if (!t?.seconds) return undefined;
  return Number(t.seconds) * 1000 + Math.floor((t.nanos ?? 0) / 1e6);
}
