/**
 * Faults and small pushes, with DEFAULT worker settings: `npm run bench:faults`. In one run:
 * 1. the hostile 40 × 50 push (other writers, 15 % conflicts, 5 % lost answers, 5 % 503s, 20–50 ms latency) through
 *    the real CLI, `wfm-push push --wait`, timed from the command's start to its exit (CLI start included), against a
 *    worker process that is already up;
 * 2. the same scenario pushed by the field report's per-agent script, on a fresh simulator;
 * 3. a one-schedule push through the CLI, on a quiet simulator;
 * 4. the full fault matrix: the hostile push plus a 20 requests/s limit the worker is not told about;
 * 5. hot schedules (another writer every 2 ms), also pushed by the per-agent script, and a rate-bound push
 *    (4 requests/s) with another writer on every schedule about every 4 s: conflicts against writes, requests against
 *    the floor.
 * Prints wall times side by side, requests per landed agent, 429 shares and the invariant check (0 redundant or
 * repeated writes) of each, and the worker's peak memory. `--metrics` and `--tracing` turn the workers' metrics
 * (scraped every 5 s) and traces (to an OTLP receiver in this process; the CLI's too) on (bench/observe.ts);
 * `--no-baseline` leaves out the per-agent script (`bench/observe-overhead.ts` runs wfm-push's scenarios with each on
 * and off); `--only hot,one` runs only the named scenarios (hostile, one, matrix, hot, rate-bound), to repeat one
 * while tuning.
 */
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { pushContext } from '../client/context';
import { submitPush, waitForReport } from '../client/push-client';
import { checkInvariants, checkSimulator, type Violation } from '../dev/invariants';
import { packageRoot } from '../dev/package-root';
import { runPerAgentScript } from '../test/infra/per-agent-script';
import { generateSample } from '../dev/sample';
import {
  FAULT_MATRIX,
  formatMetrics,
  HOSTILE,
  HOT,
  pushMetrics,
  RATE_BOUND_WRITER,
  type Scenario,
} from '../test/infra/scenarios';
import { listen } from '../dev/simulator/server';
import { WfmSimulator } from '../dev/simulator/wfm-simulator';
import type { Plan } from '../model/plan';
import type { PushReport } from '../model/report';
import { observeFrom, type Observe } from './observe';
import { benchEnv, machine, peakRss, quantile, startBenchWorker, type BenchEnv } from './support';

const run = promisify(execFile);

/** What a timed push gets: the plan, the same plan as a file, and the task queue its worker serves. */
interface PushRun {
  plan: Plan;
  planFile: string;
  queue: string;
}

interface Outcome {
  name: string;
  seconds: number;
  line: string;
  violations: Violation[];
}

function sample(scenario: Pick<Scenario, 'schedules' | 'agents'>, id: string) {
  return generateSample({ schedules: scenario.schedules, agents: scenario.agents, planId: id, idPrefix: id });
}

/** A default worker and a simulator for `scenario`; `push` gets the plan and must return the report. */
async function withScenario(
  env: BenchEnv & { observe: Observe },
  name: string,
  slug: string,
  scenario: Scenario,
  push: (run: PushRun) => Promise<PushReport>,
): Promise<Outcome> {
  const id = `bench-${slug}-${Date.now()}`;
  const { documents, plan } = sample(scenario, id);
  const sim = new WfmSimulator(scenario.simulator);
  sim.store.seed(documents);
  const running = await listen(sim);
  const worker = await startBenchWorker(env, id, {
    ...scenario.worker,
    WFM_BASE_URL: running.url,
    WFM_PUSH_TASK_QUEUE: id,
    ...(await env.observe.workerEnv()),
  });
  try {
    const planFile = path.join(env.dataDir, '..', `${id}.json`);
    await writeFile(planFile, JSON.stringify(plan));
    const started = Date.now();
    const report = await push({ plan, planFile, queue: id });
    const ended = Date.now();
    const seconds = (ended - started) / 1000;
    const workerMiB = peakRss(worker.pid) / 1024;
    return {
      name,
      seconds,
      line: `${formatMetrics(pushMetrics(sim.requests, report))}; ${conflictsOfWrites(sim)}${otherWriters(sim, scenario, started, ended)}; worker peak ${workerMiB.toFixed(0)} MiB`,
      violations: checkSimulator(sim, plan, report.schedules),
    };
  } finally {
    await worker.stop();
    await running.close();
  }
}

