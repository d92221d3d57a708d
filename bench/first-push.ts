/**
 * How fast a small push lands from the first request: `npm run bench:first-push [-- RUNS]` (default 10).
 * A dev server, one worker process with DEFAULT settings and a quiet simulator stay up; each run is a new
 * one-schedule plan of 50 agents pushed with `wfm-push push --wait --json`, as a scheduler would run it. Per run:
 * the first WFM read and the first write after the command started, and its exit (end to end, CLI start included);
 * then the medians, and `wfm-push --version` alone (Node's start and the CLI's modules: the floor of any command).
 */
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { packageRoot } from '../dev/package-root';
import { generateSample } from '../dev/sample';
import { listen } from '../dev/simulator/server';
import { WfmSimulator } from '../dev/simulator/wfm-simulator';
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
  const rows: Array<{ read: number; write: number; done: number }> = [];
  const floor: number[] = [];
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
      const done = Date.now() - started;
      const ours = sim.requests.slice(before);
      const read = ours.find((r) => r.method === 'GET');
      const write = ours.find((r) => r.method === 'PUT');
      const report = JSON.parse(stdout) as { totals: { agentsChanged: number } };
      if (!read || !write || report.totals.agentsChanged === 0)
        throw new Error(`run ${i} wrote nothing (${ours.length} requests)`);
      rows.push({ read: read.atMs - started, write: write.atMs - started, done });
      console.log(
        `run ${String(i).padStart(2)}: first read ${seconds(read.atMs - started)}, first write ${seconds(write.atMs - started)}, end to end ${seconds(done)}`,
      );
      const t = Date.now();
      await run(process.execPath, [bin, '--version'], { env: cliEnv });
      floor.push(Date.now() - t);
    }
  } finally {
    await worker.stop();
    await running.close();
    await env.close();
  }
  console.log(
    `median of ${RUNS}: first read ${seconds(median(rows.map((r) => r.read)))}, first write ${seconds(median(rows.map((r) => r.write)))}, end to end ${seconds(median(rows.map((r) => r.done)))}; \`wfm-push --version\` alone ${seconds(median(floor))}`,
  );
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
