import { ApplicationFailure, ApplicationFailureCategory } from '@temporalio/common';
import { sleep } from '../../common/sleep';
import { FailureType } from '../../model/failures';
import type { WfmHttp } from '../http-client';
import type { WfmCall } from '../port';
import { parseAnswer } from './json-http';
import type { GenesysNotifications, OutcomeSource } from './notifications';
import { scheduleMetadataSchema, type ScheduleAsyncResponse } from './schemas';

export interface UpdateOutcomesOptions {
  http: WfmHttp;
  notifications: GenesysNotifications | undefined;
  /** How long an update may stay Processing before the schedule is read again, in ms. */
  asyncWaitMs: number;
  /** How often the schedule's version is looked at when no notification comes, in ms. */
  asyncPollMs: number;
  /** How long a Processing update waits for its notification before polling, in ms. */
  notificationWaitMs: number;
  /** Told how long each notification that ended a wait took from the update's answer, in seconds. Default none. */
  onNotified?: (seconds: number) => void;
}

/**
 * How a schedule update ended, from its answer, its notification, or (no notification in time) the schedule's version
 * moving. The result is the schedule's version after the update; every doubt is a version conflict, so the sync reads
 * again and rebases, and nothing is applied twice.
 */
export class UpdateOutcomes {
  constructor(private readonly options: UpdateOutcomesOptions) {}

  /**
   * `started` is the update's answer; `notified` says whether the business unit's topic was subscribed before it was
   * sent; `sentVersion` the schedule version the upload carried; `source` the topic and schedule its notification
   * must come from (another's is not this update's outcome).
   */
  async versionAfter(
    what: string,
    scheduleUrl: string,
    sentVersion: number,
    started: ScheduleAsyncResponse,
    notified: boolean,
    call: WfmCall,
    source: OutcomeSource,
  ): Promise<number> {
    if (started.status === 'Complete') {
      const version = started.result?.metadata?.version;
      return version ?? (await this.currentVersion(what, scheduleUrl, call));
    }
    if (started.status !== 'Processing') throw endedWithoutReason(what, started.status);
    const deadline = Date.now() + this.options.asyncWaitMs;
    if (started.operationId !== undefined && notified) {
      const answeredAtMs = performance.now();
      const version = await this.fromNotification(
        what,
        scheduleUrl,
        source,
        started.operationId,
        call,
        answeredAtMs,
      );
      if (version !== undefined) return version;
    }
    return this.byPolling(what, scheduleUrl, source, sentVersion, deadline, call, started.operationId);
  }

  /**
   * An update Processing: its notification tells how it ended. Complete: the new version (from the notification, or
   * one read of the metadata when the notification's `result` leaves it out, as the model allows). Error, Canceled:
   * nothing was applied, a version conflict at once. No notification within `notificationWaitMs`: undefined.
   */
  private async fromNotification(
    what: string,
    scheduleUrl: string,
    source: OutcomeSource,
    operationId: string,
    call: WfmCall,
    answeredAtMs?: number,
  ): Promise<number | undefined> {
    const outcome = await this.options.notifications?.outcome(
      source,
      operationId,
      this.options.notificationWaitMs,
      call.signal,
    );
    if (!outcome) return undefined;
    if (answeredAtMs !== undefined) this.options.onNotified?.((performance.now() - answeredAtMs) / 1000);
    if (outcome.status !== 'Complete') throw endedWithoutReason(what, outcome.status);
    return outcome.version ?? (await this.currentVersion(what, scheduleUrl, call));
  }

  /**
   * No notification: watch the schedule's version. Once it has moved, the update (or another writer) has landed; the
   * caller's next read and rebase tell which. If it does not move by `deadline`, a conflict: read again all the same.
   */
  private async byPolling(
    what: string,
    scheduleUrl: string,
    source: OutcomeSource,
    sentVersion: number,
    deadline: number,
    call: WfmCall,
    operationId: string | undefined,
  ): Promise<number> {
    while (Date.now() < deadline) {
      await sleep(this.options.asyncPollMs, call.signal);
      const late =
        operationId === undefined ? undefined : this.options.notifications?.received(source, operationId);
      if (late) {
        const version = await this.fromNotification(what, scheduleUrl, source, late.operationId, call);
        if (version !== undefined) return version;
      }
      const version = await this.currentVersion(what, scheduleUrl, call);
      if (version !== sentVersion) return version;
    }
    throw conflict(
      what,
      `the update was still Processing after ${Math.round(this.options.asyncWaitMs / 1000)} s; reading again`,
    );
  }

  private async currentVersion(what: string, scheduleUrl: string, call: WfmCall): Promise<number> {
    const metadata = parseAnswer(
      what,
      scheduleMetadataSchema,
      await this.options.http.send(what, { method: 'GET', url: scheduleUrl }, call),
    );
    return metadata.metadata.version;
  }
}

function endedWithoutReason(what: string, status: string): ApplicationFailure {
  return conflict(what, `the update ended ${status} (Genesys gives no reason); reading the schedule again`);
}

/** Read again and rebase: what a version conflict means, here also for an update that ended without a reason. */
export function conflict(what: string, message: string): ApplicationFailure {
  return ApplicationFailure.create({
    type: FailureType.VersionConflict,
    message: `${what}: ${message}`,
    nonRetryable: true,
    category: ApplicationFailureCategory.BENIGN,
  });
}