/**
 * How often the other writer really edited each schedule during the push (a busy simulator fires its timer late), and
 * the conflicts a push would meet even if nothing but the network stood between each read and its write: the write
 * spends the simulator's latency in flight before its version is checked, so with edits at rate r per schedule a
 * write is refused with probability 1 - e^(-r·latency), and retrying until one lands costs e^(r·latency) - 1
 * conflicts per schedule.
 */
function otherWriters(sim: WfmSimulator, scenario: Scenario, fromMs: number, toMs: number): string {
  // Only where the other writer is all there is (the hostile scenarios' injected conflicts need no window).
  if (!scenario.simulator.noiseMs || scenario.simulator.conflictRate) return '';
  const edits = sim.store.commits.filter((c) => {
    const at = Date.parse(c.at);
    return c.writer === 'noise' && at >= fromMs && at <= toMs;
  }).length;
  const perScheduleMs = (toMs - fromMs) / (edits / scenario.schedules);
  const latencyMs = scenario.simulator.latencyMs ?? 0;
  const floor = scenario.schedules * Math.expm1(latencyMs / perScheduleMs);
  return `; the other writer edited each schedule every ${perScheduleMs.toFixed(0)} ms: ${floor.toFixed(1)} conflicts for a window of the ${latencyMs} ms latency alone`;
}

/** Writes refused for their version (409 or 412) against all writes. */
function conflictsOfWrites(sim: WfmSimulator): string {
  const writes = sim.requests.filter((r) => r.method === 'PUT');
  const refused = writes.filter((r) => r.status === 409 || r.status === 412).length;
  const share = writes.length === 0 ? 0 : (refused / writes.length) * 100;
  return `${refused} of ${writes.length} writes refused for their version (${share.toFixed(0)} %); ${readToWrite(sim)}`;
}

/**
 * How long another writer had to change a schedule between our read and our write: from a GET's arrival to the
 * arrival of the schedule's next PUT (the simulator serves both after the same latency, so this is the window it
 * sees). Of it, the GET's answer time is the network's and the simulator's (a busy simulator answers late); the rest
 * is the worker's.
 */
function readToWrite(sim: WfmSimulator): string {
  const lastRead = new Map<string, number>();
  const windows: number[] = [];
  for (const r of sim.requests) {
    if (r.method === 'GET') lastRead.set(r.scheduleId, r.atMs);
    else if (r.method === 'PUT') {
      const read = lastRead.get(r.scheduleId);
      if (read !== undefined) windows.push(r.atMs - read);
      lastRead.delete(r.scheduleId);
    }
  }
  if (windows.length === 0) return 'no read-to-write windows';
  return `read-to-write window median ${quantile(windows, 0.5)} ms, p90 ${quantile(windows, 0.9)} ms`;
}

/** `wfm-push push --wait` as a scheduler runs it; the report comes from its `--json` output. */
function viaCli(env: BenchEnv & { observe: Observe }) {
  return async ({ planFile, queue }: PushRun): Promise<PushReport> => {
    const bin = path.join(packageRoot(), 'bin', 'wfm-push.js');
    const { stdout } = await run(process.execPath, [bin, 'push', planFile, '--wait', '--json'], {
      env: {
        ...process.env,
        TEMPORAL_ADDRESS: env.server.address,
        WFM_PUSH_TASK_QUEUE: queue,
        WFM_PUSH_DATA_DIR: env.dataDir,
        ...env.observe.clientEnv,
      },
      maxBuffer: 64 << 20,
    });
    return JSON.parse(stdout) as PushReport;
  };
}

/** Through the client library, for the fault matrix (no CLI timing needed there). */
function viaLibrary(env: BenchEnv) {
  return async ({ plan, queue }: PushRun): Promise<PushReport> => {
    const ctx = pushContext(env.client, { dataDir: env.dataDir, taskQueue: queue });
    await submitPush(ctx, plan);
    return waitForReport(ctx, plan.planId);
  };
}

async function perAgent(scenario: Scenario, name: string): Promise<Outcome> {
  const { documents, plan } = sample(scenario, `bench-per-agent-${Date.now()}`);
  const sim = new WfmSimulator(scenario.simulator);
  sim.store.seed(documents);
  const running = await listen(sim);
  try {
    const result = await runPerAgentScript({ baseUrl: running.url, plan, concurrency: 10 });
    const report = { totals: { agentsChanged: result.landed, agentsAlreadyInPlace: 0 } } as PushReport;
    // The script keeps no report: only what the commit log shows about its writes counts here.
    const violations = checkInvariants({
      plan,
      initial: sim.store.initialDocuments(),
      commits: sim.store.commits,
      results: [],
    }).filter((v) => v.kind !== 'unreported');
    return {
      name,
      seconds: result.seconds,
      line: `${formatMetrics(pushMetrics(sim.requests, report))}; gave up on ${result.gaveUp} agents`,
      violations,
    };
  } finally {
    await running.close();
  }
}

