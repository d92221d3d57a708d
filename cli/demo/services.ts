import path from 'node:path';
import { parseEnv, type Env } from '../../common/env';
import type { SharedSettings } from '../../common/settings';
import { temporalAt } from '../../common/temporal';
import { freePort, startCliProcess, waitForHttp } from '../../dev/processes';
import { devServerEnvSchema, startDevServer } from '../../dev/temporal-dev-server';
import { say } from '../output';
import { DEMO_QUEUE_PREFIX } from './leftovers';
import type { DemoRun } from './variant';

/** Step 1: the dev server (and the codec server of its UI); the settings the demo's client and worker share. */
export async function startTemporal(run: DemoRun, base: SharedSettings) {
  say('1/5 Temporal dev server, and the codec server its UI reads the encrypted payloads with ...');
  const codecUrl = await startCodecServer(run, base, run.options.port + 1000);
  const server = await startDevServer({
    port: run.options.port,
    cliPath: parseEnv(devServerEnvSchema, process.env).TEMPORAL_CLI_PATH,
    uiCodecEndpoint: codecUrl,
    log: say,
    ...tiedUnlessKept(run),
  });
  run.started.server = server;
  // One settings value for the demo's client and its worker: same server, data folder and task queue.
  const settings: SharedSettings = {
    ...base,
    temporal: temporalAt(server.address),
    taskQueue: `${DEMO_QUEUE_PREFIX}${run.stamp}`,
  };
  return { server, settings };
}

/** `wfm-push codec-server` for the UI's origin, with the data folder's payload key (generated here on first use). */
async function startCodecServer(run: DemoRun, settings: SharedSettings, uiPort: number) {
  const port = await freePort(8888);
  const codec = startCliProcess(
    'codec server',
    ['codec-server', '--port', String(port), '--origin', `http://localhost:${uiPort}`],
    { ...process.env, WFM_PUSH_DATA_DIR: settings.dataDir },
    path.join(run.runDir, 'codec-server.log'),
    tiedUnlessKept(run),
  );
  run.started.services.push(codec);
  const url = `http://127.0.0.1:${port}`;
  // Any answer means it listens (a GET is refused with 404).
  await waitForHttp(`${url}/`, codec, 30_000, true);
  return url;
}

/** Starts `wfm-push sim <args>` on a free port and waits until `readyPath` answers. */
export async function startSimProcess(run: DemoRun, args: string[], readyPath: string): Promise<string> {
  const port = await freePort(4010);
  const sim = startCliProcess(
    'simulator',
    ['sim', '--port', String(port), ...args],
    process.env,
    path.join(run.runDir, 'simulator.log'),
    tiedUnlessKept(run),
  );
  run.started.services.push(sim);
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp(`${url}${readyPath}`, sim);
  return url;
}

/** Step 3: `wfm-push worker` on the demo's server and task queue, pointed at the simulator. */
export function startWorker(run: DemoRun, settings: SharedSettings, wfmEnv: Env): void {
  const env = {
    ...process.env,
    TEMPORAL_ADDRESS: settings.temporal.address,
    TEMPORAL_NAMESPACE: settings.temporal.namespace,
    WFM_PUSH_TASK_QUEUE: settings.taskQueue,
    WFM_PUSH_DATA_DIR: settings.dataDir,
    ...wfmEnv,
  };
  run.started.services.push(
    startCliProcess('worker', ['worker'], env, path.join(run.runDir, 'worker.log'), tiedUnlessKept(run)),
  );
}

/**
 * Without --keep, what the demo starts goes when the demo goes, however it goes (a kill -9 too, which no signal
 * handler sees); with --keep it is left running in process groups of its own.
 */
function tiedUnlessKept(run: DemoRun): { tiedToThisProcess: boolean } {
  return { tiedToThisProcess: !run.options.keep };
}
