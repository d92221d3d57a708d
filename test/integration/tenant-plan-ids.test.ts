import { chmodSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { WorkflowNotFoundError } from '@temporalio/client';
import { generateSample } from '../../dev/sample';
import { pushReport } from '../../client/push-client';
import { bulkPushWorkflowId } from '../../model/names';
import type { PushReport } from '../../model/report';
import { CODEC_KEYS, Harness, uniqueId } from '../support/harness';
import { runCli } from '../support/run-cli';

/**
 * Plan IDs per tenant (issue 23): a partner's scheduling engine names every customer's plan by its week, so two
 * tenants push plan `<week>` with their own content, each into its own WFM, as two independent pushes; the commands
 * that take a plan ID name the tenant, and refuse to guess between two.
 */
describe('tenants: one plan ID, two tenants', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await Harness.create();
  });
  afterEach(() => h.afterEach());
  afterAll(() => h.teardown());

  it('two tenants push the same plan ID with other content: two pushes, each in its own WFM and report', async () => {
    const week = uniqueId('2026-W50');
    // The same schedule IDs in both organisations, other agents: only the tenant tells the two plans apart.
    const acme = generateSample({ schedules: 2, agents: 6, idPrefix: week, planId: week });
    const globex = generateSample({ schedules: 3, agents: 12, idPrefix: week, planId: week });
    const acmeWfm = await h.startSimulator({ tokens: ['acme-token'] }, acme.documents);
    const globexWfm = await h.startSimulator({ tokens: ['globex-token'] }, globex.documents);
    const tenantsFile = path.join(h.dataDir, `${uniqueId('tenants')}.json`);
    writeFileSync(
      tenantsFile,
      JSON.stringify({
        acme: { api: 'rest', baseUrl: acmeWfm.url, tokenEnv: 'ACME_TOKEN' },
        globex: { api: 'rest', baseUrl: globexWfm.url, tokenEnv: 'GLOBEX_TOKEN' },
      }),
    );
    chmodSync(tenantsFile, 0o600);
    const queue = h.uniqueQueue('plan-ids');
    const tenantsEnv = {
      WFM_TENANTS_FILE: tenantsFile,
      ACME_TOKEN: 'acme-token',
      GLOBEX_TOKEN: 'globex-token',
    };
    // The worker's own WFM is neither tenant's: a push sent there would fail on its token.
    const own = await h.startSimulator({ tokens: ['own-token'] }, []);
    await h.startWorkers(h.settings(queue, own.url, tenantsEnv));
    const env = {
      WFM_PUSH_TASK_QUEUE: queue,
      WFM_PUSH_DATA_DIR: h.dataDir,
      WFM_BASE_URL: own.url,
      WFM_PUSH_CODEC_KEYS: CODEC_KEYS,
      WFM_TENANTS_FILE: tenantsFile,
    };
    const planFile = (tenant: string, plan: object) => {
      const at = path.join(h.dataDir, `${uniqueId(tenant)}.json`);
      writeFileSync(at, JSON.stringify({ ...plan, tenant }));
      return at;
    };
    const acmePlan = { ...acme.plan, tenant: 'acme' };
    const globexPlan = { ...globex.plan, tenant: 'globex' };

    // Both at once: neither is refused as a plan ID used for other content, neither joins the other.
    const pushes = await Promise.all([
      runCli(['push', planFile('acme', acme.plan), '--wait', '--json'], env),
      runCli(['push', planFile('globex', globex.plan), '--wait', '--json'], env),
    ]);
    for (const run of pushes)
      expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: expect.any(String) });
    const [acmeOut, globexOut] = pushes.map((run) => JSON.parse(run.stdout) as PushReport);
    expect(acmeOut?.totals).toMatchObject({
      schedules: 2,
      agentsPlanned: 6,
      agentsChanged: 6,
      schedulesFailed: 0,
    });
    expect(globexOut?.totals).toMatchObject({
      schedules: 3,
      agentsPlanned: 12,
      agentsChanged: 12,
      schedulesFailed: 0,
    });

    // Two workflows, each named by its tenant; no push under the bare plan ID.
    for (const tenant of ['acme', 'globex'])
      expect(
        (await h.client.workflow.getHandle(bulkPushWorkflowId(week, tenant)).describe()).status.name,
      ).toBe('COMPLETED');
    await expect(h.client.workflow.getHandle(bulkPushWorkflowId(week)).describe()).rejects.toBeInstanceOf(
      WorkflowNotFoundError,
    );

    // Each WFM holds its own tenant's plan (the invariants read the simulator's own commit log), and only it.
    const ctx = h.context(queue);
    const acmeReport = await pushReport(ctx, week, 'acme');
    const globexReport = await pushReport(ctx, week, 'globex');
    expect(await h.violations(acmeWfm.api, acmePlan, acmeReport!)).toEqual([]);
    expect(await h.violations(globexWfm.api, globexPlan, globexReport!)).toEqual([]);
    expect(own.sim.requests).toHaveLength(0);
    expect(acmeWfm.sim.requests.filter((r) => r.status === 401)).toEqual([]);
    expect(globexWfm.sim.requests.filter((r) => r.status === 401)).toEqual([]);

    // `report --tenant` shows that tenant's push.
    for (const [tenant, plan] of [
      ['acme', acmePlan],
      ['globex', globexPlan],
    ] as const) {
      const run = await runCli(['report', week, '--tenant', tenant, '--json'], env);
      expect(run.code).toBe(0);
      const report = JSON.parse(run.stdout) as PushReport;
      expect(report.state).toBe('completed');
      expect(report.schedules.map((s) => [s.scheduleId, s.agentsChanged])).toEqual(
        plan.schedules.map((s) => [s.scheduleId, s.agents.length]),
      );
    }

    // Without --tenant, every command taking a plan ID refuses to guess (exit 2) and names both tenants.
    for (const command of ['report', 'status', 'watch', 'verify', 'retry', 'cancel', 'pause', 'resume']) {
      const run = await runCli([command, week], env);
      expect({ command, code: run.code }).toEqual({ command, code: 2 });
      expect(run.stderr).toContain(
        `plan ID ${week} is used by 2 tenants: acme, globex; name one with --tenant <id>`,
      );
    }
    // A tenant that has no such plan: no push, as for any unknown plan ID.
    const initech = await runCli(['status', week, '--tenant', 'initech'], env);
    expect(initech.code).toBe(1);
    expect(initech.stderr).toContain(`No push with plan ID ${week} of tenant initech`);
    const status = await runCli(['status', week, '--tenant', 'globex'], env);
    expect(status.code).toBe(0);
    expect(status.stdout).toContain(`Push ${week} completed: 12/12 agents in place`);

    // The other commands, told the tenant, act on that tenant's push: a drift check reads acme's WFM only, a retry
    // finds nothing left to do, a dry run of acme's file is acme's diff and would change nothing.
    const acmeReads = acmeWfm.sim.requests.length;
    const globexReads = globexWfm.sim.requests.length;
    const verify = await runCli(['verify', week, '--tenant', 'acme', '--json'], env);
    expect({ code: verify.code, stderr: verify.stderr }).toEqual({ code: 0, stderr: expect.any(String) });
    expect(JSON.parse(verify.stdout)).toMatchObject({ planId: week, schedulesChecked: 2, agentsDrifted: 0 });
    expect(acmeWfm.sim.requests.length).toBeGreaterThan(acmeReads);
    expect(globexWfm.sim.requests.length).toBe(globexReads);
    const retry = await runCli(['retry', week, '--tenant', 'globex'], env);
    expect(retry.code).toBe(0);
    expect(retry.stderr).toContain('every schedule is done; nothing to retry');
    const diff = await runCli(['diff', planFile('acme', acme.plan), '--json'], env);
    expect(diff.code).toBe(0);
    expect(diff.stderr).toContain(`(workflow plan-diff:acme/${week}:`);
    expect(JSON.parse(diff.stdout)).toMatchObject({
      summary: { schedules: 2, agentsToWrite: 0, agentsInPlace: 6 },
    });

    const help = await runCli(['report', '--help'], env);
    expect(help.stdout).toMatch(/--tenant <id>\s+whose plan the plan ID names/);
  });
});
