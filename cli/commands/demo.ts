import type { Command } from 'commander';
import { z } from 'zod';
import type { SharedSettings } from '../../common/settings';
import { countAgents, type Plan } from '../../model/plan';
import type { PushReport } from '../../model/report';
import type { DevServer } from '../../dev/temporal-dev-server';
import type { Service } from '../../dev/processes';
import { commandWithOptions, intOption, parseOptions } from '../options';
import { CliExit, ExitCode, onShutdownSignal, print, say } from '../output';

const demoOptions = z.object({
  keep: z.boolean().optional().describe('leave the dev server, simulator and worker running afterwards'),
  schedules: intOption(1, 100_000).default(40).describe('schedules'),
  agents: intOption(1, 10_000_000).default(2000).describe('planned agents'),
  port: intOption(1, 64535).default(7233).describe('Temporal gRPC port (UI on port + 1000)'),
});
type DemoOptions = z.infer<typeof demoOptions>;

/** The faults the demo's simulator plays: the field report's 15 % conflicts, a busy planner, a rate limit. */
const DEMO_RATE_LIMIT = 50;
const DEMO_FAULTS = ['--conflict-rate', '0.15', '--noise-ms', '50', '--rate-limit', String(DEMO_RATE_LIMIT)];

/** What the demo started, so it can stop all of it (or leave it running with --keep). */
interface Started {
  server?: DevServer;
  services: Service[];
}

/**
 * `wfm-push demo`: the main job on the embedded default. A Temporal dev server, the WFM simulator with other writers,
 * a worker, and a push of a sample plan, checked against the simulator's commit log.
 */
export function demoCommand(): Command {
  return commandWithOptions('demo', demoOptions)
    .description(
      'The whole thing on one machine: dev server, simulator with faults, worker, a 2,000-agent push, report.',
    )
    .action(async (raw: Record<string, unknown>) => {
      const options = parseOptions(demoOptions, raw);
      const started: Started = { services: [] };
      const stopAll = async () => {
        await Promise.all(started.services.map((s) => s.stop()));
        await started.server?.stop();
      };
      // Ctrl-C stops what the demo started, unless it was asked to keep it.
      if (!options.keep) onShutdownSignal(stopAll);
      try {
        await runDemo(options, started);
      } finally {
        if (options.keep) say(`Left running (--keep): ${describeStarted(started)}.`);
        else await stopAll();
      }
    });
}

async function runDemo(options: DemoOptions, started: Started): Promise<void> {
  const path = await import('node:path');
  const { mkdir, writeFile } = await import('node:fs/promises');
  const { loadSharedSettings } = await import('../../common/settings');
  const { temporalAt } = await import('../../common/temporal');
  const { generateSample } = await import('../../dev/sample');
  const { startDevServer } = await import('../../dev/temporal-dev-server');

  const stamp = new Date().toISOString().replace(/[-:]/g, '').slice(0, 15);
  const base = loadSharedSettings(process.env);
  const runDir = path.join(base.dataDir, 'demo', stamp);
  await mkdir(runDir, { recursive: true });

  say('1/5 Temporal dev server, and the codec server its UI reads the encrypted payloads with ...');
  const codecUrl = await startCodecServer(started, runDir, base, options.port + 1000);
  const server = await startDevServer({
    port: options.port,
    cliPath: process.env.TEMPORAL_CLI_PATH,
    uiCodecEndpoint: codecUrl,
    log: say,
  });
  started.server = server;
  // One settings value for the demo's client and its worker: same server, data folder and task queue.
  const settings: SharedSettings = {
    ...base,
    temporal: temporalAt(server.address),
    taskQueue: `wfm-push-demo-${stamp}`,
  };

  say(
    `2/5 WFM simulator (conflict rate 15 %, another writer every 50 ms, ${DEMO_RATE_LIMIT} requests/s) ...`,
  );
  const sample = generateSample({
    schedules: options.schedules,
    agents: options.agents,
    planId: `demo-${stamp}`,
  });
  const planFile = path.join(runDir, 'plan.json');
  await writeFile(planFile, JSON.stringify(sample.plan, null, 2));
  const simUrl = await startSimulator(started, runDir, sample.documents);

  say('3/5 Worker ...');
  await startWorker(started, runDir, settings, simUrl);

  say(
    `4/5 Pushing ${countAgents(sample.plan)} agents in ${sample.plan.schedules.length} schedules (plan ${planFile}) ...`,
  );
  const report = await pushAndFollow(settings, sample.plan);
  print(`${(await import('../../client/report-format')).formatReport(report)}\n`);

  say('5/5 Checking the simulator commit log against the plan ...');
  const violations = await checkCommitLog(simUrl, sample.plan, report);
  print(
    `Temporal UI: ${server.uiUrl}/namespaces/default/workflows?query=${encodeURIComponent(`BulkPushId="${sample.plan.planId}"`)}`,
  );
  print(`Logs and files of this run: ${path.relative(process.cwd(), runDir) || runDir}`);
  if (violations > 0 || report.totals.schedulesFailed > 0) throw new CliExit(ExitCode.failed);
}

