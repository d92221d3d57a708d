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
import { genesysDemo } from './genesys-demo';
import type { DemoOptions } from './options';
import { restDemo } from './rest-demo';
import { startTemporal, startWorker } from './services';
import type { DemoRun, DemoVariant, Started } from './variant';

/** Runs the demo and stops what it started (Ctrl-C too), unless `--keep` leaves it running. */
export async function runDemoCommand(options: DemoOptions): Promise<void> {
  const started: Started = { services: [] };
  const stopAll = async () => {
    await Promise.all(started.services.map((s) => s.stop()));
    await started.server?.stop();
  };
  if (!options.keep) onShutdownSignal(stopAll);
  try {
    await runDemo(options, started, options.api === 'genesys' ? genesysDemo : restDemo);
  } finally {
    if (options.keep) say(`Left running (--keep): ${describeStarted(started)}.`);
    else await stopAll();
  }
}

/** The five steps: Temporal, the simulator, a worker, the push followed to its report, the check. */
async function runDemo(options: DemoOptions, started: Started, variant: DemoVariant): Promise<void> {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').slice(0, 15);
  const base = loadSharedSettings(process.env);
  const run: DemoRun = { options, started, stamp, runDir: path.join(base.dataDir, 'demo', stamp) };
  await mkdir(run.runDir, { recursive: true });

  const { server, settings } = await startTemporal(run, base);

  say(`2/5 ${variant.simulatorTitle(options)} ...`);
  const sim = await variant.startSimulator(run);
  const planFile = path.join(run.runDir, 'plan.json');
  await writeFile(planFile, JSON.stringify(sim.plan, null, 2));

  say('3/5 Worker ...');
  startWorker(run, settings, variant.workerEnv(sim.url));

  say(
    `4/5 Pushing ${countAgents(sim.plan)} agents in ${sim.plan.schedules.length} schedules (plan ${planFile}) ...`,
  );
  const report = await pushAndFollow(settings, sim.plan);
  print(`${formatReport(report)}\n`);

  say('5/5 Checking the simulator commit log against the plan ...');
  const violations = await variant.check(sim.url, sim.plan, report);
  print(
    `Temporal UI: ${server.uiUrl}/namespaces/default/workflows?query=${encodeURIComponent(`BulkPushId="${sim.plan.planId}"`)}`,
  );
  print(`Logs and files of this run: ${path.relative(process.cwd(), run.runDir) || run.runDir}`);
  if (violations > 0 || report.totals.schedulesFailed > 0) throw new CliExit(ExitCode.failed);
}

async function pushAndFollow(settings: SharedSettings, plan: Plan): Promise<PushReport> {
  const ctx = await openPushContext(settings, keyGenerated);
  try {
    await submitPush(ctx, plan);
    const report = await waitForReport(ctx, plan.planId, showProgress(settings.taskQueue));
    process.stderr.write('\n');
    return report;
  } finally {
    await ctx.close();
  }
}

function describeStarted({ server, services }: Started): string {
  const names = services.map((s) => `${s.name} pid ${s.pid}`);
  if (server?.pid) names.push(`Temporal dev server pid ${server.pid}`);
  return names.join(', ');
}
