import type { Command } from 'commander';
import { z } from 'zod';
import type { SharedSettings } from '../../common/settings';
import { countAgents, type Plan } from '../../model/plan';
import type { PushReport } from '../../model/report';
import type { DevServer } from '../../dev/temporal-dev-server';
import type { Service } from '../../dev/processes';
import { parseEnv, type Env } from '../../common/env';
import type { Violation } from '../../dev/invariants';
import { commandWithOptions, intOption, parseOptions } from '../options';
import { CliExit, ExitCode, onShutdownSignal, print, say } from '../output';

const demoOptions = z.object({
  api: z
    .enum(['rest', 'genesys'])
    .default('rest')
    .meta({ arg: 'style' })
    .describe(
      'which WFM: rest (the REST contract) or genesys (Genesys Cloud WFM, one Asia/Singapore business unit)',
    ),
  keep: z.boolean().optional().describe('leave the dev server, simulator and worker running afterwards'),
  schedules: intOption(1, 100_000).default(40).describe('schedules (rest)'),
  agents: intOption(1, 10_000_000)
    .default(2000)
    .describe('planned agents (rest); agents of the business unit, nine in ten planned (genesys)'),
  port: intOption(1, 64535).default(7233).describe('Temporal gRPC port (UI on port + 1000)'),
});
export type DemoOptions = z.infer<typeof demoOptions>;

/** The faults the demo's simulator plays: the field report's 15 % conflicts, a busy planner, a rate limit. */
const DEMO_RATE_LIMIT = 50;
const DEMO_FAULTS = ['--conflict-rate', '0.15', '--noise-ms', '50', '--rate-limit', String(DEMO_RATE_LIMIT)];

/** What the demo started, so it can stop all of it (or leave it running with --keep). */
export interface Started {
  server?: DevServer;
  services: Service[];
}

/** Where a demo run keeps its files, and its unique stamp. */
export interface DemoRun {
  options: DemoOptions;
  started: Started;
  runDir: string;
  stamp: string;
}

/** What differs between the WFMs: the simulator and its plan, the worker's WFM settings, the check. */
export interface DemoVariant {
  simulatorTitle(options: DemoOptions): string;
  /** Starts the simulator; returns its URL and the plan to push into it. */
  startSimulator(run: DemoRun): Promise<{ url: string; plan: Plan }>;
  /** The worker's WFM variables for a simulator at `url`. */
  workerEnv(url: string): Env;
  /** The invariants against the simulator's evidence; prints what it found and returns the violations. */
  check(url: string, plan: Plan, report: PushReport): Promise<number>;
}

/**
 * `wfm-push demo`: the main job on the embedded default. A Temporal dev server, the WFM simulator with other writers,
 * a worker, and a push of a sample plan, checked against the simulator's commit log.
 */
export function demoCommand(): Command {
  return commandWithOptions('demo', demoOptions)
    .description(
      'The whole thing on one machine: dev server, simulator with faults (REST or Genesys Cloud), worker, a 2,000-agent push, report.',
    )
    .action(async (raw: Record<string, unknown>) => {
      const options = parseOptions(demoOptions, raw);
      if (options.api === 'genesys' && raw.schedules !== undefined)
        throw new CliExit(
          ExitCode.invalidInput,
          'Not for --api genesys: --schedules (one schedule per business unit)',
        );
      const started: Started = { services: [] };
      const stopAll = async () => {
        await Promise.all(started.services.map((s) => s.stop()));
        await started.server?.stop();
      };
      // Ctrl-C stops what the demo started, unless it was asked to keep it.
      if (!options.keep) onShutdownSignal(stopAll);
      try {
        const variant = options.api === 'genesys' ? (await import('./demo-genesys')).genesysDemo : restDemo;
        await runDemo(options, started, variant);
      } finally {
        if (options.keep) say(`Left running (--keep): ${describeStarted(started)}.`);
        else await stopAll();
      }
    });
}

async function runDemo(options: DemoOptions, started: Started, variant: DemoVariant): Promise<void> {
  const path = await import('node:path');
  const { mkdir, writeFile } = await import('node:fs/promises');
  const { loadSharedSettings } = await import('../../common/settings');
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
  await startWorker(run, settings, variant.workerEnv(sim.url));

  say(
    `4/5 Pushing ${countAgents(sim.plan)} agents in ${sim.plan.schedules.length} schedules (plan ${planFile}) ...`,
  );
  const report = await pushAndFollow(settings, sim.plan);
  print(`${(await import('../../client/report-format')).formatReport(report)}\n`);

  say('5/5 Checking the simulator commit log against the plan ...');
  const violations = await variant.check(sim.url, sim.plan, report);
  print(
    `Temporal UI: ${server.uiUrl}/namespaces/default/workflows?query=${encodeURIComponent(`BulkPushId="${sim.plan.planId}"`)}`,
  );
  print(`Logs and files of this run: ${path.relative(process.cwd(), run.runDir) || run.runDir}`);
  if (violations > 0 || report.totals.schedulesFailed > 0) throw new CliExit(ExitCode.failed);
}

