import { z } from 'zod';
import { intOption } from '../options';

/** `wfm-push demo`'s options. */
export const demoOptions = z.object({
  api: z
    .enum(['rest', 'genesys'])
    .default('rest')
    .meta({ arg: 'style' })
    .describe(
      'which WFM: rest (the REST contract) or genesys (Genesys Cloud WFM, one Asia/Singapore business unit)',
    ),
  keep: z.boolean().optional().describe('leave the dev server, simulator and worker running afterwards'),
  schedules: intOption(1, 100_000).default(40).describe('schedules (rest)'),
  agents: intOption(1, 10_000_000)
    .default(2000)
    .describe('planned agents (rest); agents of the business unit, nine in ten planned (genesys)'),
  port: intOption(1, 64535).default(7233).describe('Temporal gRPC port (UI on port + 1000)'),
});
export type DemoOptions = z.infer<typeof demoOptions>;
