import { Command } from 'commander';
import { exitOn } from './output';
import { packageVersion } from '../common/package-root';

/**
 * Each command's module, loaded on demand: a command run by name loads only its own (a push does not load the worker's
 * settings, the simulator or the demo: tens of ms of every start); `--help` and anything else load them all.
 */
const COMMANDS: Record<string, () => Promise<Command>> = {
  push: async () => (await import('./commands/push')).pushCommand(),
  diff: async () => (await import('./commands/diff')).diffCommand(),
  status: async () => (await import('./commands/status')).statusCommand(),
  report: async () => (await import('./commands/status')).reportCommand(),
  watch: async () => (await import('./commands/steer')).watchCommand(),
  pause: async () => (await import('./commands/steer')).pauseCommand(),
  resume: async () => (await import('./commands/steer')).resumeCommand(),
  cancel: async () => (await import('./commands/steer')).cancelCommand(),
  retry: async () => (await import('./commands/steer')).retryCommand(),
  verify: async () => (await import('./commands/verify')).verifyCommand(),
  worker: async () => (await import('./commands/worker')).workerCommand(),
  'codec-server': async () => (await import('./commands/codec-server')).codecServerCommand(),
  'dev-server': async () => (await import('./commands/dev-server')).devServerCommand(),
  sim: async () => (await import('./commands/sim')).simCommand(),
  sample: async () => (await import('./commands/sample')).sampleCommand(),
  demo: async () => (await import('./commands/demo')).demoCommand(),
  genesys: async () => (await import('./commands/genesys')).genesysCommand(),
};

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

/** The command named first on the command line (options before it are the program's own: `--version`, `--help`). */
const named = process.argv.slice(2).find((arg) => !arg.startsWith('-'));
const commands = named !== undefined && named in COMMANDS ? [COMMANDS[named]!] : Object.values(COMMANDS);

// A reader that goes away (`| head`) must not crash a command before it stops what it started.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
  });
}

Promise.all(commands.map((load) => load()))
  .then((loaded) => {
    for (const command of loaded) program.addCommand(command);
    return program.parseAsync(process.argv);
  })
  .catch(exitOn);
