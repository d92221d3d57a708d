import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { WorkflowExecutionInfo } from '@temporalio/client';
import { decodeVersioningBehavior } from '@temporalio/common';
import { pausePush, pushProgress, resumePush, submitPush, waitForReport } from '../../client/push-client';
import { ensureTemporalCli } from '../../dev/temporal-dev-server';
import { generateSample } from '../../dev/sample';
import { BULK_PUSH_ID } from '../../model/names';
import type { WfmPort } from '../../wfm/port';
import { uniqueId, type Harness } from './harness';
import { eventually } from './wait-until';

const run = promisify(execFile);

/**
 * Worker Versioning rolled out with the Temporal CLI as the README shows it, on the Temporal service at `address` (the
 * harness's): a push started on build A is paused, build B is made current, a new push runs; the first push, resumed,
 * ends on A: its later children and its continued runs (two children per run) stay on the build that started it.
 * Which build did the work is seen twice: from the workers' own WFM reads (each build's port is tagged), and from
 * Temporal's description of every workflow of both pushes.
 */
export async function rolloutKeepsRunningPushOnItsBuild(h: Harness, address: string): Promise<void> {
  const cli = await ensureTemporalCli({ cliPath: process.env.TEMPORAL_CLI_PATH });

  /** `temporal worker deployment set-current-version`, retried until the build's workers have polled. */
  async function setCurrent(deploymentName: string, buildId: string): Promise<void> {
    await eventually(
      () =>
        run(cli, [
          'worker',
          'deployment',
          'set-current-version',
          '--deployment-name',
          deploymentName,
          '--build-id',
          buildId,
          '--address',
          address,
          '--yes',
        ]),
      30_000,
      500,
    );
  }

  async function workflowsOf(planId: string): Promise<WorkflowExecutionInfo[]> {
    const found: WorkflowExecutionInfo[] = [];
    for await (const w of h.client.workflow.list({ query: `${BULK_PUSH_ID.name} = "${planId}"` }))
      found.push(w);
    return found;
  }

  /** Build ID and behaviour of every run of a push (parent runs and schedule children), as Temporal describes them. */
  async function versionsOf(
    planId: string,
  ): Promise<Array<{ type: string; build?: string; behavior?: unknown }>> {
    const runs = await workflowsOf(planId);
    return Promise.all(
      runs.map(async (w) => {
        const { raw } = await h.client.workflow.getHandle(w.workflowId, w.runId).describe();
        const info = raw.workflowExecutionInfo?.versioningInfo;
        return {
          type: w.type,
          build: info?.deploymentVersion?.buildId ?? undefined,
          behavior: decodeVersioningBehavior(info?.behavior),
        };
      }),
    );
  }

  const {
    plan: first,
    simulator,
    queue,
    ctx,
  } = await h.scenario('versioned', {
    schedules: 6,
    agents: 30,
    simulator: { latencyMs: 20 },
    startWorkers: false,
  });
  const secondId = uniqueId('versioned-b');
  const second = generateSample({ schedules: 3, agents: 15, idPrefix: secondId, planId: secondId });
  simulator.sim.store.seed(second.documents);
  const deployment = uniqueId('wfm-push-test');

  const reads: Array<{ build: string; scheduleId: string }> = [];
  const tagged = (build: string) => (wfm: WfmPort) =>
    new Proxy(wfm, {
      get(target, property, receiver) {
        if (property !== 'readSchedule') return Reflect.get(target, property, receiver) as unknown;
        return (...args: Parameters<WfmPort['readSchedule']>) => {
          reads.push({ build, scheduleId: args[0].scheduleId });
          return target.readSchedule(...args);
        };
      },
    });
  const startBuild = (build: string) =>
    h.startWorkers(
      h.settings(queue, simulator.url, { WFM_PUSH_DEPLOYMENT_NAME: deployment, WFM_PUSH_BUILD_ID: build }),
      undefined,
      { wrapWfm: tagged(build) },
    );

  await startBuild('build-a');
  await setCurrent(deployment, 'build-a');
  await submitPush(ctx, first, { maxInFlight: 1, maxChildrenPerRun: 2 });
  await eventually(() => expect(reads.length).toBeGreaterThanOrEqual(1));
  await pausePush(ctx.client, first.planId);
  await eventually(async () =>
    expect(await pushProgress(ctx.client, first.planId)).toMatchObject({ paused: true }),
  );

  await startBuild('build-b');
  await setCurrent(deployment, 'build-b');
  const rolledOutAt = reads.length;
  await submitPush(ctx, second.plan);
  const secondReport = await waitForReport(ctx, second.plan.planId);
  expect(secondReport.totals).toMatchObject({ schedulesDone: 3, schedulesFailed: 0 });

  await resumePush(ctx.client, first.planId);
  const firstReport = await waitForReport(ctx, first.planId);
  expect(firstReport.totals).toMatchObject({ schedulesDone: 6, schedulesFailed: 0 });

  const inFirst = new Set(first.schedules.map((s) => s.scheduleId));
  const inSecond = new Set(second.plan.schedules.map((s) => s.scheduleId));
  const firstReads = reads.filter((r) => inFirst.has(r.scheduleId));
  // Most of the first push ran after the rollout, all of it on A; the second push entirely on B.
  expect(
    new Set(
      reads
        .slice(rolledOutAt)
        .filter((r) => inFirst.has(r.scheduleId))
        .map((r) => r.scheduleId),
    ).size,
  ).toBeGreaterThanOrEqual(3);
  expect(new Set(firstReads.map((r) => r.build))).toEqual(new Set(['build-a']));
  expect(new Set(reads.filter((r) => inSecond.has(r.scheduleId)).map((r) => r.build))).toEqual(
    new Set(['build-b']),
  );

  // Temporal's view: every run of the first push (three parent runs, six children) pinned to A; the second on B.
  await eventually(async () => {
    const firstRuns = await versionsOf(first.planId);
    expect(firstRuns.filter((r) => r.type === 'bulkPush').length).toBeGreaterThanOrEqual(3);
    expect(firstRuns.filter((r) => r.type === 'schedulePush')).toHaveLength(6);
    expect(new Set(firstRuns.map((r) => `${r.build} ${String(r.behavior)}`))).toEqual(
      new Set(['build-a PINNED']),
    );
    const secondRuns = await versionsOf(second.plan.planId);
    expect(secondRuns.filter((r) => r.type === 'schedulePush')).toHaveLength(3);
    expect(new Set(secondRuns.map((r) => `${r.build} ${String(r.behavior)}`))).toEqual(
      new Set(['build-b PINNED']),
    );
  });
}
