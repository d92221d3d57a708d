import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client as PgClient } from 'pg';
import { startCliProcess, type Service } from '../../dev/processes';
import { submitPush, waitForReport } from '../../client/push-client';
import type { PushReport } from '../../model/report';
import { Harness } from '../support/harness';
import { startStoreCluster, type StoreCluster } from '../support/postgres-store';
import { runCli } from '../support/run-cli';

/**
 * The multi-host shape on one machine: worker and client processes that share no folder (each its own working
 * directory, no WFM_PUSH_DATA_DIR), only the PostgreSQL store, the Temporal server and the payload key.
 */
describe('a push on the PostgreSQL store, with no shared folder', () => {
  let h: Harness;
  let cluster: StoreCluster;
  const processes: Service[] = [];
  const logsDir = mkdtempSync(path.join(os.tmpdir(), 'pg-store-logs-'));
  const dirs = [logsDir];
  beforeAll(async () => {
    h = await Harness.create();
    cluster = await startStoreCluster();
  });
  afterEach(async () => {
    await Promise.all(processes.splice(0).map((p) => p.stop(10_000)));
    await h.afterEach();
  });
  afterAll(async () => {
    await h.teardown();
    await cluster.stop();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  /** A working directory of its own, as on another host. */
  const hostDir = (name: string) => {
    const dir = mkdtempSync(path.join(os.tmpdir(), `pg-${name}-`));
    dirs.push(dir);
    return dir;
  };

  function startWorker(name: string, env: NodeJS.ProcessEnv, cwd: string): Service {
    const worker = startCliProcess(
      name,
      ['worker'],
      { ...process.env, ...env },
      path.join(logsDir, `${name}.log`),
      { cwd },
    );
    processes.push(worker);
    return worker;
  }

  it('two workers and a client in three working directories push 40 schedules through conflicts; every report is complete', async () => {
    const url = await cluster.freshStoreUrl('push');
    const { plan, simulator, env } = await h.scenario('pg-push', {
      schedules: 40,
      agents: 200,
      simulator: { conflictRate: 0.3, latencyMs: 20 },
      startWorkers: false,
    });
    // The scenario's env names the harness's data folder: these processes get none, only the store.
    const shared = { ...env, WFM_PUSH_DATA_DIR: undefined, WFM_PUSH_STORE: url };
    const [workerA, workerB, client, reader] = ['worker-a', 'worker-b', 'client', 'reader'].map(hostDir);
    const a = startWorker('worker-a', shared, workerA!);
    const b = startWorker('worker-b', { ...shared, WFM_PUSH_LOG_LEVEL: 'debug' }, workerB!);
    writeFileSync(path.join(client!, 'plan.json'), JSON.stringify(plan));

    const run = await runCli(
      ['push', 'plan.json', '--wait', '--json'],
      { ...shared, WFM_PUSH_LOG_LEVEL: 'debug' },
      150_000,
      client,
    );
    expect(run.stderr).toContain(`Push ${plan.planId} started`);
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout) as PushReport;
    expect(report).toMatchObject({
      state: 'completed',
      totals: { schedules: 40, schedulesDone: 40, schedulesFailed: 0, agentsFailed: 0, agentsPlanned: 200 },
    });
    expect(report.schedules.map((s) => s.scheduleId).sort()).toEqual(
      plan.schedules.map((s) => s.scheduleId).sort(),
    );
    expect(report.totals.conflicts).toBeGreaterThan(0);
    expect(await h.violations(simulator.api, plan, report)).toEqual([]);

    // A fourth process, elsewhere, reads the same report from the store.
    const again = await runCli(['report', plan.planId, '--json'], shared, 60_000, reader);
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toEqual(report);

    // Nothing was kept in any working directory: the store is the database.
    expect(readdirSync(workerA!)).toEqual([]);
    expect(readdirSync(workerB!)).toEqual([]);
    expect(readdirSync(client!)).toEqual(['plan.json']);
    expect(readdirSync(reader!)).toEqual([]);
    const db = new PgClient({ connectionString: url });
    await db.connect();
    try {
      const count = async (sql: string) => Number((await db.query(sql)).rows[0].n);
      expect(await count('SELECT count(*) AS n FROM wfm_push.results')).toBe(40);
      expect(await count('SELECT count(*) AS n FROM wfm_push.manifests')).toBe(1);
      expect(await count('SELECT count(*) AS n FROM wfm_push.plan_schedules')).toBe(40);
    } finally {
      await db.end();
    }

    // Both workers stop cleanly (their pools closed), and neither ever wrote the password.
    await Promise.all([a.stop(10_000), b.stop(10_000)]);
    expect(await a.exited).toBe(0);
    expect(await b.exited).toBe(0);
    const logs = [a, b].map((w) => readFileSync(w.logFile, 'utf8'));
    expect(logs[0]).toMatch(/Worker running: .* store postgres:\/\/wfm_push:\*\*\*@127\.0\.0\.1:\d+\/push_/);
    for (const text of [...logs, run.stderr, run.stdout, again.stderr])
      expect(text).not.toContain(cluster.postgres.password);
  });

  it('a dry run and the per-agent report across processes that share only the store', async () => {
    const url = await cluster.freshStoreUrl('diff');
    const { plan, simulator, env } = await h.scenario('pg-diff', {
      schedules: 10,
      agents: 50,
      startWorkers: false,
    });
    const shared = { ...env, WFM_PUSH_DATA_DIR: undefined, WFM_PUSH_STORE: url };
    const [worker, client, reader] = ['worker', 'client', 'reader'].map(hostDir);
    startWorker('worker-diff', shared, worker!);
    writeFileSync(path.join(client!, 'plan.json'), JSON.stringify(plan));

    const diff = await runCli(['diff', 'plan.json', '--json'], shared, 120_000, client);
    expect(diff.code).toBe(0);
    expect(JSON.parse(diff.stdout)).toMatchObject({
      summary: { schedules: 10, schedulesRead: 10, agents: 50, agentsToWrite: 50 },
    });
    expect(await simulator.api.commits()).toEqual([]);

    expect((await runCli(['push', 'plan.json', '--wait'], shared, 120_000, client)).code).toBe(0);
    const agents = await runCli(['report', plan.planId, '--agents', '--json'], shared, 60_000, reader);
    expect(agents.code).toBe(0);
    expect(JSON.parse(agents.stdout)).toMatchObject({
      counts: { applied: 50, 'already-in-place': 0, 'kept-theirs': 0, protected: 0, failed: 0 },
    });
    expect(readdirSync(worker!)).toEqual([]);
    expect(readdirSync(reader!)).toEqual([]);
    const db = new PgClient({ connectionString: url });
    await db.connect();
    try {
      expect(Number((await db.query('SELECT count(*) AS n FROM wfm_push.diffs')).rows[0].n)).toBe(10);
    } finally {
      await db.end();
    }
  });

  it('in-process workers and the harness context on a fresh store (the helper other multi-host tests reuse)', async () => {
    const store = await cluster.freshStoreUrl('in-process');
    const { plan, simulator, ctx } = await h.scenario('pg-in-process', {
      schedules: 12,
      simulator: { conflictRate: 0.2 },
      store,
    });
    await submitPush(ctx, plan);
    const report = await waitForReport(ctx, plan.planId);
    expect(report).toMatchObject({ state: 'completed', totals: { schedulesDone: 12, schedulesFailed: 0 } });
    expect(await h.violations(simulator.api, plan, report)).toEqual([]);
    // The harness's data folder holds no store of this push.
    expect(existsSync(path.join(h.dataDir, 'results', plan.planId))).toBe(false);
  });

  it('never shows the store password: in worker --help, in a refused URL, or when the store cannot be used', async () => {
    const url = await cluster.freshStoreUrl('secrets');
    const password = cluster.postgres.password;
    const port = new URL(url).port;
    const shown = (run: { stdout: string; stderr: string }) => `${run.stdout}\n${run.stderr}`;

    const help = await runCli(['worker', '--help'], { WFM_PUSH_STORE: url });
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('WFM_PUSH_STORE_POOL_MAX');
    expect(shown(help)).not.toContain(password);

    const refused = await runCli(['report', 'x'], { WFM_PUSH_STORE: url.replace(`:${port}/`, ':99999/') });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/WFM_PUSH_STORE=.*not a valid URL/);
    expect(shown(refused)).not.toContain(password);

    const wrongPassword = url.replace(password, 'not-the-password');
    const planFile = path.join(hostDir('secrets'), 'plan.json');
    writeFileSync(
      planFile,
      JSON.stringify({ schedules: [{ scheduleId: 's-1', agents: [{ agentId: 'a', shifts: [] }] }] }),
    );
    const push = await runCli(['push', planFile], {
      WFM_PUSH_STORE: wrongPassword,
      WFM_PUSH_CODEC_KEYS: h.settings('q', 'http://127.0.0.1:1').codecKeys,
      WFM_PUSH_LOG_LEVEL: 'debug',
    });
    expect(push.code).toBe(1);
    expect(push.stderr).toMatch(
      /the PostgreSQL store postgres:\/\/wfm_push:\*\*\*@127\.0\.0\.1:\d+\/secrets_\w+ is not usable: password authentication failed/,
    );
    expect(shown(push)).not.toContain('not-the-password');

    // A worker whose store is down stops at start and says why.
    const worker = await runCli(
      ['worker'],
      {
        WFM_PUSH_STORE: url.replace(`:${port}/`, ':1/'),
        WFM_PUSH_CODEC_KEYS: h.settings('q', 'http://127.0.0.1:1').codecKeys,
        WFM_BASE_URL: 'http://127.0.0.1:1',
        WFM_PUSH_TASK_QUEUE: h.uniqueQueue('secrets'),
        WFM_PUSH_LOG_LEVEL: 'debug',
      },
      60_000,
      hostDir('down'),
    );
    expect(worker.code).toBe(1);
    expect(worker.stderr).toMatch(
      /the PostgreSQL store postgres:\/\/wfm_push:\*\*\*@127\.0\.0\.1:1\/.* is not usable/,
    );
    expect(shown(worker)).not.toContain(password);
  });

  it('refuses a worker or a client on the shared store without a payload key, rather than each host making its own', async () => {
    const url = await cluster.freshStoreUrl('keys');
    const env = {
      WFM_PUSH_STORE: url,
      WFM_PUSH_CODEC_KEYS: undefined,
      WFM_PUSH_CODEC_KEY_FILE: undefined,
      WFM_BASE_URL: 'http://127.0.0.1:1',
      WFM_PUSH_TASK_QUEUE: h.uniqueQueue('keys'),
    };
    const needsKey =
      /WFM_PUSH_STORE is PostgreSQL, shared by clients and workers on several hosts, so they need one payload key between them: set WFM_PUSH_CODEC_KEYS/;

    const [workerHost, clientHost] = ['worker-without-key', 'client-without-key'].map(hostDir);
    const worker = await runCli(['worker'], env, 60_000, workerHost);
    expect(worker.code).toBe(1);
    expect(worker.stderr).toMatch(needsKey);
    const client = await runCli(['report', 'any-plan'], env, 60_000, clientHost);
    expect(client.code).toBe(1);
    expect(client.stderr).toMatch(needsKey);
    // Neither generated a key of its own.
    for (const host of [workerHost, clientHost])
      expect(existsSync(path.join(host!, '.data', 'codec-keys'))).toBe(false);
  });
});
