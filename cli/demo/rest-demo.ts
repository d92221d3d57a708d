import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { checkInvariants } from '../../dev/invariants';
import { generateSample } from '../../dev/sample';
import { SimulatorClient } from '../../dev/simulator/sim-client';
import type { Plan } from '../../model/plan';
import type { PushReport } from '../../model/report';
import { print } from '../output';
import { printInvariants } from './print-invariants';
import { startSimProcess } from './services';
import type { DemoVariant } from './variant';

/** The faults the demo's simulator plays: the field report's 15 % conflicts, a busy planner, a rate limit. */
const DEMO_RATE_LIMIT = 50;
const DEMO_FAULTS = ['--conflict-rate', '0.15', '--noise-ms', '50', '--rate-limit', String(DEMO_RATE_LIMIT)];

/** `wfm-push demo` (`--api rest`): the REST simulator seeded with a sample, with the field report's faults. */
export const restDemo: DemoVariant = {
  simulatorTitle: () =>
    `WFM simulator (conflict rate 15 %, another writer every 50 ms, ${DEMO_RATE_LIMIT} requests/s)`,
  async startSimulator(run) {
    const { schedules, agents } = run.options;
    const sample = generateSample({ schedules, agents, planId: `demo-${run.stamp}` });
    const seedFile = path.join(run.runDir, 'seed.json');
    await writeFile(seedFile, JSON.stringify({ schedules: sample.documents }));
    const url = await startSimProcess(run, ['--seed', seedFile, ...DEMO_FAULTS], '/_sim/stats');
    return { url, plan: sample.plan };
  },
  // Nobody tells the worker the WFM's limit: it finds it, as it would for a real WFM.
  workerEnv: (url) => ({ WFM_BASE_URL: url }),
  check: checkCommitLog,
};

/** docs/design.md's invariants against the REST simulator's commit log; prints what it found and returns the violations. */
async function checkCommitLog(simUrl: string, plan: Plan, report: PushReport): Promise<number> {
  const sim = new SimulatorClient(simUrl);
  const [commits, initial, stats] = await Promise.all([sim.commits(), sim.initial(), sim.stats()]);
  const violations = checkInvariants({ plan, initial, commits, results: report.schedules });
  const statuses = Object.entries(stats.byStatus)
    .map(([status, n]) => `${n}×${status}`)
    .join(', ');
  const others = stats.commits.noise + stats.commits['conflict-writer'];
  print(
    `Simulator: ${stats.requests} requests (${statuses}), commits by the push ${stats.commits.api}, by other writers ${others}`,
  );
  return printInvariants(violations);
}
