import { Client, Connection } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { bundleWorkflowCode, NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities } from '../activities/create-activities';
import { loadPayloadCodec } from '../common/codec-keys';
import { dataConverterFor } from '../common/data-converter';
import { createLogger, type Logger } from '../common/logger';
import { connectToTemporal, TEMPORAL_CONNECT_TIMEOUT_MS } from '../common/temporal';
import { httpTaskQueueFor } from '../model/names';
import { HEARTBEAT_EVERY_MS } from '../model/timeouts';
import { createStores, type Stores } from '../stores/create-stores';
import { FailureType } from '../model/failures';
import { createWfm } from '../wfm/create-wfm';
import { TenantWfms } from '../wfm/tenant-wfms';
import { createWorkerMetrics } from './metrics';
import { TenantSyncWorkers } from './tenant-sync-workers';
import { startMetricsServer, type MetricsServer } from './metrics-server';
import type { Tracing } from '../common/tracing';
import type { WfmPort } from '../wfm/port';
import { wfmLocation, type WfmSettings } from '../wfm/settings';
import type { TenantSettings } from '../wfm/tenants';
import type { WorkerSettings } from './settings';
import { OutboundPolicy } from '../wfm/url-policy';

export interface RunningWorkers {
  /** Resolves when both workers have stopped; rejects if one fails. */
  done: Promise<void>;
  shutdown(): Promise<void>;
  /** `http://host:port/metrics` when `settings.metricsAddress` is set. */
  metricsUrl?: string;
  /** What the check of the WFM at start found (with `checkWfm`): one line, and whether it reached the WFM. */
  wfmCheck?: Promise<{ reached: boolean; line: string }>;
  /**
   * Serves these tenants from now on (WFM_TENANTS_FILE read again, see `TenantWfms.reload`); logs what changed. An
   * added tenant's sync worker starts, and one whose `maxSyncs` changed is replaced, in the background (`tenantSlots`
   * resolves once they run).
   */
  reloadTenants(
    tenants: TenantSettings,
    trigger?: string,
  ): { added: string[]; removed: string[]; changed: string[] };
  /** The sync slots of each tenant's worker once the last reload's workers run (tenant → slots). */
  tenantSlots(): Promise<Record<string, number>>;
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
  /**
   * The Temporal SDK runtime's own Prometheus endpoint (`Runtime.install` with `telemetryOptions.metrics.prometheus`,
   * which only the process entry can do): `/metrics` serves its metrics after the worker's. Default none.
   */
  sdkMetricsUrl?: string;
  /**
   * Once running, check that the WFM answers and takes the credentials (one request) and log what was found. Never
   * stops the worker: a WFM that is down for a while only delays the pushes. Default false (tests count requests).
   */
  checkWfm?: boolean;
  /** Wraps the WFM port the settings name (tests inject faults of this worker's own making). Default: none. */
  wrapWfm?: (wfm: WfmPort) => WfmPort;
  /**
   * Tracing, started by the process entry when an OTLP endpoint is set (`startTracing`): the Temporal interceptors on
   * both workers and the activities' client, the workflow span sink, and a span per WFM request. A pre-built
   * `workflowBundle` must hold the workflow interceptors (`bundleWorkflows({ tracing: true })`). Default: off, and
   * none of it is loaded.
   */
  tracing?: Tracing;
  /** Wraps each tenant's WFM port as it is built (tests count what each tenant sends). Default: none. */
  wrapTenantWfm?: (wfm: WfmPort, tenant: string) => WfmPort;
}

/**
 * The workflows as the worker runs them; with `tracing`, with the OpenTelemetry workflow interceptors inside (a bundle
 * holds its interceptors: the worker's own `interceptors.workflowModules` do not reach a pre-built bundle).
 */
