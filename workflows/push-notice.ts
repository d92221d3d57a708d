import {
  ActivityFailure,
  ApplicationFailure,
  log,
  proxyActivities,
  setCurrentDetails,
} from '@temporalio/workflow';
import type { Activities } from '../activities/create-activities';
import type { NoticeDelivery, PushNoticeInput } from '../model/push-notice';
import { urlOrigin } from '../model/url-origin';
import { FailureType } from '../model/failures';

/**
 * Tells the notify URL that a push ended. A workflow of its own, started by the push as it ends and left running
 * (abandoned) when the push closes: the push's outcome is never delayed by a slow receiver nor changed by a failing
 * one, and a notice that could not be delivered shows here, failed, with the reason, in the UI and the logs.
 */
export async function pushNotice(input: PushNoticeInput): Promise<NoticeDelivery> {
  const { sendPushNotice } = proxyActivities<Activities>({
    summary: `POST the end of push ${input.planId} to ${urlOrigin(input.notifyUrl)}`,
    startToCloseTimeout: '30 seconds',
    // Bounded: about 4 minutes of backoff in all. A receiver down for longer misses this notice; the report stays.
    retry: {
      initialInterval: '1 second',
      backoffCoefficient: 2,
      maximumInterval: '1 minute',
      maximumAttempts: 8,
    },
  });
  const to = urlOrigin(input.notifyUrl);
  setCurrentDetails(`Posting the end of push ${input.planId} (${input.outcome}) to ${to}`);
  try {
    const delivered = await sendPushNotice(input);
    setCurrentDetails(
      `Delivered to ${to}: HTTP ${delivered.status} on attempt ${delivered.attempts} (push ${input.planId} ${input.outcome})`,
    );
    return delivered;
  } catch (err) {
    const cause = err instanceof ActivityFailure ? err.cause : err;
    const reason = cause instanceof Error ? cause.message : String(cause);
    setCurrentDetails(`NOT delivered to ${to}: ${reason} (push ${input.planId} ${input.outcome})`);
    log.warn('push notice not delivered', { planId: input.planId, to, reason });
    // Failed as a workflow: red in the UI and found by its Failed filter. The push itself is unaffected.
    throw ApplicationFailure.create({
      type:
        cause instanceof ApplicationFailure
          ? (cause.type ?? FailureType.NoticeNotDelivered)
          : FailureType.NoticeNotDelivered,
      message: `the notice of push ${input.planId} was not delivered to ${to}: ${reason}`,
      nonRetryable: true,
    });
  }
}
