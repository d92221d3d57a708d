/**
 * What the field report's script does, for comparison: one GET and one PUT per agent, CONCURRENCY agents at a time,
 * and on a 409 "fetch the latest version, re-apply, retry" with exponential backoff (the suggested fix), honouring
 * Retry-After. No Temporal. `npm run bench:baseline [-- CONCURRENCY]` prints its requests per landed agent against
 * the fault-matrix simulator.
 */
import { applyChanges } from '../wfm/rest/apply-changes';
import { retryAfterMs } from '../wfm/failures';
import type { ScheduleDocument } from '../wfm/rest/schedule-document';
import { generateSample } from '../dev/sample';
import { FAULT_MATRIX, formatMetrics, pushMetrics } from '../dev/scenarios';
import { listen } from '../dev/simulator/server';
import { WfmSimulator } from '../dev/simulator/wfm-simulator';
import { machine } from './support';

const MAX_TRIES = 8;
const CONCURRENCY = Number(process.argv[2] ?? 10);

async function main(): Promise<void> {
  const { documents, plan } = generateSample({
    schedules: FAULT_MATRIX.schedules,
    agents: FAULT_MATRIX.agents,
  });
  const sim = new WfmSimulator(FAULT_MATRIX.simulator);
  sim.store.seed(documents);
  const running = await listen(sim);
  const headers = { authorization: 'Bearer dev-token', 'content-type': 'application/json' };
  let landed = 0;
  let gaveUp = 0;
  const started = Date.now();
  const work = plan.schedules.flatMap((schedule) => schedule.agents.map((agent) => ({ schedule, agent })));
  const pushAgent = async ({ schedule, agent }: (typeof work)[number]) => {
    const url = `${running.url}/api/v2/wfm/schedules/${schedule.scheduleId}`;
    for (let attempt = 0; attempt < MAX_TRIES; attempt++) {
      try {
        const read = await fetch(url, { headers });
        if (read.status === 429) {
          await sleep(retryAfterMs(read.headers.get('retry-after'), Date.now()) ?? 1000);
          continue;
        }
        if (!read.ok) throw new Error(`GET ${read.status}`);
        const doc = (await read.json()) as ScheduleDocument;
        const body = applyChanges(doc, [agent]);
        const write = await fetch(url, { method: 'PUT', headers, body: JSON.stringify(body) });
        if (write.ok) {
          landed++;
          return;
        }
        if (write.status === 429)
          await sleep(retryAfterMs(write.headers.get('retry-after'), Date.now()) ?? 1000);
      } catch {
        // Reset or 5xx: back off and retry, like the script.
      }
      await sleep(Math.min(5000, 100 * 2 ** attempt) * Math.random());
    }
    gaveUp++;
  };
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      for (let next = work.shift(); next; next = work.shift()) await pushAgent(next);
    }),
  );
  const totalAgents = plan.schedules.reduce((n, s) => n + s.agents.length, 0);
  const fakeReport = {
    planId: 'baseline',
    state: 'completed' as const,
    schedules: [],
    totals: { agentsChanged: landed, agentsAlreadyInPlace: 0 } as never,
  };
  console.log(
    `per-agent baseline, ${CONCURRENCY} at a time, against the ${FAULT_MATRIX.name} simulator; machine: ${machine()}`,
  );
  console.log(
    `wall time: ${((Date.now() - started) / 1000).toFixed(1)} s; landed ${landed}/${totalAgents}, gave up on ${gaveUp} after ${MAX_TRIES} tries`,
  );
  console.log(`requests: ${formatMetrics(pushMetrics(sim.requests, fakeReport))}`);
  await running.close();
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