export async function bundleWorkflows({
  logger,
  failureConverterPath,
  tracing = false,
}: {
  logger: Logger;
  failureConverterPath?: string;
  tracing?: boolean;
}): Promise<NonNullable<WorkerOptions['workflowBundle']>> {
  const workflowInterceptorModules = tracing ? [(await import('./tracing')).WORKFLOW_TRACING_MODULE] : [];
  return bundleWorkflowCode({
    workflowsPath: require.resolve('../workflows'),
    failureConverterPath,
    workflowInterceptorModules,
    // Webpack's report (every module bundled) is for whoever debugs the bundle, not the worker's first lines.
    logger: demotedToDebug(logger),
  });
}

/**
 * Two workers in one process: one runs workflows on the push's task queue, one runs the WFM activities on the HTTP
 * queue, where concurrency and the rate limit are set for the whole WFM.
 */
export async function startWorkers(options: StartWorkersOptions): Promise<RunningWorkers> {
  const { settings } = options;
  const logger =
    options.logger ?? createLogger(settings.logLevel, { role: 'worker', taskQueue: settings.taskQueue });
  // The store first: a worker that cannot reach it, or whose schema it cannot bring up to date, stops here.
  const stores = createStores(settings, {
    onPoolError: (err) =>
      logger.warn('the store lost an idle connection; the pool opens another', { err: err.message }),
  });
  try {
    const applied = await stores.prepare();
    if (applied.length > 0) logger.info('store schema migrated', { store: stores.description, applied });
    return await startWithStores(stores, { ...options, logger });
  } catch (err) {
    await stores.close();
    throw err;
  }
}

