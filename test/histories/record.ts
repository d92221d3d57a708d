/**
 * Records workflow histories for the replay test: `npx tsx test/histories/record.ts`.
 *
 * Run it when a deliberate change to workflow code lands together with its `patched()` guards, and commit the new
 * files next to the old ones: the old histories stand for pushes still running on the previous code and must keep
 * replaying. The scenarios cover every path of both workflows: continue-as-new, conflicts, a failed schedule,
 * pause and resume signals, a cancelled push, a dry run (planDiff), and a tenant's push (its syncs on the tenant's own
 * queue). `--tenants-only` records only the tenant's push.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { Client } from '@temporalio/client';
import { benchEnv } from '../../bench/support';
import { pushContext } from '../../client/context';
import {
  cancelPush,
  pausePush,
  pushProgress,
  resumePush,
  submitPush,
  waitForReport,
} from '../../client/push-client';
import { ensureTemporalCli } from '../../dev/temporal-dev-server';
import { startDiff, waitForDiffReport } from '../../client/diff-client';
import { bulkPushWorkflowId, planDiffWorkflowId, schedulePushWorkflowId } from '../../model/names';
import { generateSample } from '../../dev/sample';
import { listen } from '../../dev/simulator/server';
import { WfmSimulator } from '../../dev/simulator/wfm-simulator';
import { loadWorkerSettings } from '../../worker/settings';
import { startWorkers } from '../../worker/run-worker';

const exec = promisify(execFile);
const OUT = __dirname;
const STAMP = new Date().toISOString().slice(0, 10);

async function main(): Promise<void> {
  // A dev server of its own, so the histories hold nothing but these pushes.
  // Plaintext histories: the replay test reads them without a key.
  const env = await benchEnv({ encryption: false });
  const { client, server } = env;
  const { documents, plan } = generateSample({
    schedules: 7,
    agents: 35,
    idPrefix: `rec-${Date.now()}`,
    planId: `rec-${Date.now()}`,
  });
  const missing = documents[3]?.id;
  const sim = new WfmSimulator({ conflictRate: 0.5, latencyMs: 100, randomSeed: 9 });
  sim.store.seed(documents.filter((d) => d.id !== missing));
  const running = await listen(sim);
  // A tenant on the same simulator (a WFM on this machine: the simulator's token).
  const tenantsFile = path.join(env.dataDir, 'tenants.json');
  mkdirSync(env.dataDir, { recursive: true });
  writeFileSync(tenantsFile, JSON.stringify({ acme: { api: 'rest', baseUrl: running.url } }));
  const settings = loadWorkerSettings({
    WFM_PUSH_ENCRYPTION: 'off',
    WFM_BASE_URL: running.url,
    WFM_PUSH_TASK_QUEUE: 'record',
    WFM_PUSH_DATA_DIR: env.dataDir,
    WFM_TENANTS_FILE: tenantsFile,
  });
  const workers = await startWorkers({ settings, connection: env.nativeConnection, client: env.client });
  const ctx = pushContext(client, settings);
  try {
    // A tenant's push: each schedule asks whether the worker serves the tenant, then syncs on its queue.
    const tenantPlan = {
      planId: `${plan.planId}-tenant`,
      tenant: 'acme',
      schedules: plan.schedules.filter((s) => s.scheduleId !== missing).slice(0, 2),
    };
    // Its workflow ID names the tenant (plan IDs are unique per tenant).
    await submitPush(ctx, tenantPlan);
    await waitForReport(ctx, tenantPlan.planId, undefined, undefined, 'acme');
    await save(
      client,
      server.address,
      bulkPushWorkflowId(tenantPlan.planId, 'acme'),
      'tenant-plan-ids-bulk-push',
    );
    for (const s of tenantPlan.schedules)
      await save(
        client,
        server.address,
        schedulePushWorkflowId(s.scheduleId, 'acme'),
        `tenant-plan-ids-schedule-push-${s.scheduleId.slice(-4)}`,
      );
    if (process.argv.includes('--tenants-only')) return;

    // A push that continues as new, meets conflicts and a missing schedule, and is paused and resumed.
    await submitPush(ctx, plan, { maxChildrenPerRun: 3, maxInFlight: 2 });
    await until(async () => ((await pushProgress(client, plan.planId))?.totals.schedulesDone ?? 0) >= 1);
    await pausePush(client, plan.planId);
    await resumePush(client, plan.planId);
    await waitForReport(ctx, plan.planId);
    await save(client, server.address, bulkPushWorkflowId(plan.planId), 'bulk-push');
    await save(client, server.address, schedulePushWorkflowId(missing ?? ''), 'schedule-push-failed');
    const conflicted = plan.schedules.find((s) =>
      sim.requests.some((r) => r.scheduleId === s.scheduleId && r.status === 412),
    );
    if (conflicted)
      await save(
        client,
        server.address,
        schedulePushWorkflowId(conflicted.scheduleId),
        'schedule-push-conflicts',
      );

    // A push cancelled half-way.
    const cancelled = {
      ...plan,
      planId: `${plan.planId}-cancel`,
      schedules: plan.schedules.filter((s) => s.scheduleId !== missing),
    };
    await submitPush(ctx, cancelled, { maxInFlight: 1 });
    await until(async () => ((await pushProgress(client, cancelled.planId))?.totals.schedulesDone ?? 0) >= 1);
    await cancelPush(client, cancelled.planId);
    await waitForReport(ctx, cancelled.planId);
    await save(client, server.address, bulkPushWorkflowId(cancelled.planId), 'bulk-push-cancelled');

    // A dry run of the plan: every schedule read, the missing one stored as not read.
    const { diffId } = await startDiff(ctx, plan, { maxInFlight: 3 });
    await waitForDiffReport(ctx, plan, diffId);
    await save(client, server.address, planDiffWorkflowId(plan.planId, diffId), 'plan-diff');

    // An intraday re-plan: a push taken over by a newer plan with --supersede (one schedule stopped mid-sync, the rest
    // left to the newer plan), and the newer push that asked.
    const older = {
      planId: `${plan.planId}-older`,
      schedules: plan.schedules.filter((s) => s.scheduleId !== missing).slice(0, 4),
    };
    const newer = {
      planId: `${plan.planId}-newer`,
      schedules: older.schedules.map((s) => ({
        ...s,
        agents: s.agents.map((a) => ({ agentId: a.agentId, shifts: a.shifts.slice(0, 1) })),
      })),
    };
    // Slow answers, no conflicts: the older push's sync is still in flight when the newer one asks it to stop.
    sim.options.latencyMs = 1500;
    sim.options.conflictRate = 0;
    await submitPush(ctx, older, { maxInFlight: 1 });
    await until(async () => ((await pushProgress(client, older.planId))?.totals.schedulesDone ?? 0) >= 1);
    await submitPush(ctx, newer, { supersede: true });
    await waitForReport(ctx, newer.planId);
    await waitForReport(ctx, older.planId);
    await save(client, server.address, bulkPushWorkflowId(older.planId), 'bulk-push-superseded');
    await save(client, server.address, bulkPushWorkflowId(newer.planId), 'bulk-push-supersede');
    for (const s of older.schedules.slice(1))
      await save(
        client,
        server.address,
        schedulePushWorkflowId(s.scheduleId),
        `schedule-push-taken-over-${s.scheduleId.slice(-4)}`,
      );
  } finally {
    await workers.shutdown();
    await running.close();
    await env.close();
  }
}

/**
 * Saves every run of the workflow ID (continue-as-new makes several), in the proto3 JSON the Temporal CLI and UI
 * export (the format `historyFromJSON` reads).
 */
async function save(client: Client, address: string, workflowId: string, name: string): Promise<void> {
  const cli = await ensureTemporalCli();
  const runs = [];
  for await (const run of client.workflow.list({ query: `WorkflowId = "${workflowId}"` })) runs.push(run);
  runs.sort((a, b) => a.startTime.getTime() - b.startTime.getTime());
  for (const [i, run] of runs.entries()) {
    const { stdout } = await exec(
      cli,
      [
        'workflow',
        'show',
        '--address',
        address,
        '--workflow-id',
        workflowId,
        '--run-id',
        run.runId,
        '--output',
        'json',
      ],
      { maxBuffer: 64 * 2 ** 20 },
    );
    const file = path.join(OUT, `${STAMP}-${name}-${i + 1}.json`);
    await writeFile(file, stdout);
    const events = (JSON.parse(stdout) as { events: unknown[] }).events.length;
    console.log(`wrote ${path.relative(process.cwd(), file)} (${events} events, ${run.status.name})`);
  }
}

async function until(check: () => Promise<boolean>): Promise<void> {
  while (!(await check())) await new Promise((r) => setTimeout(r, 100));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