/** Step 1: the dev server (and the codec server of its UI); the settings the demo's client and worker share. */
async function startTemporal(run: DemoRun, base: SharedSettings) {
  const { temporalAt } = await import('../../common/temporal');
  const { devServerEnvSchema, startDevServer } = await import('../../dev/temporal-dev-server');
  say('1/5 Temporal dev server, and the codec server its UI reads the encrypted payloads with ...');
  const codecUrl = await startCodecServer(run, base, run.options.port + 1000);
  const server = await startDevServer({
    port: run.options.port,
    cliPath: parseEnv(devServerEnvSchema, process.env).TEMPORAL_CLI_PATH,
    uiCodecEndpoint: codecUrl,
    log: say,
    ...tiedUnlessKept(run),
  });
  run.started.server = server;
  // One settings value for the demo's client and its worker: same server, data folder and task queue.
  const settings: SharedSettings = {
    ...base,
    temporal: temporalAt(server.address),
    taskQueue: `wfm-push-demo-${run.stamp}`,
  };
  return { server, settings };
}

/** `wfm-push codec-server` for the UI's origin, with the data folder's payload key (generated here on first use). */
async function startCodecServer(run: DemoRun, settings: SharedSettings, uiPort: number) {
  const path = await import('node:path');
  const { freePort, startCliProcess, waitForHttp } = await import('../../dev/processes');
  const port = await freePort(8888);
  const codec = startCliProcess(
    'codec server',
    ['codec-server', '--port', String(port), '--origin', `http://localhost:${uiPort}`],
    { ...process.env, WFM_PUSH_DATA_DIR: settings.dataDir },
    path.join(run.runDir, 'codec-server.log'),
    tiedUnlessKept(run),
  );
  run.started.services.push(codec);
  const url = `http://127.0.0.1:${port}`;
  // Any answer means it listens (a GET is refused with 404).
  await waitForHttp(`${url}/`, codec, 30_000, true);
  return url;
}

/** Starts `wfm-push sim <args>` on a free port and waits until `readyPath` answers. */
export async function startSimProcess(run: DemoRun, args: string[], readyPath: string): Promise<string> {
  const path = await import('node:path');
  const { freePort, startCliProcess, waitForHttp } = await import('../../dev/processes');
  const port = await freePort(4010);
  const sim = startCliProcess(
    'simulator',
    ['sim', '--port', String(port), ...args],
    process.env,
    path.join(run.runDir, 'simulator.log'),
    tiedUnlessKept(run),
  );
  run.started.services.push(sim);
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp(`${url}${readyPath}`, sim);
  return url;
}

const restDemo: DemoVariant = {
  simulatorTitle: () =>
    `WFM simulator (conflict rate 15 %, another writer every 50 ms, ${DEMO_RATE_LIMIT} requests/s)`,
  async startSimulator(run) {
    const path = await import('node:path');
    const { writeFile } = await import('node:fs/promises');
    const { generateSample } = await import('../../dev/sample');
    const { schedules, agents } = run.options;
    const sample = generateSample({ schedules, agents, planId: `demo-${run.stamp}` });
    const seedFile = path.join(run.runDir, 'seed.json');
    await writeFile(seedFile, JSON.stringify({ schedules: sample.documents }));
    const url = await startSimProcess(run, ['--seed', seedFile, ...DEMO_FAULTS], '/_sim/stats');
    return { url, plan: sample.plan };
  },
  // Nobody tells the worker the WFM's limit: it finds it, as it would for a real WFM.
  workerEnv: (url) => ({ WFM_BASE_URL: url }),
  check: checkCommitLog,
};

async function startWorker(run: DemoRun, settings: SharedSettings, wfmEnv: Env) {
  const path = await import('node:path');
  const { startCliProcess } = await import('../../dev/processes');
  const env = {
    ...process.env,
    TEMPORAL_ADDRESS: settings.temporal.address,
    TEMPORAL_NAMESPACE: settings.temporal.namespace,
    WFM_PUSH_TASK_QUEUE: settings.taskQueue,
    WFM_PUSH_DATA_DIR: settings.dataDir,
    ...wfmEnv,
  };
  run.started.services.push(
    startCliProcess('worker', ['worker'], env, path.join(run.runDir, 'worker.log'), tiedUnlessKept(run)),
  );
}

/**
 * Without --keep, what the demo starts goes when the demo goes, however it goes (a kill -9 too, which no signal
 * handler sees); with --keep it is left running in process groups of its own.
 */
function tiedUnlessKept(run: DemoRun): { tiedToThisProcess: boolean } {
  return { tiedToThisProcess: !run.options.keep };
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

/** DESIGN.md's invariants against the REST simulator's commit log; prints what it found and returns the violations. */
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
  return printInvariants(violations);
}

/** Prints whether the invariants hold (or each violation); returns how many were violated. */
export function printInvariants(violations: Violation[]): number {
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
