/**
 * The rebase that runs between each read of a schedule and its write: `npm run bench:rebase [-- AGENTS]`. Rebases the
 * sample plan (40 schedules, AGENTS agents each, 50 by default, a week of shifts each) onto the simulator's documents
 * (every planned agent to change) and onto the plan itself (every agent in place), over and over in this process,
 * and prints the median time of one schedule's rebase in each case. Every microsecond here widens the window in which
 * another writer can change the schedule before the write.
 */
import { generateSample } from '../dev/sample';
import type { AgentPlan } from '../model/plan';
import { rebase } from '../wfm/rebase';
import type { AgentState } from '../wfm/port';
import { machine, quantile } from './support';

const AGENTS = Number(process.argv[2] ?? 50);
const SCHEDULES = 40;
const ROUNDS = 50;

/** Median ms of one `rebase(current, planned)` per schedule, over ROUNDS rounds of every schedule. */
function timeRebase(pairs: Array<[AgentState[], AgentPlan[]]>): number {
  const times: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    for (const [current, planned] of pairs) {
      const started = performance.now();
      rebase(current, planned);
      times.push(performance.now() - started);
    }
  }
  return quantile(times, 0.5);
}

const { documents, plan } = generateSample({
  schedules: SCHEDULES,
  agents: SCHEDULES * AGENTS,
  planId: 'bench-rebase',
  idPrefix: 'bench-rebase',
});
const toChange = plan.schedules.map((s, i): [AgentState[], AgentPlan[]] => [documents[i]!.agents, s.agents]);
const inPlace = plan.schedules.map((s): [AgentState[], AgentPlan[]] => [
  s.agents.map((a) => ({ agentId: a.agentId, shifts: a.shifts })),
  s.agents,
]);
console.log(
  `bench:rebase; machine: ${machine()}; ${SCHEDULES} schedules × ${AGENTS} agents, ${ROUNDS} rounds`,
);
console.log(`median rebase, every planned agent to change: ${timeRebase(toChange).toFixed(3)} ms`);
console.log(`median rebase, every agent in place:          ${timeRebase(inPlace).toFixed(3)} ms`);
