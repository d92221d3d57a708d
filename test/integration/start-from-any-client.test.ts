import { ApplicationFailure, Client, Connection, WorkflowFailedError } from '@temporalio/client';
import { parsePlan } from '../../client/plan-file';
import { pushReport } from '../../client/push-client';
import { INLINE_PLAN_MAX_BYTES } from '../../model/push-start';
import { Harness } from '../support/harness';

/**
 * The public contract (docs/start-a-push.md): any Temporal client starts `bulkPush` with the plan inline. The starts
 * below are plain `@temporalio/client` calls, as a Python or Java scheduler makes them; no project helper.
 */
describe('bulkPush started from any Temporal client, with the plan inline', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await Harness.create();
  });
  afterEach(() => h.afterEach());
  afterAll(() => h.teardown());

  it('pushes an inline plan started by a client without the codec, and carries only its reference afterwards', async () => {
    // A worker trusted with plans in clear: a foreign client needs no codec at all (docs: "Payload encryption").
    const { plan, simulator, queue } = await h.scenario('inline', {
      schedules: 5,
      agents: 25,
      worker: { WFM_PUSH_ENCRYPTION: 'off' },
    });
    const connection = await Connection.connect({ address: process.env.TEMPORAL_ADDRESS });
    try {
      const client = new Client({ connection });
      const handle = await client.workflow.start('bulkPush', {
        taskQueue: queue,
        workflowId: `bulk-push:${plan.planId}`,
        // Two schedules per run: the push continues as new twice.
        args: [{ plan, maxInFlight: 2, maxChildrenPerRun: 2 }],
      });
      const summary = await handle.result();

      expect(summary).toEqual({
        planId: plan.planId,
        totals: expect.objectContaining({
          schedules: 5,
          schedulesDone: 5,
          schedulesFailed: 0,
          agentsChanged: 25,
        }),
      });
      // Stored and bound like a CLI push: the report and the invariants read it from the stores.
      const report = await pushReport(h.context(queue), plan.planId);
      expect(report?.totals).toMatchObject({ schedulesDone: 5, agentsChanged: 25, agentsFailed: 0 });
      expect(await h.violations(simulator.api, plan, report!)).toEqual([]);
      // The last run started from continue-as-new: its input is the reference, never the plan.
      const history = await client.workflow.getHandle(handle.workflowId).fetchHistory();
      const started = history.events?.[0]?.workflowExecutionStartedEventAttributes;
      expect(started?.continuedExecutionRunId).toBeTruthy();
      const input = JSON.parse(Buffer.from(started!.input!.payloads![0]!.data!).toString()) as Record<
        string,
        unknown
      >;
      expect(input).not.toHaveProperty('plan');
      expect(input).toMatchObject({ planId: plan.planId, planRef: expect.stringMatching(/^[0-9a-f]{64}$/) });
    } finally {
      await connection.close();
    }
  });

  it('fails an invalid inline plan non-retryably, every problem named by its path, before anything is written', async () => {
    const { plan, simulator, queue } = await h.scenario('inline-bad', { schedules: 4, agents: 20 });
    const bad = structuredClone(plan) as any;
    bad.schedules[0].agents[0].shifts[1].lengthMinutes = 2000;
    bad.schedules[1].agents[0].shifts[0].start = 'Monday 9am';
    bad.schedules[3].scheduleId = bad.schedules[2].scheduleId;

    const handle = await h.client.workflow.start('bulkPush', {
      taskQueue: queue,
      workflowId: `bulk-push:${plan.planId}`,
      args: [{ plan: bad, maxInFlight: 0 }],
    });
    const failure = await handle.result().then(
      () => undefined,
      (err: unknown) => err,
    );

    expect(failure).toBeInstanceOf(WorkflowFailedError);
    const cause = (failure as WorkflowFailedError).cause;
    expect(cause).toBeInstanceOf(ApplicationFailure);
    expect(cause).toMatchObject({ type: 'InvalidPlan', nonRetryable: true });
    const expected = [
      { path: 'maxInFlight', message: expect.any(String) },
      // The same problems, with the same paths, as `wfm-push push` names for the same file.
      ...(parsePlan(JSON.stringify(bad)) as { problems: unknown[] }).problems,
    ];
    expect((cause as ApplicationFailure).details?.[0]).toEqual({ problems: expected, problemCount: 4 });
    for (const path of [
      'maxInFlight',
      'schedules[0].agents[0].shifts[1].lengthMinutes',
      'schedules[1].agents[0].shifts[0].start',
      'schedules[3].scheduleId',
    ])
      expect(cause?.message).toContain(`${path}: `);
    expect(await h.context(queue).results.getManifest({ planId: plan.planId })).toBeUndefined();
    expect(simulator.sim.requests).toHaveLength(0);
  });

  it('refuses a workflow ID that does not name the plan, and a plan over the inline limit', async () => {
    const { plan, queue } = await h.scenario('inline-id', { schedules: 2, agents: 4 });
    const failureOf = async (workflowId: string, args: unknown) => {
      const handle = await h.client.workflow.start('bulkPush', {
        taskQueue: queue,
        workflowId,
        args: [args],
      });
      return handle.result().then(
        () => undefined,
        (err: unknown) => (err as WorkflowFailedError).cause as ApplicationFailure,
      );
    };

    const wrongId = await failureOf(`my-push-${plan.planId}`, { plan });
    expect(wrongId?.type).toBe('InvalidPlan');
    expect(wrongId?.details?.[0]).toEqual({
      problems: [{ path: 'planId', message: expect.stringContaining(`bulk-push:${plan.planId}`) }],
      problemCount: 1,
    });

    // A plan that is valid but too large to travel inline (about 610 KiB of JSON).
    const agents = Array.from({ length: 4500 }, (_, i) => ({
      agentId: `big-agent-${i}`,
      shifts: [
        { start: '2026-12-07T09:00:00+08:00', lengthMinutes: 480, activityCode: 'WORK-WITH-A-LONG-CODE' },
      ],
    }));
    const big = { planId: `${plan.planId}-big`, schedules: [{ scheduleId: 'big-1', agents }] };
    expect(Buffer.byteLength(JSON.stringify(big))).toBeGreaterThan(INLINE_PLAN_MAX_BYTES);
    const tooBig = await failureOf(`bulk-push:${big.planId}`, { plan: big });
    expect(tooBig?.details?.[0]).toEqual({
      problems: [
        { path: 'plan', message: expect.stringContaining(`more than the ${INLINE_PLAN_MAX_BYTES}`) },
      ],
      problemCount: 1,
    });
  });
});
