import { Command, Option } from 'commander';
import { exitOn, parse } from './cli-support';
import { demoCommand } from './commands/demo';
import { devServerCommand } from './commands/dev-server';
import { pushCommand } from './commands/push';
import { sampleCommand } from './commands/sample';
import { simCommand } from './commands/sim';
import { reportCommand, statusCommand } from './commands/status';
import { cancelCommand, pauseCommand, resumeCommand, retryCommand, watchCommand } from './commands/steer';
import { workerCommand } from './commands/worker';

const ENVIRONMENT = `
Temporal connection: TEMPORAL_ADDRESS (default localhost:7233), TEMPORAL_NAMESPACE (default "default"),
  TEMPORAL_API_KEY or TEMPORAL_TLS_* , or a profile in the Temporal config file (TEMPORAL_PROFILE).
Push settings: WFM_PUSH_TASK_QUEUE (default wfm-push), WFM_PUSH_DATA_DIR (default ./.data; client and workers share it).
Exit codes: 0 every planned change is in place, 1 a schedule failed (or the push did not complete), 2 invalid input or settings.`;

const program = new Command('wfm-push')
  .description('Push bulk schedule updates into a WFM, exactly once in effect, on Temporal.')
  .addHelpText('after', ENVIRONMENT)
  .showHelpAfterError();

program
  .command('push')
  .description(
    'Validate a plan file and start its bulk push (attaches if that plan is already being pushed).',
  )
  .argument(
    '<plan.json>',
    'the plan: { planId?, schedules: [{ scheduleId, agents: [{ agentId, shifts }] }] }',
  )
  .option('--wait', 'follow the push with a progress line and print its report')
  .option('--json', 'machine-readable output (the report, or the problems of an invalid plan)')
  .option('--max-in-flight <n>', 'schedules pushed at once', parse.int(1, 500), 50)
  .option(
    '--conflict-budget <n>',
    'consecutive version conflicts a schedule may meet before it fails as contention',
    parse.int(1, 1000),
    20,
  )
  .action((file: string, opts) => pushCommand(file, opts));

program
  .command('status')
  .description('Where a push stands: running with its progress, or how it ended.')
  .argument('<planId>')
  .option('--json', 'machine-readable output')
  .action((planId: string, opts) => statusCommand(planId, opts));

program
  .command('report')
  .description(
    'The report of a finished push: per schedule the outcome, versions, agents changed, conflicts, attempts.',
  )
  .argument('<planId>')
  .option('--json', 'machine-readable output')
  .action((planId: string, opts) => reportCommand(planId, opts));

program
  .command('watch')
  .description(
    'A live progress line (done/total, rate, ETA, conflicts, failures) until the push ends, then its report.',
  )
  .argument('<planId>')
  .option('--json', 'print the final report as JSON')
  .action((planId: string, opts) => watchCommand(planId, opts));

program
  .command('pause')
  .description(
    'Pause a running push: schedules in flight finish, no new ones start (works even while no worker runs).',
  )
  .argument('<planId>')
  .action((planId: string) => pauseCommand(planId));

program
  .command('resume')
  .description('Resume a paused push.')
  .argument('<planId>')
  .action((planId: string) => resumeCommand(planId));

program
  .command('cancel')
  .description('Cancel a running push: schedules in flight finish; the report marks the rest as not started.')
  .argument('<planId>')
  .action((planId: string) => cancelCommand(planId));

program
  .command('retry')
  .description('Push again only the schedules of a finished push that did not land (failed or not started).')
  .argument('<planId>')
  .option('--wait', 'follow it and print the report of the whole plan')
  .option('--json', 'machine-readable output')
  .action((planId: string, opts) => retryCommand(planId, opts));

program
  .command('worker')
  .description('Run a worker: the workflows, and the WFM calls on their own rate-limited task queue.')
  .addHelpText(
    'after',
    `
Settings (environment): WFM_BASE_URL (default http://127.0.0.1:4010, the simulator), WFM_TOKEN,
WFM_VERSION_IN=body|if-match|both (default both), WFM_REQUEST_TIMEOUT_MS (15000),
WFM_MAX_CONCURRENT_REQUESTS (20 per worker), WFM_RATE_LIMIT_PER_SECOND (across all workers; unset = none).`,
  )
  .action(() => workerCommand());

