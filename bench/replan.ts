/**
 * Intraday re-plans: `npm run bench:replan [-- SCHEDULES INTERVAL_S PLANS]`.
 *
 * A scheduler re-plans the same schedules every INTERVAL_S seconds (default 10) while each push needs about
 * SCHEDULES × 2 requests / 10 per second (default 100 schedules × 10 agents: ~20 s) against a WFM that allows 10
 * requests/s. PLANS (default 4) plans, each a full plan of the same schedules with other content, are submitted on
 * the interval, once as today (each push waits for the older one schedule by schedule) and once with `--supersede`.
 * One worker process with default settings per case. Printed per plan: when it was submitted, how it ended, and the
 * time from its submission until it was in place everywhere (or until its push stopped, superseded); and per case:
 * the newest plan's time to land, requests, writes and the writes of plans that were already stale.
 *
 * The full size (re-plan every 30 s, each push ~60 s): `npm run bench:replan -- 300 30 4` (about 8 minutes).
 */
import { pushContext } from '../client/context';
import { submitPush, waitForReport } from '../client/push-client';
import { checkInvariants } from '../dev/invariants';
import { generateSample } from '../dev/sample';
import { listen } from '../dev/simulator/server';
import { WfmSimulator } from '../dev/simulator/wfm-simulator';
import type { Plan } from '../model/plan';
import type { PushReport } from '../model/report';
import { sameShifts, type Shift } from '../model/shift';
import { sleep } from '../common/sleep';
import { benchEnv, machine, startBenchWorker, type BenchEnv } from './support';

const SCHEDULES = Number(process.argv[2] ?? 100);
const INTERVAL_S = Number(process.argv[3] ?? 10);
const PLANS = Number(process.argv[4] ?? 4);
const AGENTS_PER_SCHEDULE = 10;
const LIMIT_PER_SECOND = 10;

interface PlanRow {
  planId: string;
  submittedS: number;
  endedS: number;
  outcome: string;
  superseded: number;
}

interface CaseResult {
  name: string;
  plans: PlanRow[];
  requests: number;
  writes: number;
  staleWrites: number;
  violations: number;
}

/**
 * PLANS plans of the same schedules, each with other content for every agent: plan k gives each agent its sample
 * plan's first shift, 15 × k minutes shorter (and without activities laid over it).
 */
function plans(id: string) {
  const { documents, plan } = generateSample({
    schedules: SCHEDULES,
    agents: SCHEDULES * AGENTS_PER_SCHEDULE,
    unplannedPerSchedule: 2,
    idPrefix: id,
    planId: `${id}-p0`,
  });
  const all: Plan[] = Array.from({ length: PLANS }, (_, k) => ({
    planId: `${id}-p${k}`,
    schedules: plan.schedules.map((s) => ({
      ...s,
      agents: s.agents.map((a) => ({
        agentId: a.agentId,
        shifts: a.shifts.slice(0, 1).map(({ activities: _none, ...shift }) => ({
          ...shift,
          lengthMinutes: shift.lengthMinutes - 15 * k,
        })),
      })),
    })),
  }));
  return { documents, plans: all };
}

async function runCase(env: BenchEnv, supersede: boolean): Promise<CaseResult> {
  const name = supersede ? 'supersede' : 'wait';
  const id = `replan-${name}-${Date.now()}`;
  const { documents, plans: all } = plans(id);
  const sim = new WfmSimulator({
    rateLimitPerSecond: LIMIT_PER_SECOND,
    latencyMs: 10,
    latencyJitterMs: 20,
  });
  sim.store.seed(documents);
  const running = await listen(sim);
  const worker = await startBenchWorker(env, id, { WFM_BASE_URL: running.url, WFM_PUSH_TASK_QUEUE: id });
  try {
    const ctx = pushContext(env.client, { dataDir: env.dataDir, taskQueue: id });
    const t0 = Date.now();
    const ended: Array<Promise<{ report: PushReport; atMs: number }>> = [];
    const submittedAt: number[] = [];
    for (const [k, plan] of all.entries()) {
      const due = t0 + k * INTERVAL_S * 1000;
      if (Date.now() < due) await sleep(due - Date.now());
      submittedAt.push(Date.now());
      await submitPush(ctx, plan, supersede ? { supersede: true } : {});
      ended.push(waitForReport(ctx, plan.planId).then((report) => ({ report, atMs: Date.now() })));
    }
    const results = await Promise.all(ended);
    const rows = results.map(({ report, atMs }, k) => ({
      planId: all[k]?.planId ?? '?',
      submittedS: ((submittedAt[k] ?? t0) - t0) / 1000,
      endedS: (atMs - t0) / 1000,
      outcome: report.totals.schedulesSuperseded ? 'superseded' : report.state,
      superseded: report.totals.schedulesSuperseded ?? 0,
    }));
    const newest = all[all.length - 1];
    const newestReport = results[results.length - 1]?.report;
    // A write of a plan after a newer one was submitted is a stale change agents see and the newest plan undoes.
    const writes = sim.store.commits.filter((c) => c.writer === 'api' && c.changes.length > 0);
    const staleWrites = writes.filter((c) => {
      const atMs = Date.parse(c.at);
      return submittedAt.slice(1).some((s, k) => atMs > s && !writtenByNewerThan(c, all, k));
    }).length;
    return {
      name,
      plans: rows,
      requests: sim.requests.length,
      writes: writes.length,
      staleWrites,
      violations: newest && newestReport ? newestViolations(sim, all, newestReport) : -1,
    };
  } finally {
    await worker.stop();
    await running.close();
  }
}

