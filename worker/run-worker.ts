import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { plansFolder, resultsFolder } from '../config/env';
import { temporalConnectConfig } from '../config/temporal';
import { createActivities } from '../activities/create-activities';
import { RequestPacer } from '../activities/pacer';
import { LocalPlanStore } from '../activities/plan-store';
import { LocalResultStore } from '../activities/result-store';
import { RestWfmAdapter, staticToken } from '../activities/rest-adapter';
import { httpTaskQueueFor } from '../model/names';
import type { WorkerSettings } from './config';

export interface RunningWorkers {
  /** Resolves when both workers have stopped; rejects if one fails. */
  done: Promise<void>;
  shutdown(): Promise<void>;
}

export interface StartWorkersOptions {
  settings: WorkerSettings;
  /** Use an open connection (tests); by default one is made from the Temporal environment settings. */
  connection?: NativeConnection;
  namespace?: string;
  /** A pre-built workflow bundle (tests bundle once per file); by default the workflows are bundled at start. */
  workflowBundle?: WorkerOptions['workflowBundle'];
}

/**
 * Two workers in one process: one runs workflows on the push's task queue, one runs the WFM activities on the HTTP
 * queue, where concurrency and the rate limit are set for the whole WFM.
 */
export async function startWorkers({
  settings,
  connection,
  namespace,
  workflowBundle,
}: StartWorkersOptions): Promise<RunningWorkers> {
  const ownConnection = connection === undefined;
  const config = temporalConnectConfig();
  const conn = connection ?? (await NativeConnection.connect(config.connectionOptions));
  const ns = namespace ?? config.namespace;
  const rate = settings.WFM_RATE_LIMIT_PER_SECOND;
  const activities = createActivities({
    wfm: new RestWfmAdapter({
      baseUrl: settings.WFM_BASE_URL,
      tokens: staticToken(settings.WFM_TOKEN),
      versionIn: settings.WFM_VERSION_IN,
      requestTimeoutMs: settings.WFM_REQUEST_TIMEOUT_MS,
      pacer: rate === undefined ? undefined : new RequestPacer({ ratePerSecond: rate }),
    }),
    plans: new LocalPlanStore(plansFolder(settings)),
    results: new LocalResultStore(resultsFolder(settings)),
    maxAgentsPerWrite: settings.WFM_MAX_AGENTS_PER_WRITE,
  });
  const queue = settings.WFM_PUSH_TASK_QUEUE;
  const workflowWorker = await Worker.create({
    connection: conn,
    namespace: ns,
    taskQueue: queue,
    ...(workflowBundle ? { workflowBundle } : { workflowsPath: require.resolve('../workflows') }),
    // The workflow queue also runs the store activities (no WFM calls, so no rate limit).
    activities: {
      listPlanSchedules: activities.listPlanSchedules,
      recordScheduleResult: activities.recordScheduleResult,
    },
  });
  const httpWorker = await Worker.create({
    connection: conn,
    namespace: ns,
    taskQueue: httpTaskQueueFor(queue),
    activities,
    maxConcurrentActivityTaskExecutions: settings.WFM_MAX_CONCURRENT_REQUESTS,
    // A sync is at least two requests (read, write); the pacer catches what conflicts and chunks add.
    maxTaskQueueActivitiesPerSecond: rate === undefined ? undefined : rate / 2,
  });
  const done = Promise.all([workflowWorker.run(), httpWorker.run()]).then(async () => {
    if (ownConnection) await conn.close();
  });
  return {
    done,
    shutdown: async () => {
      for (const w of [workflowWorker, httpWorker]) if (w.getState() === 'RUNNING') w.shutdown();
      await done;
    },
  };
}