program
  .command('sim')
  .description(
    'Run the WFM simulator: the REST contract on a real port, with other writers and faults on demand.',
  )
  .option('--port <n>', 'port on 127.0.0.1 (0 = any free port)', parse.int(0, 65535), 4010)
  .option(
    '--seed <file>',
    'schedules to start with: { "schedules": [document, ...] } (see `wfm-push sample`)',
  )
  .option(
    '--conflict-rate <p>',
    'share of PUTs another writer beats to the schedule (they get 409)',
    parse.share,
    0,
  )
  .option(
    '--noise-ms <n>',
    'another writer edits a random agent every N ms (0 = off)',
    parse.int(0, 3_600_000),
    0,
  )
  .option(
    '--rate-limit <n>',
    'requests per second before 429 with Retry-After (0 = unlimited)',
    parse.int(0, 1_000_000),
    0,
  )
  .option('--lost-ack <p>', 'share of PUTs that commit and then drop the connection', parse.share, 0)
  .option('--fail-rate <p>', 'share of requests answered 503', parse.share, 0)
  .option('--latency <ms>', 'added to every response', parse.int(0, 60_000), 0)
  .option('--latency-jitter <ms>', 'up to this much more latency, at random', parse.int(0, 60_000), 0)
  .option('--retry-after-date', 'send Retry-After as an HTTP date instead of seconds')
  .option('--token <token...>', 'bearer tokens accepted', ['dev-token'])
  .option('--random-seed <n>', 'seed of the random faults', parse.int(0, 2 ** 31), 1)
  .action((opts) =>
    simCommand({
      port: opts.port,
      seed: opts.seed,
      conflictRate: opts.conflictRate,
      noiseMs: opts.noiseMs,
      rateLimitPerSecond: opts.rateLimit,
      lostAckRate: opts.lostAck,
      failRate: opts.failRate,
      latencyMs: opts.latency,
      latencyJitterMs: opts.latencyJitter,
      retryAfterDate: opts.retryAfterDate ?? false,
      tokens: opts.token,
      randomSeed: opts.randomSeed,
    }),
  );

program
  .command('dev-server')
  .description(
    'Run a local Temporal server (installs the pinned Temporal CLI when missing); UI on port + 1000.',
  )
  .option('--port <n>', 'gRPC port', parse.int(1, 64535), 7233)
  .option('--db <file>', 'SQLite file, kept across restarts (default .data/temporal/dev-server.sqlite)')
  .option('--headless', 'no web UI')
  .action((opts) => devServerCommand(opts));

program
  .command('sample')
  .description('Write a sample plan and the simulator seed it applies to.')
  .requiredOption('--out-plan <file>', 'where to write the plan')
  .requiredOption('--out-seed <file>', 'where to write the simulator seed')
  .option('--schedules <n>', 'schedules', parse.int(1, 100_000), 40)
  .option('--agents <n>', 'planned agents over all schedules', parse.int(1, 10_000_000), 2000)
  .option('--plan-id <id>', 'plan ID (default derived from the seed)')
  .action((opts) =>
    sampleCommand({
      outPlan: opts.outPlan,
      outSeed: opts.outSeed,
      schedules: opts.schedules,
      agents: opts.agents,
      planId: opts.planId,
    }),
  );

program
  .command('demo')
  .description(
    'The whole thing on one machine: dev server, simulator with faults, worker, a 2,000-agent push, report.',
  )
  .option('--keep', 'leave the dev server, simulator and worker running afterwards')
  .addOption(new Option('--schedules <n>', 'schedules').argParser(parse.int(1, 100_000)).default(40))
  .addOption(new Option('--agents <n>', 'planned agents').argParser(parse.int(1, 10_000_000)).default(2000))
  .option('--port <n>', 'Temporal gRPC port (UI on port + 1000)', parse.int(1, 64535), 7233)
  .action((opts) => demoCommand(opts));

// A reader that goes away (`| head`) must not crash a command before it stops what it started.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
  });
}

program.parseAsync(process.argv).catch(exitOn);