async function startWithStores(
  stores: Stores,
  {
    settings,
    connection,
    workflowBundle,
    client,
    sdkMetricsUrl,
    checkWfm,
    logger,
    wrapWfm,
    tracing,
    wrapTenantWfm,
  }: StartWorkersOptions & { logger: Logger },
): Promise<RunningWorkers> {
  // Loaded only with tracing on: without it the workers carry no interceptor and no sink of OpenTelemetry's.
  const traced = tracing && (await import('./tracing')).workerTracing(tracing);
  const ownConnection = connection === undefined;
  // A Temporal service that does not answer is a setting to fix (exit 2, the address named), not a transport error.
  const conn =
    connection ??
    (await connectToTemporal(settings.temporal, () =>
      NativeConnection.connect(settings.temporal.connectionOptions),
    ));
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
      connection: await connectToTemporal(settings.temporal, () =>
        Connection.connect({
          ...settings.temporal.connectionOptions,
          connectTimeout: TEMPORAL_CONNECT_TIMEOUT_MS,
        }),
      ),
      namespace,
      dataConverter,
      ...(traced && { interceptors: traced.clientInterceptors }),
    });
  const rate = settings.wfm.rateLimitPerSecond;
  // Off unless WFM_PUSH_METRICS_ADDRESS is set: then every WFM request, pause, sync and outcome is counted.
  const metrics = settings.metricsAddress === undefined ? undefined : createWorkerMetrics();
  const built = createWfm(settings.wfm, logger, metrics?.wfm, tracing?.tracer);
  const wfm = wrapWfm ? wrapWfm(built) : built;
  // Refilled on reload: inline plans are checked against the tenants served now.
  const tenantStyles =
    settings.tenantsFile === undefined ? undefined : new Map<string, WfmSettings['apiStyle']>();
  const styleTenants = (from: TenantSettings) => {
    tenantStyles?.clear();
    for (const [id, t] of from) tenantStyles?.set(id, t.apiStyle);
  };
  styleTenants(settings.tenants);
  // Each tenant's WFM apart (its own adapter, tokens, rate control, channel), built when a plan first names it.
  const tenants = new TenantWfms({
    defaultWfm: wfm,
    tenants: settings.tenants,
    logger,
    metricsFor: metrics?.wfmFor,
    wrap: wrapTenantWfm,
  });
  if (settings.tenants.size > 0)
    logger.info(`serving ${settings.tenants.size} tenant(s) from WFM_TENANTS_FILE`, {
      tenants: [...settings.tenants.keys()],
    });
  const { workflowQueue, httpQueue } = createActivities({
    wfm,
    wfmFor: (tenant) => tenants.portFor(tenant),
    tenantStyles,
    maxSchedulesInFlightOf: (tenant) => tenants.maxSchedulesInFlightOf(tenant),
    temporal,
    plans: stores.plans,
    results: stores.results,
    diffs: stores.diffs,
    maxAgentsPerWrite: settings.maxAgentsPerWrite,
    apiStyle: settings.apiStyle,
    metrics: metrics?.push,
    notifyPolicy: new OutboundPolicy({
      allowInsecureHttp: settings.wfm.outbound.allowInsecureHttp,
      allowPrivateHosts: settings.wfm.outbound.allowPrivateHosts,
    }),
  });
  const queue = settings.taskQueue;
  const versioning = deploymentOptions(settings);
  // Each heartbeat goes to the server when the activity sends it, not up to 0.8 × the timeout later: the server sees a
  // beat every HEARTBEAT_EVERY_MS, so the heartbeat timeout can be short and still leave room for missed beats.
  const maxHeartbeatThrottleInterval = HEARTBEAT_EVERY_MS;
  const workflowWorker = await Worker.create({
    connection: conn,
    namespace,
    taskQueue: queue,
    dataConverter,
    workflowBundle:
      workflowBundle ??
      (await bundleWorkflows({
        logger,
        failureConverterPath: dataConverter?.failureConverterPath,
        tracing: traced !== undefined,
      })),
    ...(traced && { interceptors: traced.interceptors, sinks: traced.sinks }),
    ...versioning,
    maxHeartbeatThrottleInterval,
    // The workflow queue also runs the store activities and the notices (no WFM calls, so no WFM rate limit).
    activities: workflowQueue,
  });
  // What every worker of the WFM calls shares: the HTTP queue's and each tenant's (TenantSyncWorkers).
  const syncWorkerBase = {
    connection: conn,
    namespace,
    dataConverter,
    activities: httpQueue,
    ...(traced && { interceptors: traced.interceptors }),
    // In the same version as the workflows: a pinned push's WFM calls run on the build that started it too.
    ...versioning,
    maxHeartbeatThrottleInterval,
  };
  const httpWorker = await Worker.create({
    ...syncWorkerBase,
    taskQueue: httpTaskQueueFor(queue),
    maxConcurrentActivityTaskExecutions: settings.maxConcurrentRequests,
    // With a configured ceiling, the whole task queue admits syncs (at least two requests: read, write) at half of
    // it across every worker; each worker's rate controller keeps its own requests under it too.
    maxTaskQueueActivitiesPerSecond: rate === undefined ? undefined : rate / 2,
  });
  // Each tenant's syncs on a queue of its own, run by a worker of its own with its own slots (see TenantSyncWorkers).
  const tenantWorkers = new TenantSyncWorkers({
    taskQueue: queue,
    base: syncWorkerBase,
    defaultMaxSyncs: settings.tenantMaxSyncs,
    logger,
  });
  try {
    await tenantWorkers.apply(settings.tenants);
  } catch (err) {
    await tenantWorkers.shutdown();
    throw err;
  }
  let tenantsApplied: Promise<unknown> = Promise.resolve();
  let server: MetricsServer | undefined;
  if (metrics && settings.metricsAddress !== undefined) {
    server = await startMetricsServer({
      address: settings.metricsAddress,
      registry: metrics.registry,
      sdkMetricsUrl,
    });
    logger.info(`metrics at ${server.url}`, {
      metricsUrl: server.url,
      sdkMetrics: sdkMetricsUrl !== undefined,
    });
  }
  // A tenant's worker failing ends the process's workers as the other two would.
  const running = Promise.race([
    Promise.all([workflowWorker.run(), httpWorker.run()]),
    tenantWorkers.failure,
  ]).finally(() => tenantWorkers.shutdown());
  // Served until both workers have stopped, so the last scrape sees the final counts of a graceful shutdown.
  const done = running
    .finally(() => server?.close())
    .then(async () => {
      // The adapter's own connections (Genesys: the notification socket) close once no activity can use them.
      await built.close?.();
      await tenants.close();
      // Every activity has ended, so no store call is in flight.
      await stores.close();
      if (ownConnection) await conn.close();
      if (ownClient) await temporal.connection.close();
    });
  return {
    done,
    metricsUrl: server?.url,
    ...(checkWfm ? { wfmCheck: checkWfmReach(wfm, settings, logger) } : {}),
    reloadTenants: (next, trigger) => {
      const changes = tenants.reload(next);
      styleTenants(next);
      logger.info('tenants reloaded from WFM_TENANTS_FILE', {
        ...changes,
        tenants: [...next.keys()],
        ...(trigger === undefined ? {} : { trigger }),
      });
      tenantsApplied = tenantsApplied
        .then(() => tenantWorkers.apply(next))
        .then(({ resized }) => {
          if (resized.length > 0)
            logger.info("tenants' sync slots changed", { resized, slots: tenantWorkers.slots() });
        })
        .catch((err: unknown) =>
          logger.error("a tenant's sync worker did not start; its syncs wait until one does", {
            err: err instanceof Error ? err.message : String(err),
          }),
        );
      return changes;
    },
    tenantSlots: async () => {
      await tenantsApplied;
      return tenantWorkers.slots();
    },
    shutdown: async () => {
      for (const w of [workflowWorker, httpWorker]) if (w.getState() === 'RUNNING') w.shutdown();
      await tenantWorkers.shutdown();
      await done;
    },
  };
}

