import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { scheduleDocumentSchema } from '../../model/schedule-document';
import { listen } from '../../simulator/server';
import { WfmSimulator } from '../../simulator/wfm-simulator';
import type { SimulatorOptionsInput } from '../../simulator/options';
import { CliExit, ExitCode, onShutdownSignal } from '../cli-support';

export interface SimCommandOptions extends SimulatorOptionsInput {
  port: number;
  seed?: string;
}

const seedFileSchema = z.object({ schedules: z.array(scheduleDocumentSchema) });

/** `wfm-push sim`: the WFM simulator on a real port, until SIGINT/SIGTERM. */
export async function simCommand({ port, seed, ...options }: SimCommandOptions): Promise<void> {
  const sim = new WfmSimulator(options);
  if (seed) {
    const parsed = seedFileSchema.safeParse(JSON.parse(await readFile(seed, 'utf8')));
    if (!parsed.success)
      throw new CliExit(ExitCode.invalidInput, `Seed ${seed} is invalid: ${parsed.error.message}`);
    sim.store.seed(parsed.data.schedules);
  }
  const running = await listen(sim, port);
  onShutdownSignal(() => running.close());
  process.stderr.write(
    `WFM simulator on ${running.url} with ${sim.store.ids().length} schedules; faults ${JSON.stringify(sim.options)}\n`,
  );
  // Readiness line for scripts that start it (the demo waits for it).
  process.stdout.write(`listening ${running.url}\n`);
}
