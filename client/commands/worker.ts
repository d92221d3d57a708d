import { loadWorkerSettings } from '../../worker/config';
import { startWorkers } from '../../worker/run-worker';
import { onShutdownSignal } from '../cli-support';

/** `wfm-push worker`: runs until SIGINT/SIGTERM, then lets in-flight tasks finish. */
export async function workerCommand(): Promise<void> {
  const settings = loadWorkerSettings();
  const workers = await startWorkers({ settings });
  onShutdownSignal(() => workers.shutdown());
  process.stderr.write(
    `Worker running: task queue ${settings.WFM_PUSH_TASK_QUEUE}, WFM ${settings.WFM_BASE_URL}\n`,
  );
  await workers.done;
}
