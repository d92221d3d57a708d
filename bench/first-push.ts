/**
 * How fast a small push lands from the first request: `npm run bench:first-push [-- RUNS]` (default 10).
 * A dev server, one worker process with DEFAULT settings and a quiet simulator stay up; each run is a new
 * one-schedule plan of 50 agents pushed with `wfm-push push --wait --json`, as a scheduler would run it. Per run:
 * the first WFM read and the first write after the command started, and its exit (end to end, CLI start included);
 * then the medians, and `wfm-push --version` alone (Node's start and the CLI's modules: the floor of any command).
 * The last run's workflow histories are printed as a timeline from the command's start (where the time goes).
 * Then as many pushes through the library in this (warm) process, `submitPush` and `waitForReport`, as a scheduler
 * that embeds the client runs them: the same figures without the CLI's start (Node and its modules, the connection).
 */
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { packageRoot } from '../dev/package-root';
import { generateSample } from '../dev/sample';
import { listen } from '../dev/simulator/server';
import { temporal } from '@temporalio/proto';
import { WfmSimulator } from '../dev/simulator/wfm-simulator';
import { bulkPushWorkflowId, schedulePushWorkflowId } from '../model/names';
import { pushContext } from '../client/context';
import { submitPush, waitForReport } from '../client/push-client';
import { benchEnv, machine, startBenchWorker } from './support';

const run = promisify(execFile);
const RUNS = Number(process.argv.slice(2).find((a) => !a.startsWith('--')) ?? 10);

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

async function main(): Promise<void> {
  console.log(
    `bench:first-push, ${RUNS} runs of 1 schedule × 50 agents, DEFAULT settings; machine: ${machine()}`,
  );
  const env = await benchEnv();
  const sim = new WfmSimulator({});
  const running = await listen(sim);
  const queue = `first-push-${Date.now()}`;
  const worker = await startBenchWorker(env, queue, {
    WFM_BASE_URL: running.url,
    WFM_PUSH_TASK_QUEUE: queue,
  });
  const bin = path.join(packageRoot(), 'bin', 'wfm-push.js');
  const cliEnv = {
    ...process.env,
    TEMPORAL_ADDRESS: env.server.address,
    WFM_PUSH_TASK_QUEUE: queue,
    WFM_PUSH_DATA_DIR: env.dataDir,
  };
  const rows: Row[] = [];
  const library: Row[] = [];
  const floor: number[] = [];
  let last: { started: number; planId: string; scheduleId: string } | undefined;
  try {
    for (let i = 1; i <= RUNS; i++) {
      const id = `${queue}-${i}`;
      const { documents, plan } = generateSample({ schedules: 1, agents: 50, planId: id, idPrefix: id });
      sim.store.seed(documents);
      const planFile = path.join(env.dataDir, '..', `${id}.json`);
      await writeFile(planFile, JSON.stringify(plan));
      const before = sim.requests.length;
      const started = Date.now();
      const { stdout } = await run(process.execPath, [bin, 'push', planFile, '--wait', '--json'], {
        env: cliEnv,
        maxBuffer: 16 << 20,
      });
      const row = measured(sim.requests.slice(before), plan, started, Date.now() - started);
      const report = JSON.parse(stdout) as { totals: { agentsChanged: number } };
      if (report.totals.agentsChanged === 0) throw new Error(`run ${i} wrote nothing`);
      rows.push(row);
      last = { started, planId: plan.planId!, scheduleId: plan.schedules[0]!.scheduleId };
      console.log(`run ${String(i).padStart(2)}: ${describe(row)}`);
      const t = Date.now();
      await run(process.execPath, [bin, '--version'], { env: cliEnv });
      floor.push(Date.now() - t);
    }
    if (last) await printTimeline(env, last, sim);
    const ctx = pushContext(env.client, { dataDir: env.dataDir, taskQueue: queue });
    for (let i = 1; i <= RUNS; i++) {
      const id = `${queue}-lib-${i}`;
      const { documents, plan } = generateSample({ schedules: 1, agents: 50, planId: id, idPrefix: id });
      sim.store.seed(documents);
      const before = sim.requests.length;
      const started = Date.now();
      await submitPush(ctx, plan);
      const report = await waitForReport(ctx, plan.planId);
      const row = measured(sim.requests.slice(before), plan, started, Date.now() - started);
      if (report.totals.agentsChanged === 0) throw new Error(`library run ${i} wrote nothing`);
      library.push(row);
      console.log(`library run ${String(i).padStart(2)}: ${describe(row)}`);
    }
    await ctx.close();
  } finally {
    await worker.stop();
    await running.close();
    await env.close();
  }
  const medians = (of: Row[]) =>
    describe({
      read: median(of.map((r) => r.read)),
      write: median(of.map((r) => r.write)),
      done: median(of.map((r) => r.done)),
    });
  console.log(
    `median of ${RUNS}, CLI (wfm-push push --wait --json): ${medians(rows)}; \`wfm-push --version\` alone ${seconds(median(floor))}`,
  );
  console.log(
    `median of ${RUNS}, library in a warm process (submitPush, waitForReport): ${medians(library)}`,
  );
}

interface Row {
  read: number;
  write: number;
  done: number;
}

/** A run's first read and first write of its schedule (ms after its start), and its end. */
function measured(
  requests: WfmSimulator['requests'],
  plan: { schedules: Array<{ scheduleId: string }> },
  started: number,
  done: number,
): Row {
  // Only the run's own schedule: the worker's reach check is a GET too.
  const ours = requests.filter((r) => r.scheduleId === plan.schedules[0]?.scheduleId);
  const read = ours.find((r) => r.method === 'GET');
  const write = ours.find((r) => r.method === 'PUT');
  if (!read || !write) throw new Error(`a run made no read or no write (${requests.length} requests)`);
  return { read: read.atMs - started, write: write.atMs - started, done };
}

function describe(row: Row): string {
  return `first read ${seconds(row.read)}, first write ${seconds(row.write)}, end to end ${seconds(row.done)}`;
}

/** The last run's events (parent and child workflow) and WFM requests, in ms from the command's start. */
async function printTimeline(
  env: Awaited<ReturnType<typeof benchEnv>>,
  run: { started: number; planId: string; scheduleId: string },
  sim: WfmSimulator,
): Promise<void> {
  const lines: Array<[number, string]> = [];
  for (const [who, id] of [
    ['parent', bulkPushWorkflowId(run.planId)],
    ['child', schedulePushWorkflowId(run.scheduleId)],
  ] as const) {
    const history = await env.client.workflow.getHandle(id).fetchHistory();
    for (const event of history.events ?? []) {
      const at =
        Number(event.eventTime?.seconds ?? 0) * 1000 + Math.round((event.eventTime?.nanos ?? 0) / 1e6);
      const type = String(temporal.api.enums.v1.EventType[event.eventType ?? 0]).replace(/^EVENT_TYPE_/, '');
      lines.push([at - run.started, `${who} ${type}`]);
    }
  }
  for (const r of sim.requests.filter((q) => q.atMs >= run.started))
    lines.push([r.atMs - run.started, `WFM ${r.method} ${r.status}`]);
  console.log('timeline of the last run (ms from the command start):');
  for (const [ms, what] of lines.sort((a, b) => a[0] - b[0]))
    console.log(`${String(ms).padStart(6)}  ${what}`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
