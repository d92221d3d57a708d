/**
 * Rate limits without being told: `npm run bench:rate [-- SCHEDULES [CASE...]]`.
 *
 * SCHEDULES × 10 agents (default 300) against a simulator that allows 10 requests/s (token bucket, burst 10), with
 * worker processes on their DEFAULT settings (no WFM_RATE_LIMIT_PER_SECOND: nobody tells them the limit). One case
 * per header dialect (`none` is Genesys Cloud today: only Retry-After on a 429), each with one and with two workers,
 * and the limit halving to 5/s 20 s into the push (another integration starts). Beside them, in the same run, the
 * field report's per-agent script on the same simulator, for at most PER_AGENT_SECONDS (its projected total is
 * printed). CASE names (e.g. `none-1`, `ietf-2`, `halved-1`, `per-agent`) pick cases; default all.
 */
import type { RequestRecord } from '../dev/simulator/wfm-simulator';
import { pushContext } from '../client/context';
import { submitPush, waitForReport } from '../client/push-client';
import { checkSimulator } from '../dev/invariants';
import { runPerAgentScript } from '../test/infra/per-agent-script';
import { RATE_LIMIT_HEADER_MODES, type RateLimitHeaderMode } from '../dev/simulator/rate-limiter';
import { generateSample } from '../dev/sample';
import { listen } from '../dev/simulator/server';
import { WfmSimulator } from '../dev/simulator/wfm-simulator';
import { benchEnv, machine, startBenchWorker, type BenchEnv } from './support';

const SCHEDULES = Number(process.argv[2] ?? 300);
const ONLY = process.argv.slice(3);
const AGENTS_PER_SCHEDULE = 10;
const LIMIT_PER_SECOND = 10;
const CHANGE_AT_MS = 20_000;
const PER_AGENT_SECONDS = 120;

interface Case {
  name: string;
  headers: RateLimitHeaderMode;
  workers: number;
  halved?: boolean;
}

interface Row {
  name: string;
  landed: string;
  requests: number;
  refused: number;
  seconds: number;
  floorSeconds: number;
  workerShares: string;
  recoverSeconds: string;
  violations: number;
}

const CASES: Case[] = [
  ...RATE_LIMIT_HEADER_MODES.flatMap((headers) =>
    [1, 2].map((workers) => ({ name: `${headers}-${workers}`, headers, workers })),
  ),
  { name: 'halved-1', headers: 'none', workers: 1, halved: true },
  { name: 'halved-2', headers: 'none', workers: 2, halved: true },
];

function simulatorFor(c: Pick<Case, 'headers' | 'halved'>): WfmSimulator {
  return new WfmSimulator({
    rateLimitPerSecond: LIMIT_PER_SECOND,
    rateLimitHeaders: c.headers,
    rateLimitChanges: c.halved ? [{ atMs: CHANGE_AT_MS, ratePerSecond: LIMIT_PER_SECOND / 2 }] : [],
    latencyMs: 10,
    latencyJitterMs: 20,
  });
}

function samplePlan(id: string) {
  return generateSample({
    schedules: SCHEDULES,
    agents: SCHEDULES * AGENTS_PER_SCHEDULE,
    unplannedPerSchedule: 2,
    idPrefix: id,
    planId: id,
  });
}

/** The least time the accepted requests could have taken at the allowed rate (after a change: at the new rate). */
function floorSeconds(accepted: number, halved: boolean): number {
  const before = (CHANGE_AT_MS / 1000) * LIMIT_PER_SECOND;
  if (!halved || accepted <= before) return accepted / LIMIT_PER_SECOND;
  return CHANGE_AT_MS / 1000 + (accepted - before) / (LIMIT_PER_SECOND / 2);
}

/**
 * Seconds from the limit's change until the push runs clean again: the first moment after which 5 s pass with no 429
 * and at least 80 % of the new limit accepted.
 */
function recoverySeconds(requests: RequestRecord[], changeAtMs: number): string {
  const after = requests.filter((r) => r.atMs >= changeAtMs);
  const end = after[after.length - 1]?.atMs ?? changeAtMs;
  for (let t = changeAtMs; t + 5000 <= end; t += 100) {
    const window = after.filter((r) => r.atMs >= t && r.atMs < t + 5000);
    const ok = window.filter((r) => r.status !== 429).length;
    if (window.every((r) => r.status !== 429) && ok >= 0.8 * 5 * (LIMIT_PER_SECOND / 2))
      return ((t - changeAtMs) / 1000).toFixed(1);
  }
  return 'never';
}

