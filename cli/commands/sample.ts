import type { Command } from 'commander';
import { z } from 'zod';
import { commandWithOptions, intOption, parseOptions } from '../options';
import { say } from '../output';

const sampleOptions = z.object({
  outPlan: z.string().min(1).meta({ arg: 'file' }).describe('where to write the plan'),
  outSeed: z.string().min(1).meta({ arg: 'file' }).describe('where to write the simulator seed'),
  schedules: intOption(1, 100_000).default(40).describe('schedules'),
  agents: intOption(1, 10_000_000).default(2000).describe('planned agents over all schedules'),
  planId: z
    .string()
    .min(1)
    .optional()
    .meta({ arg: 'id' })
    .describe('plan ID (default derived from the seed)'),
});

/** `wfm-push sample`: a plan and the matching simulator seed, for trying the push. */
export function sampleCommand(): Command {
  return commandWithOptions('sample', sampleOptions)
    .description('Write a sample plan and the simulator seed it applies to.')
    .action(async (raw: Record<string, unknown>) => {
      const { outPlan, outSeed, ...options } = parseOptions(sampleOptions, raw);
      const { mkdir, writeFile } = await import('node:fs/promises');
      const path = await import('node:path');
      const { generateSample } = await import('../../dev/sample');
      const sample = generateSample(options);
      for (const file of [outPlan, outSeed])
        await mkdir(path.dirname(path.resolve(file)), { recursive: true });
      await writeFile(outPlan, JSON.stringify(sample.plan, null, 2));
      await writeFile(outSeed, JSON.stringify({ schedules: sample.documents }, null, 2));
      say(`Wrote plan ${outPlan} (${sample.plan.schedules.length} schedules) and seed ${outSeed}`);
    });
}
