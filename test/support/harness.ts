import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import {
  bundleWorkflowCode,
  DefaultLogger,
  NativeConnection,
  Runtime,
  type WorkflowBundleWithSourceMap,
} from '@temporalio/worker';
import type { Plan } from '../../model/plan';
import type { PushReport } from '../../model/report';
import { pushContext } from '../../client/context';
import { submitPush, waitForReport, type PushContext, type SubmitOptions } from '../../client/push-client';
import { checkInvariants, type Violation } from '../../dev/invariants';
import { generateSample } from '../../dev/sample';
import type { SimulatorOptionsInput } from '../../dev/simulator/options';
import type { ScheduleDocument } from '../../wfm/rest/schedule-document';
import { listen, type RunningSimulator } from '../../dev/simulator/server';
import { SimulatorClient } from '../../dev/simulator/sim-client';
import { WfmSimulator } from '../../dev/simulator/wfm-simulator';
import { AesGcmCodec, newCodecKeyLine, parseCodecKeys } from '../../common/codec';
import { dataConverterFor, FAILURE_CONVERTER_PATH } from '../../common/data-converter';
import { createLogger, type Logger } from '../../common/logger';
import type { StoreSettings } from '../../common/store-settings';
import { loadWorkerSettings, type WorkerSettings } from '../../worker/settings';
import { startWorkers, type RunningWorkers, type StartWorkersOptions } from '../../worker/run-worker';

let runtimeInstalled = false;

/** The payload key of this test run (WFM_PUSH_CODEC_KEYS form). */
export const CODEC_KEYS = newCodecKeyLine();

/**
 * A client on `connection` that encrypts as the harness's workers and CLI processes do (payloads encrypted as in
 * production, all with CODEC_KEYS).
 */
export function clientOn(connection: Connection): Client {
  return new Client({
    connection,
    dataConverter: dataConverterFor(new AesGcmCodec(parseCodecKeys(CODEC_KEYS, 'test'))),
  });
}

export interface ScenarioOptions {
  schedules: number;
  /** Planned agents over all schedules. Default 5 per schedule. */
  agents?: number;
  simulator?: SimulatorOptionsInput;
  /** Worker settings (environment variables) for the in-process workers. */
  worker?: NodeJS.ProcessEnv;
  /** Indexes of schedules the simulator does not hold (they fail with 404). */
  omit?: number[];
  /** Default true; false when the test runs workers as processes of their own. */
  startWorkers?: boolean;
  /**
   * A WFM_PUSH_STORE value (e.g. `StoreCluster.freshStoreUrl()`) for the workers, the scenario's `env` and `ctx`.
   * Default: the harness's data folder.
   */
  store?: string;
}

/**
 * A run-unique ID for schedules and plans: child workflow IDs derive from schedule IDs, and the dev server outlives
 * each test.
 */
export function uniqueId(name: string): string {
  return `${name}-${randomUUID().slice(0, 6)}`;
}

/**
 * What an integration test needs: the run's real Temporal dev server, a workflow bundle built once per file, and
 * per test a simulator on a free port and workers on a task queue of its own.
 */
export class Harness {
  private bundle: WorkflowBundleWithSourceMap | undefined;
  private readonly cleanups: Array<() => Promise<void>> = [];
  readonly dataDir: string;

  private constructor(
    readonly client: Client,
    readonly nativeConnection: NativeConnection,
  ) {
    this.dataDir = mkdtempSync(path.join(process.env.WFM_PUSH_TEST_DIR ?? '/tmp', 'data-'));
  }

  /** @param address the Temporal server; default the run's shared dev server (TEMPORAL_ADDRESS, set by the global setup). */
  static async create(address = process.env.TEMPORAL_ADDRESS): Promise<Harness> {
    if (!runtimeInstalled) {
      // Tests provoke failing activities on purpose; their warnings would bury real errors in CI output.
      Runtime.install({ logger: new DefaultLogger('ERROR') });
      runtimeInstalled = true;
    }
    if (!address) throw new Error('TEMPORAL_ADDRESS is not set: the jest global setup starts the dev server');
    const connection = await Connection.connect({ address });
    return new Harness(clientOn(connection), await NativeConnection.connect({ address }));
  }

  /** A task queue no other test uses. */
  uniqueQueue(name: string): string {
    return `test-${name}-${randomUUID().slice(0, 8)}`;
  }

