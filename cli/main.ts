import { Command } from 'commander';
import { codecServerCommand } from './commands/codec-server';
import { demoCommand } from './commands/demo';
import { genesysCommand } from './commands/genesys';
import { devServerCommand } from './commands/dev-server';
import { diffCommand } from './commands/diff';
import { pushCommand } from './commands/push';
import { sampleCommand } from './commands/sample';
import { simCommand } from './commands/sim';
import { reportCommand, statusCommand } from './commands/status';
import { verifyCommand } from './commands/verify';
import { cancelCommand, pauseCommand, resumeCommand, retryCommand, watchCommand } from './commands/steer';
import { workerCommand } from './commands/worker';
import { exitOn } from './output';
import { packageVersion } from '../common/package-root';

/**
 * The `wfm-push` binary: the product's commands (push, follow, steer, report, worker) and the commands to try it on
 * one machine (dev-server, sim, sample, demo). This is the one place where the product and the dev tools meet.
 * Command modules load their heavy dependencies only when they run, so `--help` answers at once.
 */
const ENVIRONMENT = `
Temporal connection: TEMPORAL_ADDRESS (default localhost:7233), TEMPORAL_NAMESPACE (default "default"),
  TEMPORAL_API_KEY or TEMPORAL_TLS_*, or a profile in the Temporal config file (TEMPORAL_PROFILE).
Push settings: WFM_PUSH_TASK_QUEUE (default wfm-push), WFM_PUSH_STORE (plans and results: file:<folder>, default
  file:<WFM_PUSH_DATA_DIR> = ./.data, or postgres://user:password@host:port/database for several hosts; client and
  workers share it), WFM_PUSH_LOG_LEVEL (default info). Worker settings: wfm-push worker --help.
Exit codes: 0 every planned change is in place, 1 a schedule failed (or the push did not complete), 2 invalid input or settings.`;

const program = new Command('wfm-push')
  .description('Push bulk schedule updates into a WFM, exactly once in effect, on Temporal.')
  .version(packageVersion())
  .addHelpText('after', ENVIRONMENT)
  .showHelpAfterError();

for (const command of [
  pushCommand(),
  diffCommand(),
  statusCommand(),
  reportCommand(),
  watchCommand(),
  pauseCommand(),
  resumeCommand(),
  cancelCommand(),
  retryCommand(),
  verifyCommand(),
  workerCommand(),
  codecServerCommand(),
  devServerCommand(),
  simCommand(),
  sampleCommand(),
  demoCommand(),
  genesysCommand(),
])
  program.addCommand(command);

// A reader that goes away (`| head`) must not crash a command before it stops what it started.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
  });
}

program.parseAsync(process.argv).catch(exitOn);