/**
 * DESIGN.md's invariants for the newest plan on the commit log, the older plans' writes counted as another writer's
 * (what an older plan wrote and the newest then rewrote is no write of the newest plan's twice).
 */
function newestViolations(sim: WfmSimulator, all: Plan[], report: PushReport): number {
  const newest = all.length - 1;
  const commits = sim.store.commits.map((c) =>
    c.writer === 'api' && !writtenByNewerThan(c, all, newest - 1) ? { ...c, writer: 'manual' as const } : c,
  );
  const plan = all[newest];
  if (!plan) return -1;
  return checkInvariants({
    plan,
    initial: sim.store.initialDocuments(),
    commits,
    results: report.schedules,
  }).length;
}

/** Did this write put the content of plan k+1 or newer (submitted after plan k)? */
function writtenByNewerThan(
  commit: { scheduleId: string; changes: Array<{ agentId: string; after: unknown }> },
  all: Plan[],
  k: number,
): boolean {
  return all.slice(k + 1).some((plan) => {
    const schedule = plan.schedules.find((s) => s.scheduleId === commit.scheduleId);
    const planned = new Map(schedule?.agents.map((a) => [a.agentId, a.shifts]));
    return commit.changes.every((c) => {
      const shifts = planned.get(c.agentId);
      return shifts !== undefined && Array.isArray(c.after) && sameShifts(c.after as Shift[], shifts);
    });
  });
}

function print(results: CaseResult[]): void {
  console.log(
    `\nRe-plan every ${INTERVAL_S} s, ${PLANS} plans of ${SCHEDULES} schedules × ${AGENTS_PER_SCHEDULE} agents; WFM allows ${LIMIT_PER_SECOND} requests/s; one worker, default settings (${machine()}).`,
  );
  console.log(
    '\nper plan: submitted → ended (seconds from the first submission), time from submission to its end',
  );
  const header = ['plan', ...results.map((r) => r.name)];
  const rows = Array.from({ length: PLANS }, (_, k) => [
    `plan ${k + 1} (submitted ${results[0]?.plans[k]?.submittedS.toFixed(0) ?? '?'} s)`,
    ...results.map((r) => {
      const p = r.plans[k];
      if (!p) return '?';
      const took = (p.endedS - p.submittedS).toFixed(1);
      return p.outcome === 'superseded'
        ? `superseded after ${took} s (${p.superseded} schedules taken over)`
        : `in place after ${took} s (${p.outcome})`;
    }),
  ]);
  const summary = [
    [
      'newest plan: time to land',
      ...results.map((r) => {
        const p = r.plans[PLANS - 1];
        return p ? `${(p.endedS - p.submittedS).toFixed(1)} s` : '?';
      }),
    ],
    ['requests to the WFM', ...results.map((r) => String(r.requests))],
    ['writes', ...results.map((r) => String(r.writes))],
    ['writes of a stale plan', ...results.map((r) => String(r.staleWrites))],
    ['invariant violations (newest plan)', ...results.map((r) => String(r.violations))],
  ];
  const table = [header, ...rows, ...summary];
  const widths = header.map((_, i) => Math.max(...table.map((row) => row[i]?.length ?? 0)));
  for (const row of table) console.log(row.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  '));
}

async function main(): Promise<void> {
  const env = await benchEnv();
  try {
    const results = [await runCase(env, false), await runCase(env, true)];
    print(results);
  } finally {
    await env.close();
  }
}

void main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