  async startSimulator(
    options: SimulatorOptionsInput,
    documents: ScheduleDocument[],
  ): Promise<RunningSimulator & { sim: WfmSimulator; api: SimulatorClient }> {
    const sim = new WfmSimulator(options);
    sim.store.seed(documents);
    const running = await listen(sim);
    this.cleanups.push(() => running.close());
    return { ...running, sim, api: new SimulatorClient(running.url) };
  }

  /**
   * A sample plan (run-unique IDs), a simulator seeded with its schedules (but those at `omit`), a task queue of its
   * own and, unless `startWorkers` is false, in-process workers on it.
   */
  async scenario(name: string, options: ScenarioOptions) {
    const id = uniqueId(name);
    const { documents, plan } = generateSample({
      schedules: options.schedules,
      agents: options.agents ?? options.schedules * 5,
      idPrefix: id,
      planId: id,
    });
    const omit = new Set(options.omit ?? []);
    const simulator = await this.startSimulator(
      options.simulator ?? {},
      documents.filter((_, i) => !omit.has(i)),
    );
    const queue = this.uniqueQueue(name);
    const storeEnv = options.store === undefined ? {} : { WFM_PUSH_STORE: options.store };
    const settings = this.settings(queue, simulator.url, { ...storeEnv, ...options.worker });
    if (options.startWorkers ?? true) await this.startWorkers(settings);
    /** What a worker or CLI process needs to join this scenario. */
    const env = {
      WFM_PUSH_TASK_QUEUE: queue,
      WFM_PUSH_DATA_DIR: this.dataDir,
      WFM_BASE_URL: simulator.url,
      WFM_PUSH_CODEC_KEYS: CODEC_KEYS,
      ...storeEnv,
    };
    const ctx = this.context(queue, options.store === undefined ? undefined : settings.store);
    return { plan, documents, simulator, queue, env, ctx };
  }

  settings(taskQueue: string, wfmBaseUrl: string, extra: NodeJS.ProcessEnv = {}): WorkerSettings {
    return loadWorkerSettings({
      WFM_PUSH_CODEC_KEYS: CODEC_KEYS,
      WFM_PUSH_TASK_QUEUE: taskQueue,
      WFM_BASE_URL: wfmBaseUrl,
      WFM_PUSH_DATA_DIR: this.dataDir,
      ...extra,
    });
  }

  async startWorkers(
    settings: WorkerSettings,
    logger?: Logger,
    options: Pick<StartWorkersOptions, 'wrapWfm'> = {},
  ): Promise<RunningWorkers> {
    this.bundle ??= await bundleWorkflowCode({
      workflowsPath: require.resolve('../../workflows'),
      failureConverterPath: FAILURE_CONVERTER_PATH,
      logger: new DefaultLogger('WARN'),
    });
    const workers = await startWorkers({
      settings,
      connection: this.nativeConnection,
      workflowBundle: this.bundle,
      // The shared client encrypts and refuses payloads in clear: a worker without encryption gets a client without a
      // codec on the same connection (its activities read other workflows' results, which it wrote in clear).
      client:
        settings.encryption === 'off'
          ? new Client({ connection: this.client.connection, namespace: this.client.options.namespace })
          : this.client,
      logger: logger ?? createLogger('warn'),
      ...options,
    });
    this.cleanups.push(() => workers.shutdown());
    return workers;
  }

  /** Submits a plan the way the CLI does and waits for its report. */
  async push(plan: Plan, taskQueue: string, options: SubmitOptions = {}): Promise<PushReport> {
    const ctx = this.context(taskQueue);
    await submitPush(ctx, plan, options);
    return waitForReport(ctx, plan.planId, undefined, undefined, plan.tenant);
  }

  /**
   * How the CLI reaches pushes: this harness's client and data folder, or `store` (its pool is closed after the
   * test).
   */
  context(taskQueue: string, store?: StoreSettings): PushContext {
    const ctx = pushContext(this.client, { dataDir: this.dataDir, taskQueue, store });
    if (store) this.cleanups.push(() => ctx.close());
    return ctx;
  }

  /** docs/design.md's invariants, checked against the simulator's commit log. */
  async violations(api: SimulatorClient, plan: Plan, report: PushReport): Promise<Violation[]> {
    const [initial, commits] = await Promise.all([api.initial(), api.commits()]);
    return checkInvariants({ plan, initial, commits, results: report.schedules });
  }

  /** Stops what the last test started (workers first, so nothing writes to a closed simulator). */
  async afterEach(): Promise<void> {
    for (const cleanup of this.cleanups.splice(0).reverse()) await cleanup();
  }

  async teardown(): Promise<void> {
    await this.afterEach();
    await this.nativeConnection.close();
    await this.client.connection.close();
  }
}
