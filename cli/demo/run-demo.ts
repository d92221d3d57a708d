import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { openPushContext } from '../../client/context';
import { submitPush, waitForReport } from '../../client/push-client';
import { formatReport } from '../../client/report-format';
import { loadSharedSettings, type SharedSettings } from '../../common/settings';
import { countAgents, type Plan } from '../../model/plan';
import type { PushReport } from '../../model/report';
import { showProgress } from '../follow';
import { CliExit, ExitCode, onShutdownSignal, print, say } from '../output';
import { keyGenerated } from '../session';
import { endLeftoverDemoPushes } from './leftovers';
import { genesysDemo } from './genesys-demo';
import type { DemoOptions } from './options';
import { restDemo } from './rest-demo';
import { startTemporal, startWorker } from './services';
import type { DemoRun, DemoVariant, Started } from './variant';

/** Runs the demo and stops what it started (Ctrl-C too), unless `--keep` leaves it running. */
export async function runDemoCommand(options: DemoOptions): Promise<void> {
  const started: Started = { services: [] };
  const reuse: { run?: DemoRun } = {};
  const stopAll = async () => {
    await Promise.all(started.services.map((s) => s.stop()));
    await started.server?.stop();
  };
  if (!options.keep) onShutdownSignal(stopAll);
  try {
    await runDemo(options, started, options.api === 'genesys' ? genesysDemo : restDemo, reuse);
  } finally {
    if (options.keep) say(keptLines(started, reuse.run?.reuse));
    else await stopAll();
  }
}

/** The five steps: Temporal, the simulator, a worker, the push followed to its report, the check. */
async function runDemo(
  options: DemoOptions,
  started: Started,
  variant: DemoVariant,
  out: { run?: DemoRun },
): Promise<void> {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').slice(0, 15);
  const base = loadSharedSettings(process.env);
  const run: DemoRun = { options, started, stamp, runDir: path.join(base.dataDir, 'demo', stamp) };
  out.run = run;
  await mkdir(run.runDir, { recursive: true });

  const { server, settings } = await startTemporal(run, base);
  await endLeftovers(settings);

  say(`2/5 ${variant.simulatorTitle(options)} ...`);
  const sim = await variant.startSimulator(run);
  const planFile = path.join(run.runDir, 'plan.json');
  await writeFile(planFile, JSON.stringify(sim.plan, null, 2));

  say('3/5 Worker ...');
  const wfmEnv = variant.workerEnv(sim.url);
  startWorker(run, settings, wfmEnv);
  run.reuse = { settings, wfmEnv, planId: sim.plan.planId, uiUrl: server.uiUrl };

  say(
    `4/5 Pushing ${countAgents(sim.plan)} agents in ${sim.plan.schedules.length} schedules (plan ${planFile}) ...`,
  );
  const report = await pushAndFollow(settings, sim.plan);
  print(`${formatReport(report)}\n`);

  say('5/5 Checking the simulator commit log against the plan ...');
  const violations = await variant.check(sim.url, sim.plan, report);
  // Without --keep the dev server stops with the demo: its UI address would be dead by the time anyone opens it.
  if (options.keep)
    print(
      `Temporal UI: ${server.uiUrl}/namespaces/default/workflows?query=${encodeURIComponent(`BulkPushId="${sim.plan.planId}"`)}`,
    );
  else say('The Temporal UI stops with the demo; `wfm-push demo --keep` leaves it (and the rest) running.');
  print(`Logs and files of this run: ${path.relative(process.cwd(), run.runDir) || run.runDir}`);
  if (violations > 0 || report.totals.schedulesFailed > 0) throw new CliExit(ExitCode.failed);
}

async function pushAndFollow(settings: SharedSettings, plan: Plan): Promise<PushReport> {
  const ctx = await openPushContext(settings, keyGenerated);
  try {
    await submitPush(ctx, plan);
    const report = await waitForReport(ctx, plan.planId, showProgress(settings.taskQueue, ctx.client));
    process.stderr.write('\n');
    return report;
  } finally {
    await ctx.close();
  }
}

/** Ends what an earlier, interrupted demo left running on this server (see `endLeftoverDemoPushes`). */
async function endLeftovers(settings: SharedSettings): Promise<void> {
  const ctx = await openPushContext(settings, keyGenerated);
  try {
    const ended = await endLeftoverDemoPushes(ctx.client, settings.taskQueue);
    if (ended.length > 0)
      say(
        `    ended ${ended.length} push(es) an earlier demo left running with no worker: ${ended.join(', ')}`,
      );
  } finally {
    await ctx.close();
  }
}

/**
 * What `--keep` left running, and the exact environment to reach it from another shell: the task queue its worker
 * polls is the demo's own, so commands without it would wait for a worker that never comes.
 */
export function keptLines(started: Started, reuse: DemoRun['reuse']): string {
  const lines = [`Left running (--keep): ${describeStarted(started)}.`];
  if (!reuse) return lines.join('\n');
  const { settings, wfmEnv, planId, uiUrl } = reuse;
  const clientEnv = {
    TEMPORAL_ADDRESS: settings.temporal.address,
    WFM_PUSH_TASK_QUEUE: settings.taskQueue,
    WFM_PUSH_DATA_DIR: path.resolve(settings.dataDir),
  };
  const assign = (env: Record<string, string | undefined>) =>
    Object.entries(env)
      .filter((e): e is [string, string] => e[1] !== undefined)
      .map(([k, v]) => `${k}=${shellQuote(v)}`)
      .join(' ');
  lines.push(
    `To use it from another shell (its worker polls task queue ${settings.taskQueue}):`,
    `  export ${assign(clientEnv)}`,
    `  wfm-push status ${planId}        # or: wfm-push push your-plan.json --wait`,
    `  ${assign(wfmEnv)} wfm-push worker   # another worker on the same simulator`,
    ...(uiUrl ? [`  Temporal UI: ${uiUrl}`] : []),
    `Stop it: kill ${[...started.services.map((s) => s.pid), ...(started.server?.pid ? [started.server.pid] : [])].join(' ')}`,
  );
  return lines.join('\n');
}

function shellQuote(value: string): string {
  return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

function describeStarted({ server, services }: Started): string {
  const names = services.map((s) => `${s.name} pid ${s.pid}`);
  if (server?.pid) names.push(`Temporal dev server pid ${server.pid}`);
  return names.join(', ');
}