function shares(requests: RequestRecord[]): string {
  const byWorker = new Map<string, number>();
  for (const r of requests) byWorker.set(r.client ?? '?', (byWorker.get(r.client ?? '?') ?? 0) + 1);
  const counts = [...byWorker.values()].sort((a, b) => b - a);
  if (counts.length < 2) return '-';
  return `${counts.join(':')} (${((counts[0] ?? 0) / (counts[counts.length - 1] ?? 1)).toFixed(2)}:1)`;
}

async function runCase(env: BenchEnv, c: Case): Promise<Row> {
  const id = `rate-${c.name}-${Date.now()}`;
  const { documents, plan } = samplePlan(id);
  const sim = simulatorFor(c);
  sim.store.seed(documents);
  const running = await listen(sim);
  const workers = await Promise.all(
    Array.from({ length: c.workers }, (_, i) =>
      startBenchWorker(env, `${id}-w${i}`, { WFM_BASE_URL: running.url, WFM_PUSH_TASK_QUEUE: id }),
    ),
  );
  try {
    const ctx = pushContext(env.client, { dataDir: env.dataDir, taskQueue: id });
    const started = Date.now();
    await submitPush(ctx, plan);
    const report = await waitForReport(ctx, plan.planId);
    const seconds = (Date.now() - started) / 1000;
    const requests = sim.requests;
    const refused = requests.filter((r) => r.status === 429).length;
    const firstAtMs = requests[0]?.atMs ?? started;
    const t = report.totals;
    return {
      name: c.name,
      landed: `${t.agentsChanged + t.agentsAlreadyInPlace}/${t.agentsPlanned}`,
      requests: requests.length,
      refused,
      seconds,
      floorSeconds: floorSeconds(requests.length - refused, c.halved ?? false),
      workerShares: shares(requests),
      recoverSeconds: c.halved ? recoverySeconds(requests, firstAtMs + CHANGE_AT_MS) : '-',
      violations: checkSimulator(sim, plan, report.schedules).length,
    };
  } finally {
    await Promise.all(workers.map((w) => w.stop()));
    await running.close();
  }
}

/** The field report's script on the same simulator, stopped after PER_AGENT_SECONDS; its total is projected. */
async function runPerAgent(): Promise<Row> {
  const { documents, plan } = samplePlan(`rate-per-agent-${Date.now()}`);
  const sim = simulatorFor({ headers: 'none' });
  sim.store.seed(documents);
  const running = await listen(sim);
  try {
    const stopAtMs = Date.now() + PER_AGENT_SECONDS * 1000;
    const result = await runPerAgentScript({ baseUrl: running.url, plan, concurrency: 10, stopAtMs });
    const agents = SCHEDULES * AGENTS_PER_SCHEDULE;
    const refused = sim.requests.filter((r) => r.status === 429).length;
    const projected = result.landed === 0 ? Infinity : (result.seconds * agents) / result.landed;
    return {
      name: `per-agent script (${PER_AGENT_SECONDS} s)`,
      landed: `${result.landed}/${agents}`,
      requests: sim.requests.length,
      refused,
      seconds: result.seconds,
      floorSeconds: (2 * agents) / LIMIT_PER_SECOND,
      workerShares: `all: ~${Math.round(projected)} s`,
      recoverSeconds: '-',
      violations: 0,
    };
  } finally {
    await running.close();
  }
}

function print(rows: Row[]): void {
  const header = [
    'case',
    'agents in place',
    'requests',
    '429s',
    '429 %',
    'wall s',
    'floor s',
    'wall/floor',
    'per worker',
    'recover s',
    'violations',
  ];
  const body = rows.map((r) => [
    r.name,
    r.landed,
    String(r.requests),
    String(r.refused),
    ((r.refused / Math.max(1, r.requests)) * 100).toFixed(2),
    r.seconds.toFixed(1),
    r.floorSeconds.toFixed(1),
    (r.seconds / r.floorSeconds).toFixed(2),
    r.workerShares,
    r.recoverSeconds,
    String(r.violations),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i]?.length ?? 0)));
  for (const row of [header, ...body])
    console.log(row.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  '));
}

async function main(): Promise<void> {
  console.log(
    `bench:rate: ${SCHEDULES} schedules × ${AGENTS_PER_SCHEDULE} agents, simulator limit ${LIMIT_PER_SECOND}/s (token bucket, burst ${LIMIT_PER_SECOND}), 10–30 ms latency; workers on default settings; machine: ${machine()}`,
  );
  const env = await benchEnv();
  const rows: Row[] = [];
  try {
    for (const c of CASES.filter((c) => ONLY.length === 0 || ONLY.includes(c.name))) {
      rows.push(await runCase(env, c));
      console.log(`done: ${c.name}`);
    }
    if (ONLY.length === 0 || ONLY.includes('per-agent')) rows.push(await runPerAgent());
  } finally {
    await env.close();
  }
  print(rows);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
