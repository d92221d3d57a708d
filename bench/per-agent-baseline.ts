/**
 * The field report's per-agent script against the fault-matrix simulator: `npm run bench:baseline [-- CONCURRENCY]`
 * prints its wall time and requests per landed agent (bench:faults runs it beside wfm-push in the same run).
 */
import { runPerAgentScript } from '../test/infra/per-agent-script';
import { generateSample } from '../dev/sample';
import { FAULT_MATRIX, formatMetrics, pushMetrics } from '../test/infra/scenarios';
import { listen } from '../dev/simulator/server';
import { WfmSimulator } from '../dev/simulator/wfm-simulator';
import { countAgents } from '../model/plan';
import { machine } from './support';

const CONCURRENCY = Number(process.argv[2] ?? 10);

async function main(): Promise<void> {
  const { documents, plan } = generateSample({
    schedules: FAULT_MATRIX.schedules,
    agents: FAULT_MATRIX.agents,
  });
  const sim = new WfmSimulator(FAULT_MATRIX.simulator);
  sim.store.seed(documents);
  const running = await listen(sim);
  try {
    const { landed, gaveUp, seconds } = await runPerAgentScript({
      baseUrl: running.url,
      plan,
      concurrency: CONCURRENCY,
    });
    console.log(
      `per-agent baseline, ${CONCURRENCY} at a time, against the ${FAULT_MATRIX.name} simulator; machine: ${machine()}`,
    );
    console.log(
      `wall time: ${seconds.toFixed(1)} s; landed ${landed}/${countAgents(plan)}, gave up on ${gaveUp}`,
    );
    const report = { totals: { agentsChanged: landed, agentsAlreadyInPlace: 0 } } as Parameters<
      typeof pushMetrics
    >[1];
    console.log(`requests: ${formatMetrics(pushMetrics(sim.requests, report))}`);
  } finally {
    await running.close();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
