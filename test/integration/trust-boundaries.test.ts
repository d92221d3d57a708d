import {
  Client,
  Connection,
  WorkflowFailedError,
  type ApplicationFailure,
  type WorkflowHandle,
} from '@temporalio/client';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { AesGcmCodec, parseCodecKeys } from '../../common/codec';
import { createLogger } from '../../common/logger';
import { submitPush, waitForReport } from '../../client/push-client';
import type { Plan } from '../../model/plan';
import { CODEC_KEYS, Harness } from '../support/harness';
import { eventually } from '../support/wait-until';

/**
 * Trust boundaries (issue 18): `bulkPush` and `schedulePush` are workflow types any Temporal client can start, with
 * any input. Only validated pushes run: every start below is a plain `@temporalio/client` call with the payload key.
 */
describe('only validated pushes run (real Temporal server, simulator)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await Harness.create();
  });
  afterEach(() => h.afterEach());
  afterAll(() => h.teardown());

  /** Starts a workflow and returns its failure's cause, or undefined when it completed. */
  const failureOf = async (
    client: Client,
    type: string,
    queue: string,
    workflowId: string,
    input: unknown,
  ): Promise<ApplicationFailure | undefined> => {
    const handle = await client.workflow.start(type, { taskQueue: queue, workflowId, args: [input] });
    return handle.result().then(
      () => undefined,
      (err: unknown) => {
        expect(err).toBeInstanceOf(WorkflowFailedError);
        return (err as WorkflowFailedError).cause as ApplicationFailure;
      },
    );
  };

  it('refuses a start under a used plan ID that names other content, bad options, a foreign workflow ID or carried state', async () => {
    const { plan, simulator, queue, ctx } = await h.scenario('hijack', { schedules: 2, agents: 6 });
    await submitPush(ctx, plan);
    const report = await waitForReport(ctx, plan.planId);
    expect(report.totals).toMatchObject({ schedulesDone: 2, agentsFailed: 0 });
    const requestsAfterPush = simulator.sim.requests.length;
    const commitsAfterPush = (await simulator.api.commits()).length;

    // The attacker's content: every activity changed, stored under the victim's plan ID.
    const other: Plan = {
      ...plan,
      schedules: plan.schedules.map((s) => ({
        ...s,
        agents: s.agents.map((a) => ({
          ...a,
          shifts: a.shifts.map((shift) => ({ ...shift, activityCode: 'HIJACKED' })),
        })),
      })),
    };
    const otherRef = await ctx.plans.put(other);
    const manifest = await ctx.results.getManifest({ planId: plan.planId });
    const workflowId = `bulk-push:${plan.planId}`;
    const internal = { planId: plan.planId, schedules: 2, agentsPlanned: 6 };

    const foreignRef = await failureOf(h.client, 'bulkPush', queue, workflowId, {
      ...internal,
      planRef: otherRef,
    });
    expect(foreignRef).toMatchObject({ type: 'InvalidPlan', nonRetryable: true });
    expect(foreignRef?.details?.[0]).toEqual({
      problems: [{ path: 'planRef', message: expect.stringContaining('neither the plan bound to plan ID') }],
      problemCount: 1,
    });

    // `maxChildrenPerRun: 0` continued as new for ever; now it is an option problem like any other.
    const zeroChildren = await failureOf(h.client, 'bulkPush', queue, workflowId, {
      ...internal,
      planRef: manifest!.planRef,
      maxChildrenPerRun: 0,
    });
    expect(zeroChildren?.details?.[0]).toMatchObject({ problems: [{ path: 'maxChildrenPerRun' }] });

    const otherId = await failureOf(h.client, 'bulkPush', queue, `bulk-push:${plan.planId}-x`, {
      ...internal,
      planRef: manifest!.planRef,
    });
    expect(otherId?.details?.[0]).toMatchObject({ problems: [{ path: 'planId' }] });

    const neverSubmitted = await failureOf(h.client, 'bulkPush', queue, 'bulk-push:nobody-submitted-this', {
      ...internal,
      planId: 'nobody-submitted-this',
      planRef: otherRef,
    });
    expect(neverSubmitted?.details?.[0]).toMatchObject({
      problems: [{ path: 'planId', message: expect.stringContaining('never submitted') }],
    });

    const badGrammar = await failureOf(h.client, 'bulkPush', queue, 'bulk-push:../x', {
      ...internal,
      planId: '../x',
      planRef: manifest!.planRef,
    });
    expect(badGrammar?.details?.[0]).toMatchObject({ problems: [{ path: 'planId' }] });

    const carried = await failureOf(h.client, 'bulkPush', queue, workflowId, {
      ...internal,
      planRef: manifest!.planRef,
      carried: { cursor: 2, inFlight: [] },
    });
    expect(carried?.details?.[0]).toMatchObject({ problems: [{ path: '(input)' }] });

    const wrongCounts = await failureOf(h.client, 'bulkPush', queue, workflowId, {
      ...internal,
      planRef: manifest!.planRef,
      schedules: 1,
    });
    expect(wrongCounts?.details?.[0]).toMatchObject({ problems: [{ path: 'schedules' }] });

    // schedulePush started directly, with the attacker's content: not a push's child, so it writes nothing.
    const direct = await failureOf(
      h.client,
      'schedulePush',
      queue,
      `schedule-push:${plan.schedules[0]!.scheduleId}`,
      {
        planId: plan.planId,
        planRef: otherRef,
        scheduleId: plan.schedules[0]!.scheduleId,
        agentsPlanned: 3,
      },
    );
    expect(direct).toMatchObject({ type: 'InvalidPlan', nonRetryable: true });

    expect(simulator.sim.requests).toHaveLength(requestsAfterPush);
    expect(await simulator.api.commits()).toHaveLength(commitsAfterPush);
    const after = await waitForReport(ctx, plan.planId);
    expect(after.totals).toMatchObject({ schedulesDone: 2, agentsFailed: 0 });
  });

  it('still runs what the client library starts: a retry of a part of the bound plan', async () => {
    const { plan, queue, ctx, simulator } = await h.scenario('part', { schedules: 3, agents: 9 });
    // A part of the bound plan (as `retry` stores it): whole schedules of it, under its plan ID.
    const { results } = ctx;
    await results.createManifest({
      planId: plan.planId,
      planRef: await ctx.plans.put(plan),
      schedules: 3,
      agentsPlanned: 9,
      submittedAt: new Date().toISOString(),
    });
    const part: Plan = { planId: plan.planId, schedules: plan.schedules.slice(1) };
    const partRef = await ctx.plans.put(part);
    const handle = await h.client.workflow.start('bulkPush', {
      taskQueue: queue,
      workflowId: `bulk-push:${plan.planId}`,
      args: [{ planId: plan.planId, planRef: partRef, schedules: 2, agentsPlanned: 6 }],
    });
    expect(await handle.result()).toMatchObject({ totals: { schedulesDone: 2, agentsChanged: 6 } });
    expect(new Set((await simulator.api.commits()).map((c) => c.scheduleId))).toEqual(
      new Set(part.schedules.map((s) => s.scheduleId)),
    );
    // A part whose schedule differs from the bound one is not a part.
    const changed: Plan = {
      planId: plan.planId,
      schedules: [{ ...plan.schedules[0]!, agents: plan.schedules[0]!.agents.slice(1) }],
    };
    const refused = await failureOf(h.client, 'bulkPush', queue, `bulk-push:${plan.planId}`, {
      planId: plan.planId,
      planRef: await ctx.plans.put(changed),
      schedules: 1,
      agentsPlanned: 2,
    });
    expect(refused?.details?.[0]).toMatchObject({ problems: [{ path: 'planRef' }] });
  });
});

