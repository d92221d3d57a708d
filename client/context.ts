import { Client, Connection } from '@temporalio/client';
import { loadPayloadCodec } from '../common/codec-keys';
import { dataConverterFor } from '../common/data-converter';
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

/**
 * A push context for the settings (Temporal connection, data folder, task queue, payload encryption); close it when
 * done. `onKeyGenerated` hears of a payload key generated into the data folder on first use.
 */
export async function openPushContext(
  settings: SharedSettings,
  onKeyGenerated?: (file: string) => void,
): Promise<PushContext & { close(): Promise<void> }> {
  const codec = await loadPayloadCodec(settings, onKeyGenerated);
  const connection = await Connection.connect(settings.temporal.connectionOptions);
  const client = new Client({
    connection,
    namespace: settings.temporal.namespace,
    dataConverter: dataConverterFor(codec),
  });
  return { ...pushContext(client, settings), close: () => connection.close() };
}

/** Runs `fn` with a push context for the settings and always closes the connection. */
export async function withPushContext<T>(
  settings: SharedSettings,
  fn: (ctx: PushContext) => Promise<T>,
  onKeyGenerated?: (file: string) => void,
): Promise<T> {
  const ctx = await openPushContext(settings, onKeyGenerated);
  try {
    return await fn(ctx);
  } finally {
    await ctx.close();
  }
}
