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

/** A push context from the environment (Temporal connection, data folder, task queue); close it when done. */
export async function openPushContext(
  settings: SharedSettings = parseEnv(sharedSettingsSchema),
): Promise<PushContext & { close(): Promise<void> }> {
  const client = await connectClient();
  return {
    client,
    plans: new LocalPlanStore(plansFolder(settings)),
    results: new LocalResultStore(resultsFolder(settings)),
    taskQueue: settings.WFM_PUSH_TASK_QUEUE,
    close: () => client.connection.close(),
  };
}

/** Runs `fn` with a push context and always closes the connection. */
export async function withPushContext<T>(fn: (ctx: PushContext) => Promise<T>): Promise<T> {
  const settings = parseEnv(sharedSettingsSchema);
  const ctx = await openPushContext(settings);
  try {
    return await fn(ctx);
  } finally {
    await ctx.close();
  }
}
