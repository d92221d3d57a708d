import { pushReport, startInlinePush } from '../../client/push-client';
import { bulkPushWorkflowId } from '../../model/names';
import { Harness } from '../support/harness';

/**
 * The synchronous start (docs/start-a-push.md): one Update-with-Start call starts `bulkPush` with the plan inline and
 * answers at once whether the plan was accepted (its counts) or refused (every problem by its path); the same plan ID
 * again joins the running push.
 */
describe('a synchronous start: Update-with-Start of bulkPush with its accepted update', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await Harness.create();
  });
  afterEach(() => h.afterEach());
  afterAll(() => h.teardown());

  it('refuses a bad plan with every problem by its path, and starts nothing', async () => {
    const { plan, simulator, queue } = await h.scenario('sync-bad', { schedules: 3, agents: 9 });
    const bad = structuredClone(plan) as any;
    bad.schedules[0].agents[0].shifts[0].lengthMinutes = 2000;
    bad.schedules[2].scheduleId = bad.schedules[1].scheduleId;
    bad.supersedes = plan.planId;

    const answer = await startInlinePush(h.client, queue, { plan: bad, maxInFlight: 0 });

    expect(answer).toEqual({
      refused: {
        type: 'InvalidPlan',
        message: expect.stringContaining('nothing was started'),
        problems: expect.arrayContaining([
          { path: 'schedules[0].agents[0].shifts[0].lengthMinutes', message: expect.any(String) },
          { path: 'schedules[2].scheduleId', message: expect.stringContaining('listed twice') },
          { path: 'supersedes', message: expect.stringContaining('cannot supersede itself') },
          { path: 'maxInFlight', message: expect.any(String) },
        ]),
      },
    });
    expect(await pushReport(h.context(queue), plan.planId)).toBeUndefined();
    expect(await simulator.api.commits()).toEqual([]);
  });

  it('accepts a good plan with its counts at once, and a repeat joins the running push', async () => {
    const { plan, simulator, queue } = await h.scenario('sync-good', {
      schedules: 4,
      agents: 20,
      simulator: { latencyMs: 300 },
    });
    const first = await startInlinePush(h.client, queue, { plan, maxInFlight: 2, supersede: true });
    expect(first).toMatchObject({ accepted: { planId: plan.planId, schedules: 4, agentsPlanned: 20 } });
    if (!('accepted' in first)) throw new Error('refused');
    const runId = (await first.handle.describe()).runId;

    const again = await startInlinePush(h.client, queue, { plan, maxInFlight: 2 });
    expect(again).toMatchObject({ accepted: { planId: plan.planId, schedules: 4, agentsPlanned: 20 } });
    if (!('accepted' in again)) throw new Error('refused');
    // The same run: the repeat joined the push instead of starting another.
    expect((await again.handle.describe()).runId).toBe(runId);

    const summary = await first.handle.result();
    expect(summary.totals).toMatchObject({ schedulesDone: 4, schedulesFailed: 0, agentsChanged: 20 });
    const runs = [];
    for await (const run of h.client.workflow.list({
      query: `WorkflowId = "${bulkPushWorkflowId(plan.planId)}"`,
    }))
      runs.push(run);
    expect(runs).toHaveLength(1);
    const report = await pushReport(h.context(queue), plan.planId);
    expect(await h.violations(simulator.api, plan, report!)).toEqual([]);
  });
});
