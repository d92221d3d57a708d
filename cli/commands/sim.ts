import type { Command } from 'commander';
import { z } from 'zod';
import { RATE_LIMIT_HEADER_MODES } from '../../dev/simulator/rate-limiter';
import type { SeededSchedule } from '../../dev/simulator/genesys/sample-org';
import { commandWithOptions, intOption, parseOptions, shareOption } from '../options';
import { CliExit, ExitCode, onShutdownSignal, print, say } from '../output';

const API_STYLES = ['rest', 'genesys'] as const;

/** Flags that only one API style reads: given with the other, they are refused rather than ignored. */
const GENESYS_ONLY = [
  'agents',
  'businessUnits',
  'timeZone',
  'weeks',
  'tokenLifetime',
  'rateLimitPerMinute',
  'otherWriterMs',
  'lostResponse',
  'downloadShare',
  'processingShare',
  'timeOffShare',
  'editsMoveScheduleVersion',
  'syncConflictShare',
  'outPlan',
  'planAgents',
] as const;
const REST_ONLY = [
  'seed',
  'conflictRate',
  'noiseMs',
  'rateLimit',
  'rateLimitBurst',
  'rateLimitHeaders',
  'lostAck',
  'retryAfterDate',
  'token',
] as const;

const simOptions = z.object({
  api: z
    .enum(API_STYLES)
    .default('rest')
    .meta({ arg: 'style' })
    .describe('which WFM to simulate: rest (the REST contract) or genesys (Genesys Cloud WFM)'),
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
    .describe("seed of the random faults (and, in genesys mode, of the organisation's ids)"),
  ...genesysFlags(),
});
type SimOptions = z.infer<typeof simOptions>;

/** `--api genesys` only: the seeded organisation, the Genesys limits and faults, the sample plan. */
function genesysFlags() {
  return {
    agents: intOption(1, 1_000_000)
      .default(100)
      .describe('genesys: agents, spread over the business units in management units of up to 1,500'),
    businessUnits: intOption(1, 1000).default(1).describe('genesys: business units'),
    timeZone: z
      .string()
      .min(1)
      .default('Asia/Singapore')
      .meta({ arg: 'zone' })
      .describe('genesys: time zone of the business units'),
    weeks: intOption(1, 520)
      .default(1)
      .describe('genesys: schedule weeks per business unit, the first 2026-12-07'),
    tokenLifetime: intOption(1, 172_800)
      .default(86_400)
      .meta({ arg: 's' })
      .describe('genesys: access token lifetime in seconds'),
    rateLimitPerMinute: intOption(0, 1_000_000)
      .default(300)
      .describe('genesys: requests per minute per token, beyond it 429 (0 = unlimited)'),
    otherWriterMs: intOption(0, 3_600_000)
      .default(0)
      .meta({ arg: 'ms' })
      .describe('genesys: another writer edits a random agent every N ms (0 = off)'),
    lostResponse: shareOption()
      .default(0)
      .meta({ arg: 'p' })
      .describe('genesys: share of updates applied whose response is lost'),
    downloadShare: shareOption()
      .default(0)
      .meta({ arg: 'p' })
      .describe('genesys: share of agent schedule queries answered by a download URL'),
    processingShare: shareOption()
      .default(0)
      .meta({ arg: 'p' })
      .describe(
        'genesys: share of agent schedule queries answered Processing, their result by notification on users.{clientId}.schedules.query',
      ),
    timeOffShare: shareOption()
      .default(0)
      .meta({ arg: 'p' })
      .describe(
        'genesys: share of agents with approved time off, a full-day time off or an activity booked by another system (in turn)',
      ),
    editsMoveScheduleVersion: z
      .boolean()
      .optional()
      .describe("genesys: the other writer's edits move the schedule's version too, as a supervisor's do"),
    syncConflictShare: shareOption()
      .default(0)
      .meta({ arg: 'p' })
      .describe(
        'genesys: share of stale agent versions refused at once with 409 (the rest fail asynchronously)',
      ),
    outPlan: z
      .string()
      .optional()
      .meta({ arg: 'file' })
      .describe('genesys: write a sample plan for the seeded organisation to this file'),
    planAgents: intOption(1, 1_000_000)
      .optional()
      .describe('genesys: planned agents per schedule in --out-plan (default: all)'),
  };
}

