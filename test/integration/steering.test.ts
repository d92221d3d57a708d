import { WorkflowNotFoundError } from '@temporalio/client';
import {
  cancelPush,
  pausePush,
  pushHandle,
  pushProgress,
  resumePush,
  retryPush,
  submitPush,
  waitForReport,
} from '../../client/push-client';
import type { temporal } from '@temporalio/proto';
import { BULK_PUSH_ID, bulkPushWorkflowId, schedulePushWorkflowId } from '../../model/names';
import { Harness, uniqueId } from '../support/harness';
import { consistently, eventually, waitUntil } from '../support/wait-until';

describe('steering a push (real Temporal server, simulator)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await Harness.create();
  });
  afterEach(() => h.afterEach());
  afterAll(() => h.teardown());

  async function runsOf(workflowId: string) {
    const runs = [];
    for await (const run of h.client.workflow.list({ query: `WorkflowId = "${workflowId}"` })) runs.push(run);
    return runs;
  }

  it('tells a progress query that no worker answered apart from one that failed', async () => {
    // No worker polls this queue: the query times out, which means "no worker", not an error.
    const { plan, ctx } = await h.scenario('no-worker', { schedules: 1, startWorkers: false });
    await submitPush(ctx, plan);
    await expect(pushProgress(h.client, plan.planId)).resolves.toBeUndefined();
    await cancelPush(h.client, plan.planId);
    // Any other failure (here: no such push) is thrown, not mistaken for a missing worker.
    await expect(pushProgress(h.client, uniqueId('no-such-plan'))).rejects.toThrow(WorkflowNotFoundError);
  });

  it('continues as new every few children, keeps counting across runs, and reports every schedule', async () => {
    const { plan, ctx, simulator } = await h.scenario('can', { schedules: 30 });
    await submitPush(ctx, plan, { maxChildrenPerRun: 8, maxInFlight: 4 });
    const report = await waitForReport(ctx, plan.planId);

    expect(report).toMatchObject({
      state: 'completed',
      totals: { schedules: 30, schedulesDone: 30, agentsChanged: 150, schedulesFailed: 0 },
    });
    const runs = await waitUntil('every run is visible', async () => {
      const r = await runsOf(bulkPushWorkflowId(plan.planId));
      return r.length >= 4 && r;
    });
    expect(runs.filter((r) => r.status.name === 'CONTINUED_AS_NEW')).toHaveLength(3);
    expect(await h.violations(simulator.api, plan, report)).toEqual([]);
  });

  it('keeps its window across continue-as-new: each run hands its children in flight to the next, each counted once', async () => {
    // Slow answers keep children running while their run continues as new, also on a loaded machine (a read and its
    // write go out as one unit, so a child is two latencies long).
    const { plan, ctx, simulator } = await h.scenario('window', {
      schedules: 30,
      simulator: { latencyMs: 600 },
    });
    await submitPush(ctx, plan, { maxChildrenPerRun: 5, maxInFlight: 4 });
    const [report, summary] = await Promise.all([
      waitForReport(ctx, plan.planId),
      pushHandle(h.client, plan.planId).result(),
    ]);

    expect(report).toMatchObject({
      state: 'completed',
      totals: { schedules: 30, schedulesDone: 30, agentsChanged: 150, schedulesFailed: 0 },
    });
    // The parent's own count, kept across runs from the children's signals, is the report's (built from the store).
    expect(summary.totals).toEqual(report.totals);
    // One schedule workflow and one write per schedule.
    const apiCommits = (await simulator.api.commits()).filter((c) => c.writer === 'api');
    expect(apiCommits).toHaveLength(30);
    expect(new Set(apiCommits.map((c) => c.scheduleId)).size).toBe(30);
    await eventually(async () => {
      const children = [];
      for await (const run of h.client.workflow.list({
        query: `${BULK_PUSH_ID.name} = "${plan.planId}" AND WorkflowType = "schedulePush"`,
      }))
        children.push(run);
      expect(children.map((c) => c.status.name)).toEqual(Array(30).fill('COMPLETED'));
    });
    expect(await h.violations(simulator.api, plan, report)).toEqual([]);

    const runs = await waitUntil('every run is visible', async () => {
      const r = await runsOf(bulkPushWorkflowId(plan.planId));
      return r.length >= 6 && r;
    });
    const histories = await Promise.all(
      runs.map(async (run) => ({
        status: run.status.name,
        events: (await h.client.workflow.getHandle(run.workflowId, run.runId).fetchHistory()).events ?? [],
      })),
    );
    const continued = histories.filter((r) => r.status === 'CONTINUED_AS_NEW');
    expect(continued.length).toBeGreaterThanOrEqual(5);
    // Every run continued as new while some of its children were still running: it did not drain first. The next
    // run followed them to their end (the counts above hold every one).
    for (const { events } of continued) expect(childrenStillRunning(events)).toBeGreaterThan(0);
    const follows = histories.flatMap((r) =>
      r.events.filter(
        (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'waitForRunsToClose',
      ),
    );
    expect(follows.length).toBeGreaterThanOrEqual(continued.length);
  });

  it('a child of an earlier run that ends without its line (terminated) is reported failed, and the push completes', async () => {
    // Every answer takes 3 s: each child runs for several seconds, long after the run that started it has ended.
    const { plan, ctx } = await h.scenario('silent-child', { schedules: 3, simulator: { latencyMs: 3000 } });
    const silent = plan.schedules[0]?.scheduleId ?? '';
    await submitPush(ctx, plan, { maxChildrenPerRun: 1, maxInFlight: 3 });
    await waitUntil(
      'the first run has handed its child over',
      async () => ((await pushProgress(h.client, plan.planId))?.run ?? 0) >= 2,
    );
    const child = h.client.workflow.getHandle(schedulePushWorkflowId(silent));
    await waitUntil('the first child runs', async () => (await child.describe()).status.name === 'RUNNING');
    await child.terminate('test: a child that never reports');

    const [report, summary] = await Promise.all([
      waitForReport(ctx, plan.planId),
      pushHandle(h.client, plan.planId).result(),
    ]);
    expect(report).toMatchObject({ state: 'completed', totals: { schedulesDone: 3, schedulesFailed: 1 } });
    expect(report.schedules.find((s) => s.scheduleId === silent)).toMatchObject({
      outcome: 'failed',
      failure: { type: 'TerminatedFailure', message: 'test: a child that never reports' },
    });
    expect(summary.totals).toEqual(report.totals);
  });

  it('pause lets in-flight schedules finish and starts no new ones until resume', async () => {
    const { plan, ctx } = await h.scenario('pause', { schedules: 12, simulator: { latencyMs: 150 } });
    await submitPush(ctx, plan, { maxInFlight: 2 });
    await waitUntil(
      'the first schedules are done',
      async () => ((await pushProgress(h.client, plan.planId))?.totals.schedulesDone ?? 0) >= 2,
    );

    await pausePush(h.client, plan.planId);
    const drained = await waitUntil('in-flight schedules have finished', async () => {
      const p = await pushProgress(h.client, plan.planId);
      return p?.paused && p.inFlight === 0 && p;
    });
    // Still nothing new while we watch: the cursor does not move while paused.
    await consistently(async () => {
      const later = await pushProgress(h.client, plan.planId);
      expect(later).toMatchObject({ paused: true, inFlight: 0, cursor: drained.cursor });
    }, 1000);
    expect(drained.cursor).toBeLessThan(12);

    await resumePush(h.client, plan.planId);
    const report = await waitForReport(ctx, plan.planId);
    expect(report).toMatchObject({ state: 'completed', totals: { schedulesDone: 12, schedulesFailed: 0 } });
  });

  it('cancel stops cleanly: schedules in flight finish, the rest are reported as not started', async () => {
    const { plan, ctx, simulator } = await h.scenario('cancel', {
      schedules: 12,
      simulator: { latencyMs: 150 },
    });
    await submitPush(ctx, plan, { maxInFlight: 2 });
    await waitUntil(
      'some schedules are done',
      async () => ((await pushProgress(h.client, plan.planId))?.totals.schedulesDone ?? 0) >= 2,
    );

    await cancelPush(h.client, plan.planId);
    const report = await waitForReport(ctx, plan.planId);
    expect(report.state).toBe('cancelled');
    expect(report.schedules).toHaveLength(12); // every schedule has its line
    // How many schedules the push had started when it was cancelled (its last state, queried after it ended).
    const started = (await pushProgress(h.client, plan.planId))?.cursor ?? NaN;
    expect(started).toBeLessThan(12);
    // The schedules in flight at the cancel were abandoned, not cancelled: they finish, record their lines, and
    // complete although their report to the ended push finds no workflow. Until they have recorded, the report
    // counts them as not started too.
    const final = await eventually(async () => {
      const r = await waitForReport(ctx, plan.planId);
      expect(r.schedules.filter((s) => s.outcome === 'landed')).toHaveLength(started);
      const children = [];
      for await (const run of h.client.workflow.list({
        query: `${BULK_PUSH_ID.name} = "${plan.planId}" AND WorkflowType = "schedulePush"`,
      }))
        children.push(run.status.name);
      expect(children).toEqual(Array(started).fill('COMPLETED'));
      return r;
    });
    const notStarted = final.schedules.filter((s) => s.outcome === 'not-started');
    expect(notStarted).toHaveLength(12 - started);
    expect(notStarted[0]?.failure).toMatchObject({
      type: 'NotStarted',
      message: 'the push was cancelled before this schedule was started',
    });
    // Not-started schedules were never written.
    const commits = await simulator.api.commits();
    for (const s of notStarted) expect(commits.some((c) => c.scheduleId === s.scheduleId)).toBe(false);
  });

  it('submitting a plan that is being pushed attaches to that push', async () => {
    const { plan, ctx } = await h.scenario('attach', { schedules: 6, simulator: { latencyMs: 100 } });
    const first = await submitPush(ctx, plan, { maxInFlight: 1 });
    const second = await submitPush(ctx, plan);
    expect(first.attached).toBe(false);
    expect(second.attached).toBe(true);
    await expect(submitPush(ctx, { ...plan, schedules: plan.schedules.slice(1) })).rejects.toThrow(
      'was already used for other content',
    );
    await waitForReport(ctx, plan.planId);
    expect(await runsOf(bulkPushWorkflowId(plan.planId))).toHaveLength(1);
  });

  it('retry re-pushes only the schedules that did not land, and the report becomes whole', async () => {
    // The second schedule does not exist yet in the WFM: it fails.
    const { plan, documents, ctx, simulator } = await h.scenario('retry', { schedules: 5, omit: [1] });
    const missing = documents[1];
    await submitPush(ctx, plan);
    const first = await waitForReport(ctx, plan.planId);
    expect(first.totals).toMatchObject({ schedulesFailed: 1, agentsChanged: 20 });

    simulator.sim.store.seed(missing ? [missing] : []);
    const commitsBefore = (await simulator.api.commits()).length;
    expect(await retryPush(ctx, plan.planId)).toBeDefined();
    const second = await waitForReport(ctx, plan.planId);
    expect(second).toMatchObject({
      state: 'completed',
      totals: { schedules: 5, schedulesDone: 5, schedulesFailed: 0, agentsChanged: 25 },
    });
    // Only the failed schedule was pushed again.
    const newCommits = (await simulator.api.commits()).slice(commitsBefore);
    expect(new Set(newCommits.map((c) => c.scheduleId))).toEqual(new Set([missing?.id]));
    expect(await retryPush(ctx, plan.planId)).toBeUndefined();
  });

  it('two pushes that touch one schedule never write it at the same time', async () => {
    const { plan, ctx, simulator } = await h.scenario('overlap', {
      schedules: 3,
      simulator: { latencyMs: 300 },
    });
    const shared = plan.schedules[1];
    if (!shared) throw new Error('sample has no second schedule');
    const other = {
      planId: uniqueId('overlap-b'),
      schedules: [{ ...shared, agents: shared.agents.map((a) => ({ ...a, shifts: [] })) }],
    };
    await submitPush(ctx, plan);
    await submitPush(ctx, other);
    const [a, b] = await Promise.all([waitForReport(ctx, plan.planId), waitForReport(ctx, other.planId)]);
    expect(a.totals.schedulesFailed + b.totals.schedulesFailed).toBe(0);

    const runs = await runsOf(schedulePushWorkflowId(shared.scheduleId));
    expect(runs).toHaveLength(2);
    const [first, second] = runs.sort((x, y) => x.startTime.getTime() - y.startTime.getTime());
    // The second push's schedule workflow started only after the first one had closed.
    expect(first?.closeTime?.getTime()).toBeLessThanOrEqual(second?.startTime.getTime() ?? 0);
    expect(await simulator.api.commits()).toEqual(
      expect.arrayContaining([expect.objectContaining({ scheduleId: shared.scheduleId })]),
    );
    // The push that found the schedule busy (whichever it was) waited in one activity, not in a loop of timers and
    // failed starts that grows its history while it waits.
    const events = (
      await Promise.all(
        [plan.planId, other.planId].map((id) =>
          h.client.workflow.getHandle(bulkPushWorkflowId(id)).fetchHistory(),
        ),
      )
    ).flatMap((history) => history.events ?? []);
    const waits = events.filter(
      (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'waitForWorkflowToClose',
    );
    expect(waits).toHaveLength(1);
    expect(events.filter((e) => e.timerStartedEventAttributes)).toHaveLength(0);
  });
});

/** Children a run asked to start whose end it did not see: those starting or running when it closed. */
function childrenStillRunning(events: temporal.api.history.v1.IHistoryEvent[]): number {
  const started = events.filter((e) => e.startChildWorkflowExecutionInitiatedEventAttributes).length;
  const closed = events.filter(
    (e) =>
      e.childWorkflowExecutionCompletedEventAttributes ??
      e.childWorkflowExecutionFailedEventAttributes ??
      e.childWorkflowExecutionCanceledEventAttributes ??
      e.childWorkflowExecutionTerminatedEventAttributes ??
      e.childWorkflowExecutionTimedOutEventAttributes,
  ).length;
  return started - closed;
}
