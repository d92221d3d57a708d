import type { Command } from 'commander';
import { z } from 'zod';
import { parseEnv } from '../../common/env';
import { commandWithOptions, intOption, parseOptions } from '../options';
import { CliExit, ExitCode, onShutdownSignal, say } from '../output';

const devServerOptions = z.object({
  port: intOption(1, 64535).default(7233).describe('gRPC port (the UI listens on port + 1000)'),
  db: z
    .string()
    .optional()
    .meta({ arg: 'file' })
    .describe('SQLite file, kept across restarts (default .data/temporal/dev-server.sqlite)'),
  headless: z.boolean().optional().describe('no web UI'),
});

/** `wfm-push dev-server`: a local Temporal server with the project's search attributes, until SIGINT/SIGTERM. */
export function devServerCommand(): Command {
  return commandWithOptions('dev-server', devServerOptions)
    .description(
      'Run a local Temporal server (installs the pinned Temporal CLI when missing); UI on port + 1000.',
    )
    .action(async (raw: Record<string, unknown>) => {
      const options = parseOptions(devServerOptions, raw);
      const { devServerEnvSchema, startDevServer } = await import('../../dev/temporal-dev-server');
      const server = await startDevServer({
        port: options.port,
        dbFile: options.db,
        headless: options.headless,
        cliPath: parseEnv(devServerEnvSchema, process.env).TEMPORAL_CLI_PATH,
        log: say,
        // Ctrl-C, SIGTERM, a closed terminal or a kill -9 of this command: the server goes with it.
        tiedToThisProcess: true,
      });
      if (server.pid === undefined) return;
      say(
        `Temporal dev server ready on ${server.address}${server.uiUrl ? `, UI ${server.uiUrl}` : ''} (Ctrl-C stops it)`,
      );
      let stopping = false;
      onShutdownSignal(() => {
        stopping = true;
        return server.stop();
      });
      const code = await server.untilExit();
      if (stopping) return;
      throw new CliExit(
        ExitCode.failed,
        `The Temporal dev server exited on its own (code ${code}); see its log next to ${options.db ?? 'the database'}`,
      );
    });
}
