/**
 * A push into Genesys Cloud (the simulator), with DEFAULT worker settings: `npm run bench:genesys [-- SCHEDULES AGENTS]`.
 *
 * `npm run bench:genesys -- --bu-week`: what a Genesys schedule really is. One business-unit week of 5,000 agents in 4
 * management units (Genesys allows at most 5,000 per business unit, 1,500 per management unit), 3,051 planned, a
 * supervisor edit every 200 ms that moves the schedule's version, about 6 % of agents holding approved time off or
 * another system's activity, 300 requests/minute, a third of queries by download URL, 5 % of update answers lost.
 * Prints wall time, requests, conflicts, 429s and updates (waves of at most 1,000 agents) beside the floor (the
 * requests the push needs ÷ the allowed rate).
 *
 * 40 schedules (business units, one week) × 50 planned agents (of 60), tokens expiring every 30 s, another writer
 * editing agents every 200 ms, stale agent versions answered half at once (409) and half later (status Error), a third
 * of queries answered by download URL, 5 % of update answers lost, 300 requests/minute per token without rate-limit
 * headers. Prints the outcome, the requests and 429s, and the invariants checked on the simulator's commit log.
 */
import { pushContext } from '../client/context';
import { submitPush, waitForReport } from '../client/push-client';
import { createGenesysSimulator, type GenesysSimulator } from '../dev/simulator/genesys/genesys-simulator';
import type { PushReport } from '../model/report';
import { sampleGenesysPlan, simulatorWorkerEnv } from '../dev/simulator/genesys/sample-org';
import { listenGenesys } from '../dev/simulator/genesys/server';
import { state } from '../dev/simulator/genesys/test-only-routes';
import { checkGenesysInvariants } from '../dev/genesys-invariants';
import type { Plan } from '../model/plan';
import { benchEnv, machine, startBenchWorker } from './support';

const BU_WEEK = process.argv.includes('--bu-week');
const numbers = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const SCHEDULES = Number(numbers[0] ?? 40);
const AGENTS = Number(numbers[1] ?? 50);

async function main(): Promise<void> {
  if (BU_WEEK) return buWeek();
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
  await pushInto(sim, `genesys-${Date.now()}`, AGENTS, async ({ plan, report, seconds }) => {
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
  });
}

/** The busy business-unit week (see the header). */
async function buWeek(): Promise<void> {
  const planned = 3051;
  const sim = createGenesysSimulator({
    seed: {
      businessUnits: 1,
      managementUnitsPerBu: 4,
      agentsPerMu: 1250,
      weeks: ['2026-12-07'],
      businessUnitTimeZone: 'Asia/Singapore',
      timeOffShare: 0.06,
    },
    otherWriterMs: 200,
    otherWriterBumpsScheduleVersion: true,
    agentConflictSyncShare: 0.5,
    queryModes: { inline: 2, download: 1, processing: 0 },
    lostResponseShare: 0.05,
    rateLimitPerMinute: 300,
  });
  await pushInto(sim, `genesys-bu-week-${Date.now()}`, planned, async ({ plan, report, seconds }) => {
    const t = report.totals;
    const api = sim.requests.filter((r) => r.path.startsWith('/api/'));
    const refused = api.filter((r) => r.status === 429).length;
    const updates = sim.store.commits.filter((c) => c.writer === 'api');
    const supervisorEdits = sim.store.commits.length - updates.length;
    // The least a push can send: per wave of 1,000 agents one query per management unit it spans, the version, the
    // upload URL and the update (the upload goes to storage, outside the API's rate limit); plus one listing.
    const waves = Math.ceil((t.agentsChanged + t.agentsAlreadyInPlace) / 1000);
    const floorRequests = 1 + waves * 4 + 4;
    console.log(`bench:genesys --bu-week, default worker settings; machine: ${machine()}`);
    console.log(
      `business unit: 5,000 agents in 4 management units, ${planned} planned, ${sim.store.approvedTimeOff.length} holding time off or a booked activity; a supervisor edit every 200 ms moving the schedule version (${supervisorEdits} during the push); 300 requests/minute; 1/3 downloads; 5 % lost update answers`,
    );
    console.log(
      `result: ${t.agentsChanged + t.agentsAlreadyInPlace}/${t.agentsPlanned} agents in place, ${t.agentsProtected} left alone (plan overlaps approved time off), ${t.agentsFailed} failed, ${t.schedulesFailed} schedules failed, ${seconds.toFixed(1)} s`,
    );
    console.log(
      `requests: ${api.length} to the API (floor ${floorRequests} = ${(floorRequests / 5).toFixed(1)} s at 5/s), ${refused} answered 429; conflicts ${t.conflicts}; updates that landed ${updates.length} (largest ${Math.max(0, ...updates.map((u) => u.agents.length))} agents)`,
    );
    const kinds = new Map<string, number>();
    for (const r of api) {
      const route = r.path
        .split('/')
        .at(-1)
        ?.replace(/^[0-9a-f-]{36}$/, 'schedule');
      const kind = `${r.method} ${route} ${r.status}`;
      kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
    }
    console.log(`  by route: ${[...kinds].map(([k, n]) => `${n}× ${k}`).join(', ')}`);
    console.log(`  landed updates (agents each): ${updates.map((u) => u.agents.length).join(', ')}`);
    sim.patchOptions({ otherWriterMs: 0 });
    const violations = checkGenesysInvariants({ plan, state: state(sim), commits: sim.store.commits });
    console.log(
      `invariant violations: ${
        violations
          .map((v) => `${v.kind} ${v.agentId ?? ''}: ${v.message}`)
          .slice(0, 10)
          .join('; ') || 0
      }`,
    );
  });
}

/**
 * Serves `sim`, starts a worker with default settings against it, pushes the sample plan (`agents` planned agents per
 * schedule) and hands the report and the wall time to `measure`; everything it started is stopped afterwards.
 */
async function pushInto(
  sim: GenesysSimulator,
  id: string,
  agents: number,
  measure: (run: { plan: Plan; report: PushReport; seconds: number }) => Promise<void>,
): Promise<void> {
  const running = await listenGenesys(sim);
  const env = await benchEnv();
  const plan: Plan = {
    ...sampleGenesysPlan(sim.store.allSchedules(), { agentsPerSchedule: agents }),
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
    await measure({ plan, report, seconds: (Date.now() - started) / 1000 });
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
