import { chmodSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { WorkflowNotFoundError } from '@temporalio/client';
import { bulkPushWorkflowId } from '../../model/names';
import { Harness, uniqueId } from '../support/harness';
import { runCli } from '../support/run-cli';
import { startCliProcess } from '../../dev/processes';
import { eventually } from '../support/wait-until';
import { sleep } from '../../common/sleep';

/** Tenants as the CLI meets them (issue 23): refused before anything is stored or started. */
describe('tenants from the command line', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await Harness.create();
  });
  afterEach(() => h.afterEach());
  afterAll(() => h.teardown());

  function file(name: string, content: unknown, mode = 0o600): string {
    const at = path.join(h.dataDir, `${uniqueId(name)}.json`);
    writeFileSync(at, typeof content === 'string' ? content : JSON.stringify(content));
    chmodSync(at, mode);
    return at;
  }

  /** A `wfm-push worker` process on the tenants file `at`, looking at it every `pollMs` (0: only on SIGHUP). */
  function tenantsWorker(name: string, env: NodeJS.ProcessEnv, at: string, pollMs: number) {
    return startCliProcess(
      'worker',
      ['worker'],
      {
        ...process.env,
        ...env,
        WFM_TENANTS_FILE: at,
        INITECH_TOKEN: 'dev-token',
        WFM_TENANTS_FILE_POLL_MS: String(pollMs),
      },
      path.join(h.dataDir, `${uniqueId(name)}.log`),
      { tiedToThisProcess: false },
    );
  }

  it('push refuses a plan naming an unknown tenant with exit 2, stores nothing and starts nothing', async () => {
    const { plan, simulator, env } = await h.scenario('cli-tenant', { schedules: 2, agents: 10 });
    const tenants = file('tenants', {
      initech: { api: 'rest', baseUrl: simulator.url, tokenEnv: 'INITECH_TOKEN' },
      acme: { api: 'genesys', region: 'ap-southeast-1', clientId: 'c', clientSecretEnv: 'ACME_SECRET' },
    });
    const before = readdirSync(h.dataDir, { recursive: true }).length;
    const run = await runCli(['push', file('plan', { ...plan, tenant: 'hooli' })], {
      ...env,
      WFM_TENANTS_FILE: tenants,
    });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('nothing was started');
    expect(run.stderr).toContain('tenant: unknown tenant "hooli": WFM_TENANTS_FILE names "initech", "acme"');
    // The client needs no secret: ACME_SECRET and INITECH_TOKEN are not set for it.
    const genesys = await runCli(['push', file('plan', { ...plan, tenant: 'acme' })], {
      ...env,
      WFM_TENANTS_FILE: tenants,
    });
    expect(genesys.code).toBe(2);
    expect(genesys.stderr).toContain('schedules[0].businessUnitId: required');
    // Only the two plan files this test wrote are new; no stored plan, no manifest, no workflow, no request.
    expect(readdirSync(h.dataDir, { recursive: true }).length).toBe(before + 2);
    await expect(
      h.client.workflow.getHandle(bulkPushWorkflowId(plan.planId, 'hooli')).describe(),
    ).rejects.toBeInstanceOf(WorkflowNotFoundError);
    expect(simulator.sim.requests).toHaveLength(0);
  });

  it('a running worker reads its tenants file again on SIGHUP; a bad file changes nothing and it runs on', async () => {
    const { simulator, env } = await h.scenario('cli-reload', { schedules: 1, agents: 2 });
    const at = file('reload', {
      initech: { api: 'rest', baseUrl: simulator.url, tokenEnv: 'INITECH_TOKEN' },
    });
    // Not watched: only the signal reads the file again here (the next test watches it).
    const worker = tenantsWorker('reload-worker', env, at, 0);
    const log = () => readFileSync(worker.logFile, 'utf8');
    try {
      await eventually(() => expect(log()).toContain('"msg":"worker running"'), 60_000);
      writeFileSync(
        at,
        JSON.stringify({
          initech: { api: 'rest', baseUrl: simulator.url, tokenEnv: 'INITECH_TOKEN' },
          acme: { api: 'genesys', region: 'ap-southeast-1', clientId: 'c', clientSecretEnv: 'INITECH_TOKEN' },
        }),
      );
      process.kill(worker.pid, 'SIGHUP');
      await eventually(
        () =>
          expect(
            log()
              .split('\n')
              .filter((line) => line.includes('tenants reloaded from WFM_TENANTS_FILE'))
              .map((line) => (JSON.parse(line) as { added: string[] }).added),
          ).toEqual([['acme']]),
        20_000,
      );
      writeFileSync(at, JSON.stringify({ acme: { api: 'genesys', clientSecret: 'inline-s3cret' } }));
      process.kill(worker.pid, 'SIGHUP');
      await eventually(() => expect(log()).toContain('the tenants file was NOT reloaded'), 20_000);
      expect(log()).not.toContain('inline-s3cret');
      // Still running: a bad file is the operator's to fix, not a reason to stop serving.
      expect(
        await Promise.race([worker.exited.then(() => 'exited'), sleep(1000).then(() => 'running')]),
      ).toBe('running');
    } finally {
      await worker.stop();
    }
  });

  it('a running worker reads its tenants file again when it changes, as on SIGHUP; a bad file changes nothing', async () => {
    const { simulator, env } = await h.scenario('cli-watch', { schedules: 1, agents: 2 });
    const initech = { api: 'rest', baseUrl: simulator.url, tokenEnv: 'INITECH_TOKEN' };
    const at = file('watched', { initech });
    const worker = tenantsWorker('watch-worker', env, at, 200);
    const log = () => readFileSync(worker.logFile, 'utf8');
    const reloads = () =>
      log()
        .split('\n')
        .filter((line) => line.includes('tenants reloaded from WFM_TENANTS_FILE'))
        .map((line) => JSON.parse(line) as { added: string[]; removed: string[]; trigger: string });
    try {
      await eventually(() => expect(log()).toContain('"msg":"worker running"'), 60_000);
      // Edited in place: acme added, no signal sent.
      const acme = {
        api: 'genesys',
        region: 'ap-southeast-1',
        clientId: 'c',
        clientSecretEnv: 'INITECH_TOKEN',
      };
      writeFileSync(at, JSON.stringify({ initech, acme }));
      await eventually(
        () =>
          expect(reloads()).toEqual([expect.objectContaining({ added: ['acme'], trigger: 'file changed' })]),
        20_000,
      );
      // Replaced by a rename, as editors and config maps do: initech removed.
      const next = `${at}.next`;
      writeFileSync(next, JSON.stringify({ acme }));
      chmodSync(next, 0o600);
      renameSync(next, at);
      await eventually(
        () =>
          expect(reloads()[1]).toEqual(
            expect.objectContaining({ removed: ['initech'], trigger: 'file changed' }),
          ),
        20_000,
      );
      // A bad file: logged, nothing changes, the secret is not echoed; then fixed, and read again.
      writeFileSync(at, JSON.stringify({ acme: { api: 'genesys', clientSecret: 'inline-s3cret' } }));
      await eventually(() => expect(log()).toContain('the tenants file was NOT reloaded'), 20_000);
      expect(log()).not.toContain('inline-s3cret');
      expect(reloads()).toHaveLength(2);
      writeFileSync(at, JSON.stringify({ initech, acme }));
      await eventually(
        () => expect(reloads()[2]).toEqual(expect.objectContaining({ added: ['initech'], removed: [] })),
        20_000,
      );
      expect(
        await Promise.race([worker.exited.then(() => 'exited'), sleep(1000).then(() => 'running')]),
      ).toBe('running');
    } finally {
      await worker.stop();
    }
  });

  it('the worker refuses a bad tenants file at start-up, every problem named by its path (exit 2)', async () => {
    const tenants = file('bad-tenants', {
      acme: { api: 'genesys', region: 'ap-southeast-1', clientId: 'c', clientSecret: 'inline-s3cret' },
      initech: { api: 'rest', baseUrl: 'https://wfm.initech.example' },
    });
    const run = await runCli(['worker'], { WFM_TENANTS_FILE: tenants });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('WFM_TENANTS_FILE acme.clientSecret: secrets go by reference');
    expect(run.stderr).toContain('WFM_TENANTS_FILE acme.clientSecretFile: required (or clientSecretEnv)');
    expect(run.stderr).not.toContain('inline-s3cret');
  });
});
