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
import { listenGenesys } from '../dev/simulator/genesys/server';
import type { Plan } from '../model/plan';
import { sameShifts } from '../model/shift';
import { agentShiftsFromGenesys } from '../wfm/genesys/shifts';
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
  const schedules = sim.store.allSchedules();
  const plan: Plan = {
    planId: id,
    schedules: schedules.map((s) => ({
      scheduleId: s.id,
      businessUnitId: s.businessUnitId,
      weekId: s.weekId,
      agents: [...s.agents.keys()].slice(0, AGENTS).map((agentId) => ({
        agentId,
        shifts: [{ start: '2026-12-08T01:00:00Z', lengthMinutes: 480, activityCode: '0' }],
      })),
    })),
  };
  const worker = await startBenchWorker(env, id, {
    WFM_API_STYLE: 'genesys',
    WFM_BASE_URL: running.url,
    WFM_LOGIN_URL: running.url,
    GENESYS_CLIENT_ID: 'sim-client',
    GENESYS_CLIENT_SECRET: 'sim-secret',
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
    console.log(`invariant violations: ${violations(sim.store, plan).join('; ') || 0}`);
  } finally {
    await worker.stop();
    await env.close();
    await running.close();
  }
}

/**
 * From the commit log: no write of the push changed an agent outside the plan; no planned agent was written twice
 * without another writer changing it in between; every planned agent the other writer left alone since the push
 * wrote it holds its planned shifts.
 */
function violations(store: ReturnType<typeof createGenesysSimulator>['store'], plan: Plan): string[] {
  const found: string[] = [];
  for (const s of plan.schedules) {
    const planned = new Map(s.agents.map((a) => [a.agentId, a.shifts]));
    const commits = store.commits.filter((c) => c.scheduleId === s.scheduleId);
    const lastWriter = new Map<string, string>();
    for (const commit of commits)
      for (const change of commit.agents) {
        if (commit.writer === 'api' && !planned.has(change.userId))
          found.push(`${s.scheduleId}: unplanned ${change.userId} written`);
        if (commit.writer === 'api' && lastWriter.get(change.userId) === 'api')
          found.push(`${s.scheduleId}: ${change.userId} written twice`);
        lastWriter.set(change.userId, commit.writer);
      }
    const stored = store.allSchedules().find((x) => x.id === s.scheduleId);
    for (const [agentId, shifts] of planned) {
      if (lastWriter.get(agentId) !== 'api') continue;
      const held = agentShiftsFromGenesys({ shifts: stored?.agents.get(agentId)?.shifts ?? [] });
      if (!sameShifts(held.shifts, shifts) || held.unrepresentable.length > 0)
        found.push(`${s.scheduleId}: ${agentId} does not hold the plan`);
    }
  }
  return found;
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
