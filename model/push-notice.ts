import { z } from 'zod';

export { urlOrigin } from './url-origin';
import type { PushTotals } from './report';

/**
 * Where a push says that it ended: an http(s) URL that receives one JSON POST (`PushNotice`). Credentials in the URL
 * (a token in the path or query, as chat webhooks use) stay out of logs and details: only the origin is shown.
 */
export const notifyUrlSchema = z
  .url({ protocol: /^https?$/, message: 'must be an http:// or https:// URL' })
  .max(2048, 'must be at most 2048 characters')
  .refine((value) => !hasUserInfo(value), {
    message:
      'must not carry credentials (user:password@): they would travel in every log line and message that names the URL; put a token in the path or query, which stay out of them',
  })
  .describe('http(s) URL that receives a JSON POST when the push ends (done, failed or cancelled)');

function hasUserInfo(value: string): boolean {
  try {
    const url = new URL(value);
    return url.username !== '' || url.password !== '';
  } catch {
    return false;
  }
}

export interface NoticeOptions {
  /** See `notifyUrlSchema`. The push's outcome never depends on the notice being delivered. */
  notifyUrl?: string;
}

/** How a push ended, as its notice says. */
export type PushEnd = 'completed' | 'failed' | 'cancelled';

/** What the bulk push hands to its notice workflow: small, the rest is read from the stores. */
export interface PushNoticeInput {
  notifyUrl: string;
  planId: string;
  workflowId: string;
  runId: string;
  outcome: PushEnd;
  failure?: { type: string; message: string };
}

/** The JSON body POSTed to the notify URL (documented in docs/start-a-push.md). */
export interface PushNotice {
  event: 'push.ended';
  planId: string;
  outcome: PushEnd;
  /** The failure that ended a failed push (an invalid inline plan, a plan the store cannot read). */
  failure?: { type: string; message: string };
  /** Counts over the whole plan, from its report; null when the push never got as far as a report. */
  totals: PushTotals | null;
  /** Schedules not in the planned state (at most 50 listed; `report.command` lists them all). */
  /** `supersededBy`: the newer plan that took the schedule over (outcome `superseded`). */
  schedulesNotDone: Array<{
    scheduleId: string;
    outcome: string;
    type?: string;
    message?: string;
    supersededBy?: string;
  }>;
  schedulesNotDoneCount: number;
  /** Where the full report is: the command prints it, the workflow shows the push in the Temporal UI. */
  report: { command: string; workflowId: string; runId: string; namespace: string };
  endedAt: string;
}

/** What the notice workflow returns once the receiver accepted the POST. */
export interface NoticeDelivery {
  status: number;
  attempts: number;
}