/**
 * Worker Versioning, when the settings name a deployment: every workflow this worker runs is PINNED, so a push (its
 * children, its continued runs, its notice) ends on the build that started it while new pushes go to the version
 * made current; the old workers keep running until their version is drained (docs/deployment.md).
 */
function deploymentOptions(settings: WorkerSettings): Pick<WorkerOptions, 'workerDeploymentOptions'> {
  if (!settings.deployment) return {};
  return {
    workerDeploymentOptions: {
      version: settings.deployment,
      useWorkerVersioning: true,
      defaultVersioningBehavior: 'PINNED',
    },
  };
}

/** The WFM check at start, logged: reached, or what stands in the way and which setting to look at. */
async function checkWfmReach(
  wfm: WfmPort,
  settings: WorkerSettings,
  logger: Logger,
): Promise<{ reached: boolean; line: string }> {
  if (!wfm.checkReach) return { reached: true, line: 'WFM not checked (the adapter has no check)' };
  try {
    const found = await wfm.checkReach();
    logger.info(`WFM reached: ${found}`, { wfm: wfmLocation(settings.wfm) });
    return { reached: true, line: `WFM reached: ${found}` };
  } catch (err) {
    const failure = err instanceof ApplicationFailure ? err : undefined;
    const genesys = settings.apiStyle === 'genesys';
    const look =
      failure?.type === FailureType.Unauthorized || failure?.type === FailureType.Rejected
        ? genesys
          ? "GENESYS_CLIENT_ID and GENESYS_CLIENT_SECRET (and the OAuth client's roles)"
          : 'WFM_TOKEN'
        : genesys
          ? 'GENESYS_REGION (or WFM_BASE_URL and WFM_LOGIN_URL)'
          : 'WFM_BASE_URL';
    const what = err instanceof Error ? err.message : String(err);
    const line = `WFM NOT reached at start: ${what}. The worker runs; pushes retry until the WFM answers. If a setting is wrong, check ${look} and restart.`;
    logger.warn(line, { wfm: wfmLocation(settings.wfm), type: failure?.type });
    return { reached: false, line };
  }
}

/** `logger` with its info lines at debug (what the bundler reports at info). */
function demotedToDebug(logger: Logger): Logger {
  return { ...logger, info: (message, meta) => logger.debug(message, meta) };
}
