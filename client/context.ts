import { Client, Connection } from '@temporalio/client';
import { loadPayloadCodec } from '../common/codec-keys';
import { dataConverterFor } from '../common/data-converter';
import type { SharedSettings } from '../common/settings';
import { connectToTemporal, TEMPORAL_CONNECT_TIMEOUT_MS } from '../common/temporal';
import { createStores, type StoresSettings } from '../stores/create-stores';
import type { DiffStore } from '../stores/diff-store';
import type { PlanStore } from '../stores/plan-store';
import type { ResultStore } from '../stores/result-store';

/** What every client call needs: the Temporal client, the stores the workers share, and the workflows' task queue. */
export interface PushContext {
  client: Client;
  plans: PlanStore;
  results: ResultStore;
  /** Where dry runs (`wfm-push diff`) keep their schedule diffs. */
  diffs: DiffStore;
  taskQueue: string;
}

/**
 * The stores and task queue the settings name, reached through `client`. `close()` closes the stores (a PostgreSQL
 * pool), not `client`, which stays the caller's.
 */
export function pushContext(
  client: Client,
  settings: StoresSettings & Pick<SharedSettings, 'taskQueue'>,
): PushContext & { close(): Promise<void> } {
  const { plans, results, diffs, close } = createStores(settings);
  return { client, plans, results, diffs, taskQueue: settings.taskQueue, close };
}

/**
 * A push context for the settings (Temporal connection, stores, task queue, payload encryption); close it when done
 * (its Temporal connection and its stores). `onKeyGenerated` hears of a payload key generated into the data folder on
 * first use.
 */
export async function openPushContext(
  settings: SharedSettings,
  onKeyGenerated?: (file: string) => void,
): Promise<PushContext & { close(): Promise<void> }> {
  // Temporal first: a wrong address is named before anything is written (a payload key generated on first use).
  const connection = await connectToTemporal(settings.temporal, () =>
    Connection.connect({
      ...settings.temporal.connectionOptions,
      connectTimeout: TEMPORAL_CONNECT_TIMEOUT_MS,
    }),
  );
  let codec;
  try {
    codec = await loadPayloadCodec(settings, onKeyGenerated);
  } catch (err) {
    await connection.close();
    throw err;
  }
  // With tracing on, a push's trace starts at its start call (StartWorkflow:bulkPush), in the process's tracer.
  const tracing = settings.tracing && (await import('@temporalio/interceptors-opentelemetry'));
  const client = new Client({
    connection,
    namespace: settings.temporal.namespace,
    dataConverter: dataConverterFor(codec),
    ...(tracing && { interceptors: { workflow: [new tracing.OpenTelemetryWorkflowClientInterceptor()] } }),
  });
  const ctx = pushContext(client, settings);
  return {
    ...ctx,
    close: async () => {
      try {
        await ctx.close();
      } finally {
        await connection.close();
      }
    },
  };
}

/** Runs `fn` with a push context for the settings and always closes its connection and stores. */
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
