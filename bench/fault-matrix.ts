/**
 * The fault-matrix scenario, measured: `npm run bench:faults`.
 * Prints requests per landed agent, the share of 429s, wall time and the invariant check.
 */
import { pushContext } from '../client/context';
import { submitPush, waitForReport } from '../client/push-client';
import { checkSimulator } from '../dev/invariants';
import { generateSample } from '../dev/sample';
import { FAULT_MATRIX, formatMetrics, pushMetrics } from '../dev/scenarios';
import { listen } from '../dev/simulator/server';
import { WfmSimulator } from '../dev/simulator/wfm-simulator';
import { loadWorkerSettings } from '../worker/settings';
import { startWorkers } from '../worker/run-worker';
import { benchEnv, machine } from './support';

async function main(): Promise<void> {
  const scenario = FAULT_MATRIX;
  const env = await benchEnv();
  const { documents, plan } = generateSample({
    schedules: scenario.schedules,
    agents: scenario.agents,
    planId: `bench-${Date.now()}`,
    idPrefix: `bench-${Date.now()}`,
  });
  const sim = new WfmSimulator(scenario.simulator);
  sim.store.seed(documents);
  const running = await listen(sim);
  const taskQueue = `bench-${Date.now()}`;
  const settings = loadWorkerSettings({
    ...scenario.worker,
    WFM_BASE_URL: running.url,
    WFM_PUSH_TASK_QUEUE: taskQueue,
    WFM_PUSH_DATA_DIR: env.dataDir,
  });
  const workers = await startWorkers({ settings, connection: env.nativeConnection });
  try {
    const started = Date.now();
    const ctx = pushContext(env.client, settings);
    await submitPush(ctx, plan);
    const report = await waitForReport(ctx, plan.planId);
    const seconds = (Date.now() - started) / 1000;
    const metrics = pushMetrics(sim.requests, report);
    const violations = checkSimulator(sim, plan, report.schedules);
    const t = report.totals;
    console.log(
      `scenario ${scenario.name}: ${scenario.schedules} schedules × ${scenario.agents / scenario.schedules} agents; simulator ${JSON.stringify(scenario.simulator)}; worker ${JSON.stringify(scenario.worker)}`,
    );
    console.log(`machine: ${machine()}`);
    console.log(`wall time: ${seconds.toFixed(1)} s`);
    console.log(
      `report: ${t.agentsChanged + t.agentsAlreadyInPlace}/${t.agentsPlanned} agents in place, ${t.schedulesFailed} schedules failed, ${t.writes} writes, ${t.conflicts} conflicts, ${t.rateLimitWaits} rate-limit waits, ${t.transientRetries} transient retries`,
    );
    console.log(`requests: ${formatMetrics(metrics)}`);
    console.log(
      `other writers: ${sim.stats().commits.noise} noise commits, ${sim.stats().commits['conflict-writer']} conflicting commits; lost acknowledgements: ${sim.requests.filter((r) => r.lostAck).length}`,
    );
    console.log(`invariant violations: ${violations.length}`);
    if (violations.length > 0 || t.schedulesFailed > 0) process.exitCode = 1;
  } finally {
    await workers.shutdown();
    await running.close();
    await env.close();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
