import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { WorkflowNotFoundError } from '@temporalio/client';
import { bulkPushWorkflowId } from '../../model/names';
import type { PushReport } from '../../model/report';
import { Harness, type ScenarioOptions } from '../support/harness';
import { runCli } from '../support/run-cli';
import { waitUntil } from '../support/wait-until';

describe('the wfm-push CLI, as a separate process', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await Harness.create();
  });
  afterEach(() => h.afterEach());
  afterAll(() => h.teardown());

  async function setUp(name: string, schedules = 4, simulator: ScenarioOptions['simulator'] = {}) {
    const {
      documents,
      plan,
      simulator: sim,
      env,
    } = await h.scenario(name, { schedules, agents: schedules * 10, simulator });
    const file = (name: string, content: unknown) => {
      const p = path.join(h.dataDir, `${name}.json`);
      writeFileSync(p, typeof content === 'string' ? content : JSON.stringify(content));
      return p;
    };
    return { documents, plan, sim, env, file };
  }

  it('push --wait exits 0 when every change landed, and status/report agree', async () => {
    const { plan, env, file } = await setUp('cli-ok');
    const run = await runCli(['push', file('plan', plan), '--wait'], env);
    expect(run.stderr).toContain(`Push ${plan.planId} started`);
    expect(run.stdout).toContain('every planned change is in place');
    expect(run.stdout).toContain('40 of 40 in the planned state');
    expect(run.code).toBe(0);

    const status = await runCli(['status', plan.planId], env);
    expect(status.stdout).toContain(
      `Push ${plan.planId} completed: 40/40 agents in place, 0 of 4 schedule(s) not done`,
    );
    const report = await runCli(['report', plan.planId, '--json'], env);
    expect(report.code).toBe(0);
    expect((JSON.parse(report.stdout) as PushReport).totals).toMatchObject({
      agentsChanged: 40,
      schedulesFailed: 0,
    });
  });

  it('push --wait --json exits 1 when a schedule fails, and the report names it with the server’s reason', async () => {
    const { plan, documents, env, file } = await setUp('cli-fail');
    const missing = 'no-such-schedule';
    const withUnknown = {
      ...plan,
      schedules: [...plan.schedules, { scheduleId: missing, agents: [{ agentId: 'x', shifts: [] }] }],
    };
    const run = await runCli(['push', file('plan', withUnknown), '--wait', '--json'], env);
    expect(run.code).toBe(1);
    const report = JSON.parse(run.stdout) as PushReport;
    expect(report.totals).toMatchObject({
      schedules: documents.length + 1,
      schedulesFailed: 1,
      agentsChanged: 40,
    });
    expect(report.schedules.find((s) => s.scheduleId === missing)).toMatchObject({
      outcome: 'failed',
      failure: {
        type: 'Rejected',
        message: expect.stringContaining(`404 schedule.not_found: schedule ${missing} does not exist`),
      },
    });
    const human = await runCli(['report', plan.planId], env);
    expect(human.code).toBe(1);
    expect(human.stdout).toContain(`${missing}: Rejected: GET schedule ${missing}: 404`);
  });

  it('refuses an invalid plan with exit 2, every problem named by its path, and starts nothing', async () => {
    const { plan, sim, env, file } = await setUp('cli-invalid');
    const bad = structuredClone(plan) as any;
    bad.schedules[0].agents[0].shifts[1].lengthMinutes = 2000;
    bad.schedules[1].agents[0].shifts[0].start = 'Monday 9am';
    bad.schedules[3].scheduleId = bad.schedules[2].scheduleId;
    const run = await runCli(['push', file('bad-plan', bad), '--wait'], env);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('is invalid (3 problem(s)); nothing was started');
    expect(run.stderr).toContain('schedules[0].agents[0].shifts[1].lengthMinutes:');
    expect(run.stderr).toContain('schedules[1].agents[0].shifts[0].start:');
    expect(run.stderr).toContain('schedules[3].scheduleId: schedule');

    const json = await runCli(['push', file('not-json', '{"schedules": [}'), '--json'], env);
    expect(json.code).toBe(2);
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: false, problems: [{ path: '(file)' }] });

    await expect(
      h.client.workflow.getHandle(bulkPushWorkflowId(plan.planId)).describe(),
    ).rejects.toBeInstanceOf(WorkflowNotFoundError);
    expect(sim.sim.requests).toHaveLength(0);
  });

  it('the worker refuses a bad setting at start-up, naming the variable (exit 2)', async () => {
    const run = await runCli(['worker'], { WFM_VERSION_IN: 'sometimes', WFM_REQUEST_TIMEOUT_MS: 'soon' });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('WFM_VERSION_IN="sometimes"');
    expect(run.stderr).toContain('WFM_REQUEST_TIMEOUT_MS="soon"');
  });

  it('pause, status, resume and watch steer a running push from the command line', async () => {
    const { plan, env, file } = await setUp('cli-steer', 8, { latencyMs: 200 });
    const started = await runCli(['push', file('plan', plan), '--max-in-flight', '1', '--json'], env);
    expect(JSON.parse(started.stdout)).toMatchObject({ ok: true, planId: plan.planId, attached: false });
    const again = await runCli(['push', file('plan', plan), '--json'], env);
    expect(JSON.parse(again.stdout)).toMatchObject({ ok: true, attached: true });

    expect((await runCli(['pause', plan.planId], env)).stdout).toContain('pause requested');
    await waitUntil('the push shows as paused', async () =>
      (await runCli(['status', plan.planId], env)).stdout.includes('PAUSED'),
    );
    expect((await runCli(['resume', plan.planId], env)).stdout).toContain('resumed');
    const watched = await runCli(['watch', plan.planId], env);
    expect(watched.code).toBe(0);
    expect(watched.stdout).toContain('every planned change is in place');
  });

  it('push --supersede takes over a running push; the older one’s watch, report and report --agents name the newer plan', async () => {
    const { plan, env, file } = await setUp('cli-supersede', 8, { latencyMs: 300 });
    const replan = {
      planId: `${plan.planId}-replan`,
      schedules: plan.schedules.map((s) => ({
        ...s,
        agents: s.agents.map((a) => ({ agentId: a.agentId, shifts: a.shifts.slice(0, 1) })),
      })),
    };
    await runCli(['push', file('older', plan), '--max-in-flight', '1'], env);
    const newer = await runCli(['push', file('replan', replan), '--supersede', '--wait'], env);
    expect(newer.stdout).toContain('every planned change is in place');
    expect(newer.code).toBe(0);

    const watched = await runCli(['watch', plan.planId], env);
    expect(watched.stdout).toMatch(/SUPERSEDED: \d+ schedule\(s\) taken over by a newer plan/);
    expect(watched.stdout).toContain(`taken over by plan ${replan.planId}`);
    expect(watched.code).toBe(1);
    const report = JSON.parse((await runCli(['report', plan.planId, '--json'], env)).stdout) as PushReport;
    expect(report.totals.schedulesSuperseded).toBeGreaterThan(0);
    expect(report.totals.schedulesFailed).toBe(0);
    const agents = await runCli(['report', plan.planId, '--agents'], env);
    expect(agents.stdout).toContain(`superseded by plan ${replan.planId} before this push wrote it`);
  });

  it('cancel leaves a report that names what was not started, and retry finishes the job', async () => {
    const { plan, env, file } = await setUp('cli-cancel', 8, { latencyMs: 200 });
    await runCli(['push', file('plan', plan), '--max-in-flight', '1'], env);
    const cancelled = await runCli(['cancel', plan.planId], env);
    expect(cancelled.stdout).toContain('cancel requested');
    // A worker runs: nothing to say about waiting for one.
    expect(cancelled.stderr).not.toContain('No worker polls');
    await waitUntil('the push has ended', async () =>
      (await runCli(['status', plan.planId], env)).stdout.includes('cancelled'),
    );

    const report = await runCli(['report', plan.planId], env);
    expect(report.code).toBe(1);
    expect(report.stdout).toContain('(push CANCELLED)');
    expect(report.stdout).toContain('NotStarted: the push was cancelled before this schedule was started');

    const retried = await runCli(['retry', plan.planId, '--wait', '--json'], env);
    expect(retried.code).toBe(0);
    expect((JSON.parse(retried.stdout) as PushReport).totals).toMatchObject({
      schedules: 8,
      schedulesDone: 8,
      schedulesFailed: 0,
    });
    expect((await runCli(['retry', plan.planId], env)).stderr).toContain('nothing to retry');
  });

  it.each([
    'push',
    'watch',
    'pause',
    'resume',
    'cancel',
    'retry',
    'verify',
    'status',
    'report',
    'worker',
    'sim',
    'dev-server',
    'demo',
  ])('%s explains itself with --help', async (command) => {
    const run = await runCli([command, '--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`Usage: wfm-push ${command} [options]`);
  });
});
