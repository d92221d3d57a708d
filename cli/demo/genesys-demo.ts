import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parsePlan } from '../../client/plan-file';
import { checkGenesysInvariants, type GenesysSimState } from '../../dev/genesys-invariants';
import type { CommitRecord } from '../../dev/simulator/genesys/store';
import { simulatorWorkerEnv } from '../../dev/simulator/genesys/sample-org';
import type { Plan } from '../../model/plan';
import { print } from '../output';
import { printInvariants } from './print-invariants';
import { startSimProcess } from './services';
import type { DemoRun, DemoVariant } from './variant';

/** Genesys Cloud's limit for a client-credentials token, and the demo's other faults. */
const GENESYS_FAULTS = [
  '--token-lifetime',
  '30',
  '--rate-limit-per-minute',
  '300',
  '--download-share',
  '0.3333',
  // Some queries answered Processing: their result comes by notification, as Genesys delivers it.
  '--processing-share',
  '0.1',
  // One agent in five holds approved time off, a full-day time off or another system's activity: the check shows
  // every one kept, and agents whose plan overlaps them left alone.
  '--time-off-share',
  '0.2',
  // Supervisors' edits move the whole schedule's version, as in a busy business unit.
  '--edits-move-schedule-version',
  // A stale agent version is refused half the time at once (409), half the time later (`status: Error` by
  // notification), as the reference says Genesys does both.
  '--sync-conflict-share',
  '0.5',
];

/**
 * `wfm-push demo --api genesys`: the Genesys Cloud simulator with its own organisation (one Asia/Singapore business
 * unit), the worker in genesys mode, the sample plan the simulator writes (nine agents in ten planned, so some must
 * stay untouched), and the check against its commit log.
 */
export const genesysDemo: DemoVariant = {
  simulatorTitle: ({ agents }) =>
    `Genesys Cloud simulator (a supervisor edit every ${otherWriterMs(agents)} ms moving the schedule version, a fifth of agents with approved time off, tokens expiring every 30 s, 300 requests/minute, a third of queries by download URL, a tenth by notification)`,
  startSimulator,
  workerEnv: simulatorWorkerEnv,
  check,
};

/**
 * A supervisor edits each agent every 100 s on average (every 500 ms at 200 agents), and at most every 200 ms: each
 * edit moves the whole schedule's version, as in the busiest business unit of the BU-week benchmark.
 */
function otherWriterMs(agents: number): number {
  return Math.max(200, Math.round(100_000 / agents));
}

async function startSimulator(run: DemoRun): Promise<{ url: string; plan: Plan }> {
  const { agents } = run.options;
  const planFile = path.join(run.runDir, 'sample-plan.json');
  const args = ['--api', 'genesys', '--agents', String(agents), ...GENESYS_FAULTS];
  args.push('--other-writer-ms', String(otherWriterMs(agents)));
  // A seed of its own per run: the organisation's ids (schedule ids, hence child workflow ids) differ between runs.
  args.push('--random-seed', String(Date.now() % 2 ** 31), '--out-plan', planFile);
  args.push('--plan-agents', String(Math.max(1, agents - Math.ceil(agents / 10))));
  const url = await startSimProcess(run, args, '/_sim/commits');
  const parsed = parsePlan(await readFile(planFile, 'utf8'), undefined, 'genesys');
  if (!parsed.ok)
    throw new Error(`the simulator's sample plan is invalid: ${JSON.stringify(parsed.problems)}`);
  return { url, plan: { ...parsed.plan, planId: `demo-genesys-${run.stamp}` } };
}

/** Stops the other writer, then checks the final state and the commit log against the plan. */
async function check(url: string, plan: Plan): Promise<number> {
  await simCall(url, '/_sim/faults', { otherWriterMs: 0 });
  const [state, { commits }, { requests }] = await Promise.all([
    simCall<GenesysSimState>(url, '/_sim/state'),
    simCall<{ commits: CommitRecord[] }>(url, '/_sim/commits'),
    simCall<{ requests: Array<{ status: number }> }>(url, '/_sim/requests'),
  ]);
  const byStatus = new Map<number, number>();
  for (const r of requests) byStatus.set(r.status, (byStatus.get(r.status) ?? 0) + 1);
  const statuses = [...byStatus].map(([status, n]) => `${n}×${status}`).join(', ');
  const api = commits.filter((c) => c.writer === 'api').length;
  print(
    `Simulator: ${requests.length} API requests (${statuses}), commits by the push ${api}, by other writers ${commits.length - api}`,
  );
  const timeOff = state.approvedTimeOff ?? [];
  const planned = new Set(plan.schedules.flatMap((s) => s.agents.map((a) => `${s.scheduleId}/${a.agentId}`)));
  const ofPlanned = timeOff.filter((t) => planned.has(`${t.scheduleId}/${t.userId}`));
  print(
    `Time off: ${timeOff.length} approved time off / booked activities in the organisation, ${ofPlanned.length} of planned agents; the check below verifies every one is still there`,
  );
  return printInvariants(checkGenesysInvariants({ plan, state, commits }));
}

async function simCall<T>(url: string, path: string, patch?: unknown): Promise<T> {
  const res = await fetch(
    `${url}${path}`,
    patch === undefined ? {} : { method: 'PATCH', body: JSON.stringify(patch) },
  );
  if (!res.ok) throw new Error(`simulator ${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}
