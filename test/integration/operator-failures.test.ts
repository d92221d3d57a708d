import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ServerFailure } from '@temporalio/common';
import { decodeOptionalFailureToOptionalError } from '@temporalio/common/lib/internal-non-workflow';
import { temporal } from '@temporalio/proto';
import { pushAgentReport } from '../../client/agent-report';
import {
  cancelPush,
  pushProgress,
  pushReport,
  submitPush,
  syncTrouble,
  waitForReport,
} from '../../client/push-client';
import { formatReport } from '../../client/report-format';
import { freePort, startCliProcess, type Service } from '../../dev/processes';
import { bulkPushWorkflowId, schedulePushWorkflowId } from '../../model/names';
import { Harness } from '../support/harness';
import { runCli } from '../support/run-cli';
import { eventually, waitUntil } from '../support/wait-until';

/**
 * What an operator sees when things go wrong (issue 21): the failure a sync is retrying is kept by Temporal and named
 * where the operator looks (`status`, the worker log), within seconds.
 */
describe('failures an operator can see', () => {
  let h: Harness;
  const processes: Service[] = [];
  beforeAll(async () => {
    h = await Harness.create();
  });
  afterEach(async () => {
    await Promise.all(processes.splice(0).map((p) => p.stop(5_000)));
    await h.afterEach();
  });
  afterAll(() => h.teardown());

  /** The pending sync of a schedule once it has failed at least once. */
  const retryingSync = (scheduleId: string, timeoutMs = 20_000) =>
    waitUntil(
      `the sync of ${scheduleId} has failed and is retrying`,
      async () => {
        const described = await h.client.workflow
          .getHandle(schedulePushWorkflowId(scheduleId))
          .describe()
          .catch(() => undefined);
        const pending = described?.raw.pendingActivities?.[0];
        return pending?.lastFailure && (pending.attempt ?? 0) > 1 && pending;
      },
      timeoutMs,
    );

  it('names a WFM that refuses connections in `status` and the worker log within 20 s, in a failure Temporal keeps', async () => {
    // A real worker process: Node's own fetch errors (their cause chains) are what made the failure too big.
    const deadPort = await freePort();
    const { plan, ctx, env } = await h.scenario('dead-wfm', { schedules: 3, startWorkers: false });
    const logFile = path.join(h.dataDir, 'dead-wfm-worker.log');
    processes.push(
      startCliProcess(
        'worker',
        ['worker'],
        { ...process.env, ...env, WFM_BASE_URL: `http://127.0.0.1:${deadPort}` },
        logFile,
      ),
    );
    const startedAt = Date.now();
    await submitPush(ctx, plan);
    const refused = `WFM unreachable: connection refused by 127.0.0.1:${deadPort}`;

    const status = await eventually(async () => {
      const run = await runCli(['status', plan.planId], env, 30_000);
      expect(run.stdout).toContain(refused);
      return run;
    }, 20_000);
    expect(Date.now() - startedAt).toBeLessThan(20_000);
    expect(status.stdout).toMatch(/schedule\(s\) in flight retrying \(attempt \d+, /);
    const json = JSON.parse((await runCli(['status', plan.planId, '--json'], env)).stdout) as {
      trouble?: { type: string; problem?: unknown };
    };
    expect(json.trouble).toMatchObject({
      type: 'Transient',
      problem: { host: `127.0.0.1:${deadPort}`, network: 'ECONNREFUSED' },
    });

    // The failure is kept whole (not replaced by "Failure exceeds size limit."), well under Temporal's 4 KB.
    const pending = await retryingSync(plan.schedules[0]!.scheduleId);
    const failure = await decodeOptionalFailureToOptionalError(
      h.client.options.loadedDataConverter,
      pending.lastFailure,
    );
    expect(failure).not.toBeInstanceOf(ServerFailure);
    expect(failure?.message).toContain(refused);
    expect(temporal.api.failure.v1.Failure.encode(pending.lastFailure!).finish().length).toBeLessThan(2048);

    await eventually(() => expect(readFileSync(logFile, 'utf8')).toContain(refused), 10_000);
    // The worker said so at start, and ran on: the WFM may only be down for a while.
    expect(readFileSync(logFile, 'utf8')).toContain(
      `WFM NOT reached at start: GET schedule wfm-push-reach-check: ${refused}`,
    );
    await h.client.workflow.getHandle(`bulk-push:${plan.planId}`).cancel();
  });

  it('keeps a retried failure small for a large schedule, and lands every agent once the WFM recovers', async () => {
    // 2,500 agents in one schedule: with the agent masks in it, the failure of a retrying sync passed 2 KB (a Genesys
    // business unit's 5,000 agents take Temporal's 4 KB limit with the masks alone).
    const { plan, ctx, simulator } = await h.scenario('big-503', {
      schedules: 1,
      agents: 2500,
      simulator: { latencyMs: 30 },
      worker: { WFM_MAX_AGENTS_PER_WRITE: '250' },
    });
    await submitPush(ctx, plan);
    const scheduleId = plan.schedules[0]!.scheduleId;
    await waitUntil('most chunks have landed', async () => (await simulator.api.commits()).length >= 7);
    simulator.sim.options.failRate = 1;

    const pending = await retryingSync(scheduleId);
    const failure = await decodeOptionalFailureToOptionalError(
      h.client.options.loadedDataConverter,
      pending.lastFailure,
    );
    expect(failure).not.toBeInstanceOf(ServerFailure);
    expect(failure?.message).toContain('503');
    expect(temporal.api.failure.v1.Failure.encode(pending.lastFailure!).finish().length).toBeLessThan(2048);
    const progress = await pushProgress(h.client, plan.planId);
    const trouble = await syncTrouble(h.client, progress!);
    expect(trouble?.summary).toMatch(/^WFM failing: 127\.0\.0\.1:\d+ answers 503 for \d+ s; 1 of 1 schedule/);

    simulator.sim.options.failRate = 0;
    const report = await waitForReport(ctx, plan.planId);
    expect(report.totals).toMatchObject({ agentsChanged: 2500, schedulesFailed: 0 });
    expect(await h.violations(simulator.api, plan, report)).toEqual([]);
  });

  /** The pushes of `planId` the UI lists for `filter` (a visibility query, as typed into the UI's search). */
  const pushesFound = async (planId: string, filter: string) => {
    const ids: string[] = [];
    for await (const w of h.client.workflow.list({
      query: `WorkflowType = "bulkPush" AND BulkPushId = "${planId}" AND ${filter}`,
    }))
      ids.push(w.workflowId);
    return ids;
  };

  it('puts the outcome on the push: a push whose every schedule failed is found by PushOutcome="failed"', async () => {
    const failed = await h.scenario('all-fail', { schedules: 3, omit: [0, 1, 2] });
    const clean = await h.scenario('clean', { schedules: 2 });
    const partial = await h.scenario('partial', { schedules: 3, omit: [1] });
    for (const s of [failed, clean, partial]) await submitPush(s.ctx, s.plan);
    for (const s of [failed, clean, partial]) await waitForReport(s.ctx, s.plan.planId);

    await eventually(async () => {
      expect(await pushesFound(failed.plan.planId, 'PushOutcome = "failed"')).toEqual([
        bulkPushWorkflowId(failed.plan.planId),
      ]);
      expect(await pushesFound(clean.plan.planId, 'PushOutcome = "landed"')).toHaveLength(1);
      expect(await pushesFound(partial.plan.planId, 'PushOutcome = "partial"')).toHaveLength(1);
    }, 15_000);
    const described = await h.client.workflow.getHandle(bulkPushWorkflowId(failed.plan.planId)).describe();
    expect(described.searchAttributes.PushOutcome).toEqual(['failed']);
  });

  it('marks a cancelled push PushOutcome="cancelled"', async () => {
    const { plan, ctx } = await h.scenario('cancel-outcome', {
      schedules: 6,
      simulator: { latencyMs: 300 },
    });
    await submitPush(ctx, plan, { maxInFlight: 1 });
    await cancelPush(h.client, plan.planId);
    await waitForReport(ctx, plan.planId);
    await eventually(
      async () => expect(await pushesFound(plan.planId, 'PushOutcome = "cancelled"')).toHaveLength(1),
      15_000,
    );
  });

  it('shows a routine version conflict as a completed sync, not a failed attempt', async () => {
    const { plan, ctx, simulator } = await h.scenario('conflicts-not-red', {
      schedules: 4,
      simulator: { conflictRate: 0.5 },
    });
    await submitPush(ctx, plan);
    const report = await waitForReport(ctx, plan.planId);
    expect(report.totals.schedulesFailed).toBe(0);
    expect(report.totals.conflicts).toBeGreaterThan(0);
    let failedAttempts = 0;
    for (const { scheduleId } of plan.schedules) {
      const history = await h.client.workflow.getHandle(schedulePushWorkflowId(scheduleId)).fetchHistory();
      failedAttempts += (history.events ?? []).filter((e) => e.activityTaskFailedEventAttributes).length;
    }
    expect(failedAttempts).toBe(0);
    expect(await h.violations(simulator.api, plan, report)).toEqual([]);
  });

  it('counts right after a cancel: schedules in flight are finishing (not "not started"), then what they became', async () => {
    const { plan, ctx } = await h.scenario('cancel-counts', {
      schedules: 9,
      agents: 90,
      // Slow enough that the schedules in flight at the cancel are still running when the report is read.
      simulator: { latencyMs: 1500 },
    });
    await submitPush(ctx, plan, { maxInFlight: 3 });
    await waitUntil('three schedules are in flight', async () => {
      const p = await pushProgress(h.client, plan.planId);
      return p && p.cursor >= 3 && p.inFlight === 3;
    });
    await cancelPush(h.client, plan.planId);
    await waitUntil(
      'the push has ended',
      async () => (await pushReport(ctx, plan.planId))?.state === 'cancelled',
    );
    const started = (await pushProgress(h.client, plan.planId))?.cursor ?? NaN;

    const now = await pushReport(ctx, plan.planId);
    const t = now!.totals;
    const finished = now!.schedules.filter((s) => s.outcome === 'landed').length;
    expect(t.schedulesInFlight).toBeGreaterThan(0);
    expect(t.schedulesInFlight! + finished).toBe(started);
    expect(t).toMatchObject({
      schedules: 9,
      schedulesDone: finished,
      schedulesFailed: 0,
      schedulesNotStarted: 9 - started,
      agentsFailed: 0,
      agentsNotStarted: (9 - started) * 10,
    });
    expect(formatReport(now!)).toContain(`still finishing`);
    const agents = await pushAgentReport(ctx, plan.planId);
    expect(agents?.counts).toMatchObject({ failed: 0, 'not-started': (9 - started) * 10 });

    // Once they have finished, each is reported as what it became, and the counts agree.
    const final = await eventually(async () => {
      const r = await pushReport(ctx, plan.planId);
      expect(r?.totals.schedulesInFlight ?? 0).toBe(0);
      expect(r?.totals.schedulesDone).toBe(started);
      return r!;
    }, 30_000);
    expect(final.schedules.filter((s) => s.outcome === 'landed')).toHaveLength(started);
    expect(final.totals).toMatchObject({ agentsChanged: started * 10, agentsFailed: 0 });
  });

  it('a wrong TEMPORAL_ADDRESS is a setting: exit 2 within seconds, the address and the variable named (client and worker)', async () => {
    const port = await freePort();
    const env = { TEMPORAL_ADDRESS: `127.0.0.1:${port}`, WFM_PUSH_DATA_DIR: h.dataDir };
    for (const args of [['status', 'any-plan'], ['worker']]) {
      const startedAt = Date.now();
      const run = await runCli(args, env, 30_000);
      expect({ args, code: run.code }).toEqual({ args, code: 2 });
      expect(run.stderr).toContain(
        `TEMPORAL_ADDRESS=127.0.0.1:${port}: no Temporal service answers there: connection refused by 127.0.0.1:${port}`,
      );
      expect(run.stderr).not.toContain('tonic');
      expect(Date.now() - startedAt).toBeLessThan(12_000);
    }
    const unset = await runCli(
      ['status', 'any-plan'],
      { ...env, TEMPORAL_ADDRESS: undefined },
      30_000,
      h.dataDir,
    );
    // Unset, the default is named as such (here nothing listens on localhost:7233, or something that is not ours).
    if (unset.code === 2)
      expect(unset.stderr).toContain('TEMPORAL_ADDRESS (unset, so the default localhost:7233)');
  });
});
