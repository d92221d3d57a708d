import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities } from '../activities/create-activities';
import { loadPayloadCodec } from '../common/codec-keys';
import { dataConverterFor } from '../common/data-converter';
import { createLogger, type Logger } from '../common/logger';
import { httpTaskQueueFor } from '../model/names';
import { HEARTBEAT_EVERY_MS } from '../model/timeouts';
import { createStores, type Stores } from '../stores/create-stores';
import { createWfm } from '../wfm/create-wfm';
import type { WfmPort } from '../wfm/port';
import type { WorkerSettings } from './settings';
import { OutboundPolicy } from '../wfm/url-policy';

export interface RunningWorkers {
  /** Resolves when both workers have stopped; rejects if one fails. */
  done: Promise<void>;
  shutdown(): Promise<void>;
}

export interface StartWorkersOptions {
  settings: WorkerSettings;
  /** Use an open connection (tests); by default one is made from `settings.temporal`. */
  connection?: NativeConnection;
  /** A client for activities that wait on other workflows (tests pass theirs); by default made from the settings. */
  client?: Client;
  /** Where the worker logs (rate changes, capped pauses). Default: the process logger at the settings' level. */
  logger?: Logger;
  /** A pre-built workflow bundle (tests bundle once per file); by default the workflows are bundled at start. */
  workflowBundle?: WorkerOptions['workflowBundle'];
  /** Wraps the WFM port the settings name (tests inject faults of this worker's own making). Default: none. */
  wrapWfm?: (wfm: WfmPort) => WfmPort;
}

/**
 * Two workers in one process: one runs workflows on the push's task queue, one runs the WFM activities on the HTTP
 * queue, where concurrency and the rate limit are set for the whole WFM.
 */
export async function startWorkers({
  settings,
  connection,
  workflowBundle,
  client,
  logger = createLogger(settings.logLevel, { role: 'worker', taskQueue: settings.taskQueue }),
  wrapWfm,
}: StartWorkersOptions): Promise<RunningWorkers> {
  // The store first: a worker that cannot reach it, or whose schema it cannot bring up to date, stops here.
  const stores = createStores(settings, {
    onPoolError: (err) =>
      logger.warn('the store lost an idle connection; the pool opens another', { err: err.message }),
  });
  try {
    const applied = await stores.prepare();
    if (applied.length > 0) logger.info('store schema migrated', { store: stores.description, applied });
    return await startWithStores(stores, { settings, connection, workflowBundle, client, logger, wrapWfm });
  } catch (err) {
    await stores.close();
    throw err;
  }
}

async function startWithStores(
  stores: Stores,
  { settings, connection, workflowBundle, client, logger, wrapWfm }: StartWorkersOptions & { logger: Logger },
): Promise<RunningWorkers> {
  const ownConnection = connection === undefined;
  const conn = connection ?? (await NativeConnection.connect(settings.temporal.connectionOptions));
  const namespace = settings.temporal.namespace;
  const ownClient = client === undefined;
  const codec = await loadPayloadCodec(settings, (file) =>
    logger.warn(
      'generated a payload encryption key in the data folder; workers and clients on other hosts need it (WFM_PUSH_CODEC_KEYS or WFM_PUSH_CODEC_KEY_FILE)',
      { file },
    ),
  );
  if (!codec)
    logger.warn(
      'payload encryption is off (WFM_PUSH_ENCRYPTION=off): plans, schedules and failure messages reach Temporal in clear, and any client that reaches the Temporal frontend can start a push with this worker\u2019s WFM credentials',
      { taskQueue: settings.taskQueue },
    );
  const dataConverter = dataConverterFor(codec);
  const temporal =
    client ??
    new Client({
      connection: await Connection.connect(settings.temporal.connectionOptions),
      namespace,
      dataConverter,
    });
  const rate = settings.wfm.rateLimitPerSecond;
  const built = createWfm(settings.wfm, logger);
  const wfm = wrapWfm ? wrapWfm(built) : built;
  const { workflowQueue, httpQueue } = createActivities({
    wfm,
    temporal,
    plans: stores.plans,
    results: stores.results,
    diffs: stores.diffs,
    maxAgentsPerWrite: settings.maxAgentsPerWrite,
    apiStyle: settings.apiStyle,
    notifyPolicy: new OutboundPolicy({
      allowInsecureHttp: settings.wfm.outbound.allowInsecureHttp,
      allowPrivateHosts: settings.wfm.outbound.allowPrivateHosts,
    }),
  });
  const queue = settings.taskQueue;
  // Each heartbeat goes to the server when the activity sends it, not up to 0.8 × the timeout later: the server sees a
  // beat every HEARTBEAT_EVERY_MS, so the heartbeat timeout can be short and still leave room for missed beats.
  const maxHeartbeatThrottleInterval = HEARTBEAT_EVERY_MS;
  const workflowWorker = await Worker.create({
    connection: conn,
    namespace,
    taskQueue: queue,
    dataConverter,
    ...(workflowBundle ? { workflowBundle } : { workflowsPath: require.resolve('../workflows') }),
    maxHeartbeatThrottleInterval,
    // The workflow queue also runs the store activities and the notices (no WFM calls, so no WFM rate limit).
    activities: workflowQueue,
  });
  const httpWorker = await Worker.create({
    connection: conn,
    namespace,
    taskQueue: httpTaskQueueFor(queue),
    dataConverter,
    activities: httpQueue,
    maxHeartbeatThrottleInterval,
    maxConcurrentActivityTaskExecutions: settings.maxConcurrentRequests,
    // With a configured ceiling, the whole task queue admits syncs (at least two requests: read, write) at half of
    // it across every worker; each worker's rate controller keeps its own requests under it too.
    maxTaskQueueActivitiesPerSecond: rate === undefined ? undefined : rate / 2,
  });
  const done = Promise.all([workflowWorker.run(), httpWorker.run()]).then(async () => {
    // The adapter's own connections (Genesys: the notification socket) close once no activity can use them.
    await built.close?.();
    // Every activity has ended, so no store call is in flight.
    await stores.close();
    if (ownConnection) await conn.close();
    if (ownClient) await temporal.connection.close();
  });
  return {
    done,
    shutdown: async () => {
      for (const w of [workflowWorker, httpWorker]) if (w.getState() === 'RUNNING') w.shutdown();
      await done;
    },
  };
}
