import type { Command } from 'commander';
import { z } from 'zod';
import { RATE_LIMIT_HEADER_MODES } from '../../dev/simulator/rate-limiter';
import { commandWithOptions, intOption, parseOptions, shareOption } from '../options';
import { CliExit, ExitCode, onShutdownSignal, print, say } from '../output';

const simOptions = z.object({
  port: intOption(0, 65535).default(4010).describe('port on 127.0.0.1 (0 = any free port)'),
  seed: z
    .string()
    .optional()
    .meta({ arg: 'file' })
    .describe('schedules to start with: { "schedules": [document, ...] } (see `wfm-push sample`)'),
  conflictRate: shareOption()
    .default(0)
    .meta({ arg: 'p' })
    .describe('share of PUTs another writer beats to the schedule (they get 409)'),
  noiseMs: intOption(0, 3_600_000)
    .default(0)
    .describe('another writer edits a random agent every N ms (0 = off)'),
  rateLimit: intOption(0, 1_000_000)
    .default(0)
    .describe(
      'requests per second the API sustains (token bucket); beyond it 429 with Retry-After (0 = unlimited)',
    ),
  rateLimitBurst: z.coerce
    .number()
    .positive()
    .optional()
    .describe('bucket size in requests (default: one second of the rate)'),
  rateLimitHeaders: z
    .enum(RATE_LIMIT_HEADER_MODES)
    .default('none')
    .meta({ arg: 'mode' })
    .describe(
      `rate-limit headers on every answer: ${RATE_LIMIT_HEADER_MODES.join(', ')} (none: only Retry-After on a 429, as Genesys Cloud)`,
    ),
  lostAck: shareOption()
    .default(0)
    .meta({ arg: 'p' })
    .describe('share of PUTs that commit and then drop the connection'),
  failRate: shareOption().default(0).meta({ arg: 'p' }).describe('share of requests answered 503'),
  latency: intOption(0, 60_000).default(0).meta({ arg: 'ms' }).describe('added to every response'),
  latencyJitter: intOption(0, 60_000)
    .default(0)
    .meta({ arg: 'ms' })
    .describe('up to this much more latency, at random'),
  retryAfterDate: z.boolean().optional().describe('send Retry-After as an HTTP date instead of seconds'),
  token: z.array(z.string().min(1)).min(1).default(['dev-token']).describe('bearer tokens accepted'),
  randomSeed: intOption(0, 2 ** 31)
    .default(1)
    .describe('seed of the random faults'),
});

/** `wfm-push sim`: the WFM simulator on a real port, until SIGINT/SIGTERM. */
export function simCommand(): Command {
  return commandWithOptions('sim', simOptions)
    .description(
      'Run the WFM simulator: the REST contract on a real port, with other writers and faults on demand.',
    )
    .action(async (raw: Record<string, unknown>) => {
      const { port, seed, ...o } = parseOptions(simOptions, raw);
      const { WfmSimulator } = await import('../../dev/simulator/wfm-simulator');
      const { listen } = await import('../../dev/simulator/server');
      const sim = new WfmSimulator({
        conflictRate: o.conflictRate,
        noiseMs: o.noiseMs,
        rateLimitPerSecond: o.rateLimit,
        rateLimitBurst: o.rateLimitBurst,
        rateLimitHeaders: o.rateLimitHeaders,
        lostAckRate: o.lostAck,
        failRate: o.failRate,
        latencyMs: o.latency,
        latencyJitterMs: o.latencyJitter,
        retryAfterDate: o.retryAfterDate ?? false,
        tokens: o.token,
        randomSeed: o.randomSeed,
      });
      if (seed) sim.store.seed(await readSeedFile(seed));
      const running = await listen(sim, port);
      onShutdownSignal(() => running.close());
      say(
        `WFM simulator on ${running.url} with ${sim.store.ids().length} schedules; faults ${JSON.stringify(sim.options)}`,
      );
      // Readiness line for scripts that start it.
      print(`listening ${running.url}`);
    });
}

async function readSeedFile(file: string) {
  const { readFile } = await import('node:fs/promises');
  const { scheduleDocumentSchema } = await import('../../wfm/rest/schedule-document');
  let json: unknown;
  try {
    json = JSON.parse(await readFile(file, 'utf8'));
  } catch (err) {
    throw new CliExit(ExitCode.invalidInput, `Seed ${file} cannot be read: ${(err as Error).message}`);
  }
  const parsed = z.object({ schedules: z.array(scheduleDocumentSchema) }).safeParse(json);
  if (!parsed.success)
    throw new CliExit(ExitCode.invalidInput, `Seed ${file} is invalid: ${parsed.error.message}`);
  return parsed.data.schedules;
}
