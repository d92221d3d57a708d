import type { Client } from '@temporalio/client';
import { pauseSignal, resumeSignal } from '../workflows/messages';
import { pushHandle } from './push-handle';

/** In-flight schedules finish; no new ones start until `resumePush` (works with no worker up: a signal waits). */
export async function pausePush(client: Client, planId: string, tenant?: string): Promise<void> {
  await pushHandle(client, planId, tenant).signal(pauseSignal);
}

export async function resumePush(client: Client, planId: string, tenant?: string): Promise<void> {
  await pushHandle(client, planId, tenant).signal(resumeSignal);
}

/** Stops starting schedules; those in flight finish and record their results; the rest are reported as not started. */
export async function cancelPush(client: Client, planId: string, tenant?: string): Promise<void> {
  await pushHandle(client, planId, tenant).cancel();
}
