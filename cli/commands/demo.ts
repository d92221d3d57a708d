import type { Command } from 'commander';
import { demoOptions } from '../demo/options';
import { commandWithOptions, parseOptions } from '../options';
import { CliExit, ExitCode } from '../output';

/**
 * `wfm-push demo`: the main job on the embedded default. A Temporal dev server, the WFM simulator with other writers,
 * a worker, and a push of a sample plan, checked against the simulator's commit log (`cli/demo/`, loaded only when
 * the demo runs, so `--help` answers at once).
 */
export function demoCommand(): Command {
  return commandWithOptions('demo', demoOptions)
    .description(
      'The whole thing on one machine: dev server, simulator with faults (REST or Genesys Cloud), worker, a 2,000-agent push, report.',
    )
    .action(async (raw: Record<string, unknown>) => {
      const options = parseOptions(demoOptions, raw);
      if (options.api === 'genesys' && raw.schedules !== undefined)
        throw new CliExit(
          ExitCode.invalidInput,
          'Not for --api genesys: --schedules (one schedule per business unit)',
        );
      const { runDemoCommand } = await import('../demo/run-demo');
      await runDemoCommand(options);
    });
}
