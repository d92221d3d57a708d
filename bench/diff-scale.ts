/**
 * A dry run (`wfm-push diff`) of 10,000 schedules × 10 agents against an unthrottled simulator:
 * `npm run bench:diff [-- SCHEDULES [MAX_IN_FLIGHT]] [--tuned]` (default settings unless `--tuned`, see
 * `benchTuning`). Prints wall time, schedules per second, the diff workflow's runs
 * and their history lengths, what the simulator received (reads only, no commit) and the worker's peak memory.
 */
import path from 'node:path';
import { pushContext } from '../client/context';
import { diffProgress, startDiff, waitForDiffReport } from '../client/diff-client';
import { startCliProcess } from '../dev/processes';
import { generateSample } from '../dev/sample';
import { listen } from '../dev/simulator/server';
import { WfmSimulator } from '../dev/simulator/wfm-simulator';
import { planDiffWorkflowId } from '../model/names';
import { benchEnv, benchTuning, machine, peakRss, unlessAServiceEnds } from './support';

const numbers = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const SCHEDULES = Number(numbers[0] ?? 10_000);
const AGENTS_PER_SCHEDULE = 10;
const TUNING = benchTuning(process.argv, numbers[1]);
const MAX_IN_FLIGHT = TUNING.maxInFlight;

async function main(): Promise<void> {
  const env = await benchEnv();
  const id = `diff-scale-${Date.now()}`;
  const { documents, plan } = generateSample({
    schedules: SCHEDULES,
    agents: SCHEDULES * AGENTS_PER_SCHEDULE,
    unplannedPerSchedule: 2,
    idPrefix: id,
    planId: id,
  });
  const sim = new WfmSimulator({});
  sim.store.seed(documents);
  const running = await listen(sim);
  const worker = startCliProcess(
    'worker',
    ['worker'],
    {
      ...process.env,
      WFM_PUSH_DATA_DIR: env.dataDir,
      WFM_PUSH_TASK_QUEUE: id,
      TEMPORAL_ADDRESS: env.server.address,
      WFM_BASE_URL: running.url,
      ...TUNING.workerEnv,
    },
    path.join(env.dataDir, 'worker.log'),
    // Ended with the bench, however it ends (a SIGKILL or a killed process group included).
    { tiedToThisProcess: true },
  );
  const ctx = pushContext(env.client, { dataDir: env.dataDir, taskQueue: id });
  try {
    const started = Date.now();
    const { diffId } = await startDiff(ctx, plan, { maxInFlight: MAX_IN_FLIGHT });
    const ticker = setInterval(() => {
      void diffProgress(env.client, plan.planId, diffId).then(
        (p) => p && console.log(`${p.done}/${p.schedules} schedules read, ${p.inFlight} in flight`),
      );
    }, 15_000);
    const report = await unlessAServiceEnds(waitForDiffReport(ctx, plan, diffId), [worker]);
    clearInterval(ticker);
    const seconds = (Date.now() - started) / 1000;
    const peakRssMiB = peakRss(worker.pid) / 1024;

    const runs: number[] = [];
    for await (const run of env.client.workflow.list({
      query: `WorkflowId = "${planDiffWorkflowId(plan.planId, diffId)}"`,
    })) {
      runs.push((await env.client.workflow.getHandle(run.workflowId, run.runId).describe()).historyLength);
    }
    const methods = new Map<string, number>();
    for (const r of sim.requests) methods.set(r.method, (methods.get(r.method) ?? 0) + 1);
    const s = report.summary;
    console.log(
      `machine: ${machine()}; dev server on SQLite (WAL); simulator unthrottled, in the bench process; worker its own process; ${TUNING.label}`,
    );
    console.log(
      `diff: ${SCHEDULES} schedules × ${AGENTS_PER_SCHEDULE} agents, max ${MAX_IN_FLIGHT} reads in flight`,
    );
    console.log(
      `result: ${s.schedulesRead}/${s.schedules} schedules read, ${s.schedulesUnreadable} not read; ${s.agentsToWrite} of ${s.agents} agents would be written`,
    );
    console.log(`wall time: ${seconds.toFixed(0)} s, ${(SCHEDULES / seconds).toFixed(1)} schedules/s`);
    console.log(
      `diff workflow runs: ${runs.length}; history events per run: max ${Math.max(...runs)}, mean ${Math.round(runs.reduce((a, b) => a + b, 0) / runs.length)}`,
    );
    console.log(
      `WFM requests: ${[...methods].map(([m, n]) => `${n} ${m}`).join(', ')}; commits: ${sim.store.commits.length}`,
    );
    console.log(`worker peak memory (VmHWM): ${peakRssMiB.toFixed(0)} MiB`);
    if (s.schedulesRead !== SCHEDULES || sim.store.commits.length > 0) process.exitCode = 1;
  } finally {
    await worker.stop();
    await ctx.close();
    await running.close();
    await env.close();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