const SCENARIO_SLUGS = ['hostile', 'one', 'matrix', 'hot', 'rate-bound'];

/** `--only a,b`: whether a scenario runs (every one without the flag); an unknown name is refused. */
function onlyScenarios(argv: readonly string[]): (slug: string) => boolean {
  const at = argv.indexOf('--only');
  if (at < 0) return () => true;
  const names = (argv[at + 1] ?? '').split(',').filter(Boolean);
  const unknown = names.filter((n) => !SCENARIO_SLUGS.includes(n));
  if (names.length === 0 || unknown.length > 0)
    throw new Error(
      `--only takes scenario names among ${SCENARIO_SLUGS.join(', ')}; got "${argv[at + 1] ?? ''}"`,
    );
  return (slug) => names.includes(slug);
}

async function main(): Promise<void> {
  const only = onlyScenarios(process.argv); // before anything starts: a wrong name starts nothing
  const observe = await observeFrom(process.argv);
  console.log(`bench:faults, default worker settings, ${observe.label}; machine: ${machine()}`);
  console.log(
    `hostile scenario: ${HOSTILE.schedules} × ${HOSTILE.agents / HOSTILE.schedules} agents, simulator ${JSON.stringify(HOSTILE.simulator)}`,
  );
  const env = { ...(await benchEnv()), observe };
  const outcomes: Outcome[] = [];
  const baseline = !process.argv.includes('--no-baseline');
  const ratios: Array<[string, Outcome, Outcome]> = [];
  /** The CLI's push of `scenario`, then (unless --no-baseline) the per-agent script's of the same, side by side. */
  const besideTheScript = async (
    what: string,
    name: string,
    slug: string,
    scenario: Scenario,
    scriptName: string,
  ) => {
    if (!only(slug)) return;
    const ours = await withScenario(env, name, slug, scenario, viaCli(env));
    outcomes.push(ours);
    if (!baseline) return;
    const script = await perAgent(scenario, scriptName);
    outcomes.push(script);
    ratios.push([what, ours, script]);
  };
  try {
    await besideTheScript(
      'hostile push',
      'wfm-push CLI, hostile 40 × 50',
      'hostile',
      HOSTILE,
      'per-agent script (field report)',
    );
    if (only('one'))
      outcomes.push(
        await withScenario(
          env,
          'wfm-push CLI, 1 schedule × 50, quiet',
          'one',
          { ...HOSTILE, schedules: 1, agents: 50, simulator: {} },
          viaCli(env),
        ),
      );
    if (only('matrix'))
      outcomes.push(
        await withScenario(
          env,
          'fault matrix (+ 20/s limit, untold)',
          'matrix',
          FAULT_MATRIX,
          viaLibrary(env),
        ),
      );
    await besideTheScript(
      'hot schedules',
      'hot 40 × 50 (writer every 2 ms)',
      'hot',
      HOT,
      'per-agent script, hot 40 × 50',
    );
    if (only('rate-bound'))
      outcomes.push(
        await withScenario(
          env,
          'rate-bound 40 × 11, 4/s, writer per ~4 s',
          'rate-bound',
          RATE_BOUND_WRITER,
          viaLibrary(env),
        ),
      );
  } finally {
    await env.close();
    await observe.close();
  }
  console.log(`observability: ${observe.label} (${observe.summary()})`);
  for (const o of outcomes) {
    const byKind = new Map<string, number>();
    for (const v of o.violations) byKind.set(v.kind, (byKind.get(v.kind) ?? 0) + 1);
    const found = [...byKind].map(([kind, n]) => `${n} ${kind}`).join(', ') || '0';
    console.log(
      `${o.name.padEnd(40)} ${o.seconds.toFixed(1).padStart(6)} s  ${o.line}; invariant violations: ${found}`,
    );
  }
  for (const [what, cli, script] of ratios)
    console.log(
      `wfm-push is ${(script.seconds / cli.seconds).toFixed(1)}× faster than the per-agent script on the ${what}, CLI start included`,
    );
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