describe('encrypted means authenticated (real Temporal server, simulator)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await Harness.create();
  });
  afterEach(() => h.afterEach());
  afterAll(() => h.teardown());

  /** Why the workflow's tasks fail, as the worker wrote it (the failure's message is encrypted in history). */
  const workflowTaskFailure = async (handle: WorkflowHandle): Promise<string | undefined> => {
    const codec = new AesGcmCodec(parseCodecKeys(CODEC_KEYS, 'test'));
    const history = await handle.fetchHistory();
    const failed = history.events?.find((e) => e.workflowTaskFailedEventAttributes)
      ?.workflowTaskFailedEventAttributes?.failure;
    if (!failed?.encodedAttributes) return failed?.message ?? undefined;
    const [decoded] = await codec.decode([failed.encodedAttributes as Payload]);
    return (defaultPayloadConverter.fromPayload(decoded!) as { message: string }).message;
  };

  it('never runs a push started without the payload key: inline plan or stored reference', async () => {
    const { plan, simulator, queue, ctx } = await h.scenario('plaintext', { schedules: 2, agents: 4 });
    const connection = await Connection.connect({ address: process.env.TEMPORAL_ADDRESS });
    try {
      // A client that reaches the frontend but has no key: Temporal's default converter, payloads in clear.
      const stranger = new Client({ connection });
      const inline = await stranger.workflow.start('bulkPush', {
        taskQueue: queue,
        workflowId: `bulk-push:${plan.planId}`,
        args: [{ plan }],
      });
      await eventually(async () =>
        expect(await workflowTaskFailure(inline)).toMatch(/a payload is not encrypted/),
      );
      expect((await inline.describe()).status.name).toBe('RUNNING');
      await inline.terminate('test: refused');
      expect(await ctx.results.getManifest({ planId: plan.planId })).toBeUndefined();
      expect(simulator.sim.requests).toHaveLength(0);

      // The internal shape, under a plan ID bound by a real submission.
      await submitPush(ctx, plan);
      await waitForReport(ctx, plan.planId);
      const requests = simulator.sim.requests.length;
      const manifest = await ctx.results.getManifest({ planId: plan.planId });
      const stored = await stranger.workflow.start('bulkPush', {
        taskQueue: queue,
        workflowId: `bulk-push:${plan.planId}`,
        args: [{ planId: plan.planId, planRef: manifest!.planRef, schedules: 2, agentsPlanned: 4 }],
      });
      await eventually(async () =>
        expect(await workflowTaskFailure(stored)).toMatch(/a payload is not encrypted/),
      );
      await stored.terminate('test: refused');
      expect(simulator.sim.requests).toHaveLength(requests);
    } finally {
      await connection.close();
    }
  });
});

