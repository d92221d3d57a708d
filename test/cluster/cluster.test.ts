import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bulkPushWorkflowId } from '../../model/names';
import type { PushReport } from '../../model/report';
import { pushProgress } from '../../client/push-client';
import { startCliProcess, type Service } from '../../dev/processes';
import { startTemporalCluster, type TemporalCluster } from '../infra/temporal-cluster';
import { CODEC_KEYS, Harness } from '../support/harness';
import { storesOn } from '../support/postgres-store';
import { runCli } from '../support/run-cli';
import { waitUntil } from '../support/wait-until';

/** The demo's faults: the field report's 15 % conflicts and a planner editing some agent every 50 ms. */
const CONFLICTS = { conflictRate: 0.15, noiseMs: 50, latencyMs: 20, latencyJitterMs: 20 };
const SCHEDULES = 200;

/**
 * The production shape, on one machine: a Temporal cluster (frontend, history, matching and worker as processes of
 * their own on PostgreSQL), plan and results in PostgreSQL (WFM_PUSH_STORE), two `wfm-push worker` processes and the
 * `wfm-push` client, each in a working directory of its own with no folder shared. The simulator's commit log proves
 * the invariants.
 */
describe('on a Temporal cluster, two worker processes, the PostgreSQL store', () => {
  let cluster: TemporalCluster;
  let h: Harness;
  let stores: ReturnType<typeof storesOn>;
  const processes: Service[] = [];

  beforeAll(async () => {
    // The first run on a machine builds the server from the Go module proxy (about 8 minutes on 2 cores).
    cluster = await startTemporalCluster({
      dir: path.join(process.env.WFM_PUSH_TEST_DIR ?? os.tmpdir(), 'cluster'), // logs kept with the run's
      cliPath: process.env.TEMPORAL_CLI_PATH,
      log: (line) => process.stderr.write(`${line}\n`),
    });
    stores = storesOn(cluster.postgres); // the store beside Temporal's databases, as in deploy/compose.yaml
    h = await Harness.create(cluster.address);
  }, 20 * 60_000);
  afterEach(async () => {
    await Promise.all(processes.splice(0).map((p) => p.stop(5_000)));
    await h?.afterEach();
  });
  afterAll(async () => {
    await h?.teardown();
    await cluster?.stop();
  });

  /** A 200-schedule plan, its simulator, and a working directory each for the client and two workers. */
  async function setUp(name: string) {
    const { plan, simulator, queue } = await h.scenario(name, {
      schedules: SCHEDULES,
      simulator: CONFLICTS,
      startWorkers: false,
    });
    const root = path.join(h.dataDir, name);
    const dirs = {
      client: path.join(root, 'client'),
      a: path.join(root, 'worker-a'),
      b: path.join(root, 'worker-b'),
    };
    for (const dir of Object.values(dirs)) mkdirSync(dir, { recursive: true });
    const storeUrl = await stores.freshStoreUrl(name);
    const env = {
      ...process.env,
      // Not the run's dev server, and no data folder: every process finds plan and results in PostgreSQL.
      TEMPORAL_ADDRESS: cluster.address,
      WFM_PUSH_DATA_DIR: undefined,
      WFM_PUSH_STORE: storeUrl,
      WFM_PUSH_TASK_QUEUE: queue,
      WFM_PUSH_CODEC_KEYS: CODEC_KEYS,
      WFM_BASE_URL: simulator.url,
    };
    const startWorker = (id: 'a' | 'b') => {
      const logFile = path.join(root, `worker-${id}.log`); // beside, not inside, its working directory
      const worker = startCliProcess(`worker-${id}`, ['worker'], env, logFile, { cwd: dirs[id] });
      processes.push(worker);
      return worker;
    };
    /** `wfm-push <args>` as a person types it in the client's directory; exit code 0 or the test fails. */
    const client = async (args: string[]) => {
      const run = await runCli(args, env, 120_000, dirs.client);
      if (run.code !== 0) throw new Error(`wfm-push ${args.join(' ')} exited ${run.code}: ${run.stderr}`);
      return run.stdout;
    };
    const planFile = path.join(dirs.client, 'plan.json');
    writeFileSync(planFile, JSON.stringify(plan));
    const push = () => client(['push', 'plan.json', '--json']);
    /** Waits until at least `atLeast` schedules are done, and returns how many are. */
    const done = (atLeast: number) =>
      waitUntil(
        `${atLeast} schedules are done`,
        async () => {
          const count = (await pushProgress(h.client, plan.planId))?.totals.schedulesDone ?? 0;
          return count >= atLeast && count;
        },
        120_000,
        250,
      );
    const finished = async (): Promise<PushReport> => {
      await h.client.workflow.getHandle(bulkPushWorkflowId(plan.planId)).result();
      return JSON.parse(await client(['report', plan.planId, '--json'])) as PushReport;
    };
    return { plan, simulator, dirs, startWorker, push, done, finished };
  }

  const complete = {
    state: 'completed',
    totals: { schedules: SCHEDULES, schedulesDone: SCHEDULES, schedulesFailed: 0, agentsFailed: 0 },
  };

  it('two workers on separate working directories land a 200-schedule push with conflicts; the report is complete', async () => {
    const { plan, simulator, dirs, startWorker, push, finished } = await setUp('two-workers');
    startWorker('a');
    startWorker('b');
    await push();
    const report = await finished();

    expect(report).toMatchObject(complete);
    expect(report.schedules).toHaveLength(SCHEDULES);
    expect(report.totals.conflicts).toBeGreaterThan(0); // the conflicts were there, and were rebased away
    expect(await h.violations(simulator.api, plan, report)).toEqual([]);
    const clients = new Set((await simulator.api.requests()).map((r) => r.client));
    expect(clients.size).toBe(2); // both workers wrote
    // Nothing on local disk: the plan and every result went through PostgreSQL.
    expect([dirs.a, dirs.b].map((dir) => readdirSync(dir))).toEqual([[], []]);
  });

  it('a worker SIGKILLed mid-push: the other finishes the push and the invariants hold', async () => {
    const { plan, simulator, startWorker, push, done, finished } = await setUp('worker-killed');
    const doomed = startWorker('a');
    startWorker('b');
    await push();
    expect(await done(SCHEDULES / 4)).toBeLessThan(SCHEDULES); // mid-push, not after it
    const writers = async () => new Set((await simulator.api.requests()).map((r) => r.client));
    expect([...(await writers())].join()).toContain(`:${doomed.pid})`); // it had work when it died
    process.kill(-doomed.pid, 'SIGKILL');
    await doomed.exited;
    const report = await finished();

    expect(report).toMatchObject(complete);
    expect(await h.violations(simulator.api, plan, report)).toEqual([]);
  });

  it('the history service killed and restarted mid-push: the push completes, nothing applied twice', async () => {
    const { plan, simulator, startWorker, push, done, finished } = await setUp('history-restart');
    startWorker('a');
    startWorker('b');
    await push();
    expect(await done(SCHEDULES / 4)).toBeLessThan(SCHEDULES); // mid-push, not after it
    await cluster.killService('history');
    await cluster.startService('history');
    const report = await finished();

    expect(report).toMatchObject(complete);
    // Among the invariants: no planned change applied twice, although writes were in flight when history died.
    expect(await h.violations(simulator.api, plan, report)).toEqual([]);
  });
});