/** `wfm-push codec-server` for the UI's origin, with the data folder's payload key (generated here on first use). */
async function startCodecServer(started: Started, runDir: string, settings: SharedSettings, uiPort: number) {
  const path = await import('node:path');
  const { freePort, startCliProcess, waitForHttp } = await import('../../dev/processes');
  const port = await freePort(8888);
  const codec = startCliProcess(
    'codec server',
    ['codec-server', '--port', String(port), '--origin', `http://localhost:${uiPort}`],
    { ...process.env, WFM_PUSH_DATA_DIR: settings.dataDir },
    path.join(runDir, 'codec-server.log'),
  );
  started.services.push(codec);
  const url = `http://127.0.0.1:${port}`;
  // Any answer means it listens (a GET is refused with 404).
  await waitForHttp(`${url}/`, codec, 30_000, true);
  return url;
}

async function startSimulator(started: Started, runDir: string, documents: unknown[]): Promise<string> {
  const path = await import('node:path');
  const { writeFile } = await import('node:fs/promises');
  const { freePort, startCliProcess, waitForHttp } = await import('../../dev/processes');
  const seedFile = path.join(runDir, 'seed.json');
  await writeFile(seedFile, JSON.stringify({ schedules: documents }));
  const port = await freePort(4010);
  const sim = startCliProcess(
    'simulator',
    ['sim', '--port', String(port), '--seed', seedFile, ...DEMO_FAULTS],
    process.env,
    path.join(runDir, 'simulator.log'),
  );
  started.services.push(sim);
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp(`${url}/_sim/stats`, sim);
  return url;
}

async function startWorker(started: Started, runDir: string, settings: SharedSettings, simUrl: string) {
  const path = await import('node:path');
  const { startCliProcess } = await import('../../dev/processes');
  const env = {
    ...process.env,
    TEMPORAL_ADDRESS: settings.temporal.address,
    TEMPORAL_NAMESPACE: settings.temporal.namespace,
    WFM_PUSH_TASK_QUEUE: settings.taskQueue,
    WFM_PUSH_DATA_DIR: settings.dataDir,
    WFM_BASE_URL: simUrl,
    // Nobody tells the worker the WFM's limit: it finds it, as it would for a real WFM.
  };
  started.services.push(startCliProcess('worker', ['worker'], env, path.join(runDir, 'worker.log')));
}

async function pushAndFollow(settings: SharedSettings, plan: Plan): Promise<PushReport> {
  const { openPushContext } = await import('../../client/context');
  const { keyGenerated } = await import('../session');
  const { submitPush, waitForReport } = await import('../../client/push-client');
  const { showProgress } = await import('../follow');
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

/** DESIGN.md's invariants against the simulator's commit log; prints what it found and returns the violations. */
async function checkCommitLog(simUrl: string, plan: Plan, report: PushReport): Promise<number> {
  const { checkInvariants } = await import('../../dev/invariants');
  const { SimulatorClient } = await import('../../dev/simulator/sim-client');
  const sim = new SimulatorClient(simUrl);
  const [commits, initial, stats] = await Promise.all([sim.commits(), sim.initial(), sim.stats()]);
  const violations = checkInvariants({ plan, initial, commits, results: report.schedules });
  const statuses = Object.entries(stats.byStatus)
    .map(([status, n]) => `${n}×${status}`)
    .join(', ');
  const others = stats.commits.noise + stats.commits['conflict-writer'];
  print(
    `Simulator: ${stats.requests} requests (${statuses}), commits by the push ${stats.commits.api}, by other writers ${others}`,
  );
  print(
    violations.length === 0
      ? 'Invariants hold: every planned agent is in place, no write of the push touched an agent outside the plan, none was redundant or repeated.'
      : `INVARIANT VIOLATIONS (${violations.length}):\n${violations.map((v) => `  ${v.kind} ${v.scheduleId}@${v.version ?? '-'} ${v.agentId ?? ''}: ${v.message}`).join('\n')}`,
  );
  return violations.length;
}

function describeStarted({ server, services }: Started): string {
  const names = services.map((s) => `${s.name} pid ${s.pid}`);
  if (server?.pid) names.push(`Temporal dev server pid ${server.pid}`);
  return names.join(', ');
}
