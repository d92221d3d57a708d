import type { Client } from '@temporalio/client';
import { LocalPlanStore } from '../activities/plan-store';
import { LocalResultStore } from '../activities/result-store';
import {
  parseEnv,
  plansFolder,
  resultsFolder,
  sharedSettingsSchema,
  type SharedSettings,
} from '../config/env';
import { connectClient } from '../config/temporal';
import type { PushContext } from './push-client';

/** The stores and task queue the settings name, reached through `client`. */
export function pushContext(client: Client, settings: SharedSettings): PushContext {
  return {
    client,
    plans: new LocalPlanStore(plansFolder(settings)),
    results: new LocalResultStore(resultsFolder(settings)),
    taskQueue: settings.WFM_PUSH_TASK_QUEUE,
  };
}

/** A push context from the environment (Temporal connection, data folder, task queue); close it when done. */
export async function openPushContext(
  settings: SharedSettings = parseEnv(sharedSettingsSchema),
): Promise<PushContext & { close(): Promise<void> }> {
  const client = await connectClient();
  return { ...pushContext(client, settings), close: () => client.connection.close() };
}

/** Runs `fn` with a push context from the environment and always closes the connection. */
export async function withPushContext<T>(fn: (ctx: PushContext) => Promise<T>): Promise<T> {
  const ctx = await openPushContext();
  try {
    return await fn(ctx);
  } finally {
    await ctx.close();
  }
}
