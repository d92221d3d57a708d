import { Client, Connection } from '@temporalio/client';
import type { SharedSettings } from '../common/settings';
import { createStores } from '../stores/create-stores';
import type { PushContext } from './push-client';

/** The stores and task queue the settings name, reached through `client`. */
export function pushContext(
  client: Client,
  settings: Pick<SharedSettings, 'dataDir' | 'taskQueue'>,
): PushContext {
  return { client, ...createStores(settings), taskQueue: settings.taskQueue };
}

/** A push context for the settings (Temporal connection, data folder, task queue); close it when done. */
export async function openPushContext(
  settings: SharedSettings,
): Promise<PushContext & { close(): Promise<void> }> {
  const connection = await Connection.connect(settings.temporal.connectionOptions);
  const client = new Client({ connection, namespace: settings.temporal.namespace });
  return { ...pushContext(client, settings), close: () => connection.close() };
}

/** Runs `fn` with a push context for the settings and always closes the connection. */
export async function withPushContext<T>(
  settings: SharedSettings,
  fn: (ctx: PushContext) => Promise<T>,
): Promise<T> {
  const ctx = await openPushContext(settings);
  try {
    return await fn(ctx);
  } finally {
    await ctx.close();
  }
}