describe('a worker with encryption off says so', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await Harness.create();
  });
  afterAll(() => h.teardown());

  it('warns at start that payloads are in clear and starts are not authenticated', async () => {
    const lines: string[] = [];
    const logger = createLogger('warn', {}, { write: (line: string) => void lines.push(line) });
    const queue = h.uniqueQueue('clear');
    await h.startWorkers(h.settings(queue, 'http://127.0.0.1:9', { WFM_PUSH_ENCRYPTION: 'off' }), logger);
    expect(lines.join('')).toContain('payload encryption is off (WFM_PUSH_ENCRYPTION=off)');
  });
});

describe('bugs fail fast (real Temporal server, simulator)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await Harness.create();
  });
  afterEach(() => h.afterEach());
  afterAll(() => h.teardown());

  it('fails a schedule whose sync meets a TypeError on its first attempt, as Bug, with the error named', async () => {
    const { plan, simulator, queue, ctx } = await h.scenario('bug', {
      schedules: 2,
      agents: 4,
      startWorkers: false,
    });
    let reads = 0;
    await h.startWorkers(h.settings(queue, simulator.url), undefined, {
      wrapWfm: (wfm) =>
        new Proxy(wfm, {
          get(target, property, receiver) {
            if (property !== 'readSchedule') return Reflect.get(target, property, receiver) as unknown;
            return () => {
              reads++;
              // What a mistake of ours looks like: reading a field of something that is not there.
              return Promise.reject(new TypeError("Cannot read properties of undefined (reading 'shifts')"));
            };
          },
        }),
    });
    await submitPush(ctx, plan);
    const report = await waitForReport(ctx, plan.planId);

    expect(report.schedules.map((s) => ({ outcome: s.outcome, type: s.failure?.type }))).toEqual([
      { outcome: 'failed', type: 'Bug' },
      { outcome: 'failed', type: 'Bug' },
    ]);
    expect(report.schedules[0]?.failure?.message).toContain(
      "TypeError: Cannot read properties of undefined (reading 'shifts')",
    );
    expect(reads).toBe(2); // one attempt per schedule, never retried
    expect(simulator.sim.requests).toHaveLength(0);
  });
});
