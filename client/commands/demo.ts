import { writeFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { PROJECT_ROOT } from '../../config/env';
import { openPushContext } from '../context';
import { countAgents } from '../../model/plan';
import { checkInvariants } from '../../simulator/invariants';
import { generateSample } from '../../simulator/sample';
import { SimulatorClient } from '../../simulator/sim-client';
import { CliExit, ExitCode, onShutdownSignal } from '../cli-support';
import { freePort, startCliProcess, waitForHttp, type Service } from '../processes';
import { submitPush, waitForReport } from '../push-client';
import { formatReport } from '../report-format';
import { startDevServer, type DevServer } from '../temporal-dev-server';
import { showProgress } from './push';

export interface DemoOptions {
  keep?: boolean;
  schedules: number;
  agents: number;
  port: number;
}

/** The faults the demo's simulator plays: the field report's 15 % conflicts, a busy planner, a rate limit. */
const DEMO_RATE_LIMIT = '50';
const DEMO_FAULTS = ['--conflict-rate', '0.15', '--noise-ms', '50', '--rate-limit', DEMO_RATE_LIMIT];

/**
 * The main job on the embedded default: a Temporal dev server, the WFM simulator with other writers, a worker, and a
 * push of a sample plan, checked against the simulator's commit log.
 */
export async function demoCommand(options: DemoOptions): Promise<void> {
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const stamp = new Date().toISOString().replace(/[-:]/g, '').slice(0, 15);
  const runDir = path.join(PROJECT_ROOT, '.data', 'demo', stamp);
  await mkdir(runDir, { recursive: true });
  const services: Service[] = [];
  let server: DevServer | undefined;
  const stopAll = async () => {
    await Promise.all(services.map((s) => s.stop()));
    await server?.stop();
  };
  // Ctrl-C stops what the demo started, unless it was asked to keep it.
  if (!options.keep) onShutdownSignal(stopAll);
  try {
    log('1/5 Temporal dev server ...');
    server = await startDevServer({ port: options.port }, log);

    log('2/5 WFM simulator (conflict rate 15 %, another writer every 50 ms, 50 requests/s) ...');
    const sample = generateSample({
      schedules: options.schedules,
      agents: options.agents,
      planId: `demo-${stamp}`,
    });
    const seedFile = path.join(runDir, 'seed.json');
    const planFile = path.join(runDir, 'plan.json');
    await writeFile(seedFile, JSON.stringify({ schedules: sample.documents }));
    await writeFile(planFile, JSON.stringify(sample.plan, null, 2));
    const simPort = await freePort(4010);
    const simUrl = `http://127.0.0.1:${simPort}`;
    const sim = startCliProcess(
      'simulator',
      ['sim', '--port', String(simPort), '--seed', seedFile, ...DEMO_FAULTS],
      process.env,
      path.join(runDir, 'simulator.log'),
    );
    services.push(sim);
    await waitForHttp(`${simUrl}/_sim/stats`, sim);

    log('3/5 Worker ...');
    const taskQueue = `wfm-push-demo-${stamp}`;
    const env = {
      ...process.env,
      TEMPORAL_ADDRESS: server.address,
      WFM_BASE_URL: simUrl,
      WFM_PUSH_TASK_QUEUE: taskQueue,
      // The worker knows the WFM's limit, as an operator would configure it: it paces instead of meeting 429s.
      WFM_RATE_LIMIT_PER_SECOND: DEMO_RATE_LIMIT,
    };
    services.push(startCliProcess('worker', ['worker'], env, path.join(runDir, 'worker.log')));

    log(
      `4/5 Pushing ${countAgents(sample.plan)} agents in ${sample.plan.schedules.length} schedules (plan ${planFile}) ...`,
    );
    process.env.TEMPORAL_ADDRESS = server.address;
    const ctx = await openPushContext({
      WFM_PUSH_DATA_DIR: path.join(PROJECT_ROOT, '.data'),
      WFM_PUSH_TASK_QUEUE: taskQueue,
    });
    await submitPush(ctx, sample.plan);
    const report = await waitForReport(ctx, sample.plan.planId, showProgress(taskQueue));
    await ctx.close();
    process.stderr.write('\n');
    process.stdout.write(`${formatReport(report)}\n\n`);

    log('5/5 Checking the simulator commit log against the plan ...');
    const simClient = new SimulatorClient(simUrl);
    const [commits, initial, stats] = await Promise.all([
      simClient.commits(),
      simClient.initial(),
      simClient.stats(),
    ]);
    const violations = checkInvariants({ plan: sample.plan, initial, commits, results: report.schedules });
    process.stdout.write(
      [
        `Simulator: ${stats.requests} requests (${Object.entries(stats.byStatus)
          .map(([s, n]) => `${n}×${s}`)
          .join(
            ', ',
          )}), commits by the push ${stats.commits.api}, by other writers ${stats.commits.noise + stats.commits['conflict-writer']}`,
        violations.length === 0
          ? 'Invariants hold: every planned agent is in place, no write of the push touched an agent outside the plan, none was redundant or repeated.'
          : `INVARIANT VIOLATIONS (${violations.length}):\n${violations.map((v) => `  ${v.kind} ${v.scheduleId}@${v.version ?? '-'} ${v.agentId ?? ''}: ${v.message}`).join('\n')}`,
        `Temporal UI: ${server.uiUrl}/namespaces/default/workflows?query=${encodeURIComponent(`BulkPushId="${sample.plan.planId}"`)}`,
        `Logs and files of this run: ${path.relative(process.cwd(), runDir) || runDir}`,
      ].join('\n') + '\n',
    );
    if (violations.length > 0 || report.totals.schedulesFailed > 0) throw new CliExit(ExitCode.failed);
  } finally {
    if (options.keep) {
      log(
        `Left running (--keep): ${services.map((s) => `${s.name} pid ${s.pid}`).join(', ')}${server?.pid ? `, Temporal dev server pid ${server.pid}` : ''}.`,
      );
    } else {
      await stopAll();
    }
  }
}