/** `wfm-push sim`: the WFM simulator on a real port, until SIGINT/SIGTERM. */
export function simCommand(): Command {
  return commandWithOptions('sim', simOptions)
    .description(
      'Run the WFM simulator (the REST contract, or Genesys Cloud WFM with --api genesys) on a real port, with other writers and faults on demand.',
    )
    .action(async (raw: Record<string, unknown>) => {
      const options = parseOptions(simOptions, raw);
      refuseOtherStyleFlags(options.api, raw);
      await (options.api === 'genesys' ? runGenesysSim(options) : runRestSim(options));
    });
}

function refuseOtherStyleFlags(api: SimOptions['api'], raw: Record<string, unknown>): void {
  const foreign: readonly string[] = api === 'genesys' ? REST_ONLY : GENESYS_ONLY;
  const given = foreign.filter((key) => raw[key] !== undefined);
  if (given.length > 0)
    throw new CliExit(
      ExitCode.invalidInput,
      `Not for --api ${api}: ${given.map((k) => `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`).join(', ')}`,
    );
}

async function runRestSim({ port, seed, ...o }: SimOptions): Promise<void> {
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
}

async function runGenesysSim(o: SimOptions): Promise<void> {
  const { createGenesysSimulator } = await import('../../dev/simulator/genesys/genesys-simulator');
  const { listenGenesys } = await import('../../dev/simulator/genesys/server');
  const { sampleOrgSeed } = await import('../../dev/simulator/genesys/sample-org');
  const { SIM_CLIENT: client } = await import('../../dev/simulator/genesys/options');
  const sim = createGenesysSimulator({
    clients: [client],
    seed: sampleOrgSeed(o),
    tokenLifetimeSeconds: o.tokenLifetime,
    rateLimitPerMinute: o.rateLimitPerMinute,
    otherWriterMs: o.otherWriterMs,
    lostResponseShare: o.lostResponse,
    queryModes: {
      inline: Math.max(0, 1 - o.downloadShare - o.processingShare),
      download: o.downloadShare,
      processing: o.processingShare,
    },
    otherWriterBumpsScheduleVersion: o.editsMoveScheduleVersion ?? false,
    agentConflictSyncShare: o.syncConflictShare,
    failShare: o.failRate,
    latencyMs: o.latency,
    latencyJitterMs: o.latencyJitter,
    randomSeed: o.randomSeed,
  });
  if (o.outPlan) await writeSamplePlan(o.outPlan, sim.store.allSchedules(), o.planAgents);
  const running = await listenGenesys(sim, o.port);
  onShutdownSignal(() => running.close());
  const schedules = sim.store.allSchedules();
  const agents = schedules.reduce((n, s) => n + s.agents.size, 0);
  say(
    `Genesys Cloud simulator on ${running.url} (login, API and storage) with ${sim.store.businessUnits.length} business unit(s), ${schedules.length} schedule(s), ${agents} agent schedules`,
  );
  say(
    `Worker: WFM_API_STYLE=genesys WFM_BASE_URL=${running.url} WFM_LOGIN_URL=${running.url} GENESYS_CLIENT_ID=${client.id} GENESYS_CLIENT_SECRET=${client.secret}`,
  );
  if (o.outPlan) say(`Sample plan: ${o.outPlan}`);
  print(`listening ${running.url}`);
}

async function writeSamplePlan(
  file: string,
  schedules: SeededSchedule[],
  agentsPerSchedule: number | undefined,
): Promise<void> {
  const { writeFile } = await import('node:fs/promises');
  const { sampleGenesysPlan } = await import('../../dev/simulator/genesys/sample-org');
  await writeFile(file, `${JSON.stringify(sampleGenesysPlan(schedules, { agentsPerSchedule }), null, 2)}\n`);
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
