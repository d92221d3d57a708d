/**
 * A push into Genesys Cloud (the simulator), with DEFAULT worker settings: `npm run bench:genesys [-- SCHEDULES AGENTS]`.
 * 40 schedules (business units, one week) × 50 planned agents (of 60), tokens expiring every 30 s, another writer
 * editing agents every 200 ms, stale agent versions answered half at once (409) and half later (status Error), a third
 * of queries answered by download URL, 5 % of update answers lost, 300 requests/minute per token without rate-limit
 * headers. Prints the outcome, the requests and 429s, and the invariants checked on the simulator's commit log.
 */
import { pushContext } from '../client/context';
import { submitPush, waitForReport } from '../client/push-client';
import { createGenesysSimulator } from '../dev/simulator/genesys/genesys-simulator';
import { sampleGenesysPlan, simulatorWorkerEnv } from '../dev/simulator/genesys/sample-org';
import { listenGenesys } from '../dev/simulator/genesys/server';
import { state } from '../dev/simulator/genesys/test-only-routes';
import { checkGenesysInvariants } from '../dev/genesys-invariants';
import type { Plan } from '../model/plan';
import { benchEnv, machine, startBenchWorker } from './support';

const SCHEDULES = Number(process.argv[2] ?? 40);
const AGENTS = Number(process.argv[3] ?? 50);

async function main(): Promise<void> {
  const sim = createGenesysSimulator({
    seed: {
      businessUnits: SCHEDULES,
      managementUnitsPerBu: 1,
      agentsPerMu: AGENTS + 10,
      weeks: ['2026-12-07'],
      businessUnitTimeZone: 'Asia/Singapore',
    },
    tokenLifetimeSeconds: 30,
    otherWriterMs: 200,
    agentConflictSyncShare: 0.5,
    queryModes: { inline: 2, download: 1, processing: 0 },
    lostResponseShare: 0.05,
    rateLimitPerMinute: 300,
    processingDelayMs: 200,
  });
  const running = await listenGenesys(sim);
  const env = await benchEnv();
  const id = `genesys-${Date.now()}`;
  const plan: Plan = {
    ...sampleGenesysPlan(sim.store.allSchedules(), { agentsPerSchedule: AGENTS }),
    planId: id,
  };
  const worker = await startBenchWorker(env, id, {
    ...simulatorWorkerEnv(running.url),
    WFM_PUSH_TASK_QUEUE: id,
  });
  try {
    const ctx = pushContext(env.client, { dataDir: env.dataDir, taskQueue: id });
    const started = Date.now();
    await submitPush(ctx, plan);
    const report = await waitForReport(ctx, plan.planId);
    const seconds = (Date.now() - started) / 1000;
    const t = report.totals;
    const refused = sim.requests.filter((r) => r.status === 429).length;
    console.log(`bench:genesys, default worker settings; machine: ${machine()}`);
    console.log(
      `push: ${SCHEDULES} schedules × ${AGENTS} planned agents; simulator: tokens 30 s, other writer every 200 ms, conflicts half sync half async, 1/3 downloads, 5 % lost update answers, 300 requests/minute, no headers`,
    );
    console.log(
      `result: ${t.agentsChanged + t.agentsAlreadyInPlace}/${t.agentsPlanned} agents in place, ${t.schedulesFailed} schedules failed, ${t.conflicts} conflicts resolved, ${t.transientRetries} transient retries, ${seconds.toFixed(1)} s`,
    );
    console.log(
      `requests: ${sim.requests.length}, answered 429: ${refused} (${((refused / sim.requests.length) * 100).toFixed(2)} %)`,
    );
    // Judged once the other writer has stopped, as the demo does.
    sim.patchOptions({ otherWriterMs: 0 });
    const violations = checkGenesysInvariants({ plan, state: state(sim), commits: sim.store.commits });
    console.log(`invariant violations: ${violations.map((v) => v.message).join('; ') || 0}`);
  } finally {
    await worker.stop();
    await env.close();
    await running.close();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
