/**
 * Recovery from a crash of Temporal mid-push:
 * `npm run bench:restart [-- --kill-at 6 --down-for 0 --schedules 200 --trials 1 --target dev|cluster]`.
 *
 * Pushes of SCHEDULES × 10 agents into the simulator with the demo's faults (15 % conflicts, another writer every
 * 50 ms, 50 requests/s), each on a fresh Temporal with one worker process with default settings: a baseline, then
 * --trials pushes during which Temporal is SIGKILLed (the whole process group) at --kill-at seconds and restarted on
 * the same state and port after --down-for seconds (0: at once, as an operator would). Where the crash lands differs
 * from trial to trial: a task the server had just handed out may be lost, and then its timeout decides the wait. Down
 * for longer than the worker retries its answers (about 10 s), every task that ends meanwhile is lost that way. For
 * each crash it prints the wall time, the downtime, the stall (the longest time after the restart in which the push
 * counted no schedule done, its end included), what the crash cost against the baseline, and where the time went (the
 * timeouts in the histories, by workflow); it checks the invariants on the simulator's commit log every time.
 * `--kill-at 0`: the baseline only.
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { Client } from '@temporalio/client';
import { temporal as proto } from '@temporalio/proto';
import { z } from 'zod';
import { pushContext } from '../client/context';
import { pushProgress, submitPush, waitForReport } from '../client/push-client';
import { sleep } from '../common/sleep';
import { checkSimulator } from '../dev/invariants';
import { generateSample } from '../dev/sample';
import { listen } from '../dev/simulator/server';
import { WfmSimulator } from '../dev/simulator/wfm-simulator';
import { BULK_PUSH_ID } from '../model/names';
import { clusterHistoryTarget, devServerTarget, type CrashableTemporal } from './crashable-temporal';
import { benchClient, machine, quantile, startBenchWorker } from './support';

/** What can be crashed: the whole dev server, or a cluster's history service. */
const TARGETS = { dev: devServerTarget, cluster: clusterHistoryTarget } satisfies Record<
  string,
  (dir: string) => Promise<CrashableTemporal>
>;

const optionsSchema = z.object({
  killAt: z.coerce.number().min(0).max(600).default(6),
  /** Seconds between the kill and the restart. */
  downFor: z.coerce.number().min(0).max(600).default(0),
  schedules: z.coerce.number().int().min(1).max(100_000).default(200),
  /** Crashed pushes, one after the other: where the crash lands differs from one to the next. */
  trials: z.coerce.number().int().min(1).max(50).default(1),
  target: z.enum(Object.keys(TARGETS) as [keyof typeof TARGETS]).default('dev'),
});

const AGENTS_PER_SCHEDULE = 10;
const SAMPLE_EVERY_MS = 250;

interface Sample {
  atMs: number;
  /** Schedules the push itself has counted done (its progress query), when it answered. */
  counted?: number;
}

interface Crash {
  killedAtMs: number;
  /** When the restarted server answered again. */
  restartedAtMs: number;
}

interface Run {
  temporal: string;
  totalMs: number;
  crash?: Crash;
  samples: Sample[];
  failures: string[];
  timeouts: string;
}

async function main(): Promise<void> {
  const options = parseOptions();
  const baseline = await runPush(options, false);
  const crashed: Run[] = [];
  for (let i = 0; options.killAt > 0 && i < options.trials; i++) crashed.push(await runPush(options, true));

  console.log(
    `machine: ${machine()}; load average ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  );
  console.log(
    `push: ${options.schedules} schedules × ${AGENTS_PER_SCHEDULE} agents; simulator with the demo's faults (15 % conflicts, another writer every 50 ms, 50 requests/s); one worker process, default settings; temporal: ${baseline.temporal}`,
  );
  console.log(`baseline: ${describeRun(baseline)}`);
  for (const [i, run] of crashed.entries()) {
    if (!run.crash) continue;
    const { killedAtMs, restartedAtMs } = run.crash;
    console.log(
      `crash ${i + 1}: ${describeRun(run)}; SIGKILL at ${secs(killedAtMs)} s, answering again at ${secs(restartedAtMs)} s (down ${secs(restartedAtMs - killedAtMs)} s); stall ${secs(longestStall(run.samples, restartedAtMs))} s; cost ${secs(run.totalMs - baseline.totalMs)} s`,
    );
    console.log(`  schedules counted by the push per second: ${perSecond(run.samples).join(' ')}`);
    console.log(`  where the time went (from the histories): ${run.timeouts}`);
  }
  if (crashed.length > 0) {
    const stalls = crashed.map((r) => longestStall(r.samples, r.crash?.restartedAtMs ?? 0));
    console.log(
      `stall (the longest time after the restart in which the push counted no schedule done): max ${secs(Math.max(...stalls))} s, median ${secs(quantile(stalls, 0.5))} s over ${stalls.length} crash(es); wall time max ${secs(Math.max(...crashed.map((r) => r.totalMs)))} s against ${secs(baseline.totalMs)} s without a crash`,
    );
  }
  const failures = [baseline, ...crashed].flatMap((r) => r.failures);
  for (const failure of failures) console.log(`FAILED: ${failure}`);
  if (failures.length > 0) process.exitCode = 1;
}

function parseOptions(): z.infer<typeof optionsSchema> {
  const { values } = parseArgs({
    options: {
      'kill-at': { type: 'string' },
      'down-for': { type: 'string' },
      schedules: { type: 'string' },
      target: { type: 'string' },
      trials: { type: 'string' },
    },
  });
  const parsed = optionsSchema.safeParse({
    killAt: values['kill-at'],
    downFor: values['down-for'],
    schedules: values.schedules,
    target: values.target,
    trials: values.trials,
  });
  if (parsed.success) return parsed.data;
  const flag = (key: PropertyKey | undefined) =>
    `--${String(key).replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
  throw new Error(parsed.error.issues.map((i) => `${flag(i.path[0])}: ${i.message}`).join('; '));
}

/** One push on a fresh Temporal; with `crash`, Temporal is killed at --kill-at and restarted at once. */
async function runPush(options: z.infer<typeof optionsSchema>, crash: boolean): Promise<Run> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'wfm-push-restart-'));
  const temporal = await TARGETS[options.target](dir);
  // What was started, stopped in reverse order however the run ends (a worker that never came up included).
  const started: Array<() => Promise<unknown>> = [];
  const samples: Sample[] = [];
  let sampling = true;
  try {
    await temporal.start();
    started.push(() => temporal.stop());
    const dataDir = path.join(dir, 'data');
    const client = await benchClient(temporal.address, dataDir);
    started.push(() => client.connection.close());
    const id = `restart-${Date.now()}`;
    const { documents, plan } = generateSample({
      schedules: options.schedules,
      agents: options.schedules * AGENTS_PER_SCHEDULE,
      unplannedPerSchedule: 2,
      idPrefix: id,
      planId: id,
    });
    // The demo's faults (cli/commands/demo.ts).
    const sim = new WfmSimulator({ conflictRate: 0.15, noiseMs: 50, rateLimitPerSecond: 50, randomSeed: 7 });
    sim.store.seed(documents);
    const running = await listen(sim);
    started.push(() => running.close());
    const worker = await startBenchWorker({ dataDir, server: { address: temporal.address } }, 'worker', {
      WFM_PUSH_TASK_QUEUE: id,
      WFM_BASE_URL: running.url,
    });
    started.push(() => worker.stop());
    const ctx = pushContext(client, { dataDir, taskQueue: id });
    const t0 = Date.now();
    await submitPush(ctx, plan);
    const sampler = (async () => {
      while (sampling) {
        // While the server is down the query fails: no sample.
        const progress = await pushProgress(client, plan.planId).catch(() => undefined);
        samples.push({ atMs: Date.now() - t0, counted: progress?.totals.schedulesDone });
        await sleep(SAMPLE_EVERY_MS);
      }
    })();
    let crashed: Crash | undefined;
    if (crash) {
      await sleep(t0 + options.killAt * 1000 - Date.now());
      const killedAtMs = Date.now() - t0;
      await temporal.kill();
      await sleep(options.downFor * 1000);
      await temporal.restart();
      crashed = { killedAtMs, restartedAtMs: Date.now() - t0 };
    }
    const report = await waitForReport(ctx, plan.planId);
    const totalMs = Date.now() - t0;
    sampling = false;
    await sampler;
    // The push's end is its last step of progress: a wait for one lost schedule at the end is a stall too.
    samples.push({ atMs: totalMs, counted: report.totals.schedulesDone });
    const t = report.totals;
    const failures = checkSimulator(sim, plan, report.schedules).map((v) => `${v.kind}: ${v.message}`);
    if (t.schedulesDone !== t.schedules || t.schedulesFailed > 0)
      failures.push(`${t.schedulesDone}/${t.schedules} schedules done, ${t.schedulesFailed} failed`);
    return {
      temporal: temporal.description,
      totalMs,
      crash: crashed,
      samples,
      failures,
      timeouts: await timeoutsInHistories(client, plan.planId, t0),
    };
  } finally {
    sampling = false;
    for (const stop of started.reverse()) await stop();
  }
}

function describeRun(run: Run): string {
  const ok = run.failures.length === 0 ? 'every schedule done, invariants hold' : 'FAILED (below)';
  return `${secs(run.totalMs)} s wall time, ${ok}`;
}

function secs(ms: number): string {
  return (ms / 1000).toFixed(1);
}

/** The longest time after `fromMs` in which the push's own count did not move (until it had counted every schedule). */
function longestStall(samples: Sample[], fromMs: number): number {
  let longest = 0;
  let since = fromMs;
  let last: number | undefined;
  for (const { atMs, counted } of samples) {
    if (counted === undefined || atMs < fromMs) continue;
    if (last === undefined || counted > last) {
      longest = Math.max(longest, atMs - since);
      since = atMs;
      last = counted;
    }
  }
  return longest;
}

/** Schedules the push counted done in each second (from its progress query; blank seconds: it did not answer). */
function perSecond(samples: Sample[]): string[] {
  const bySecond: Array<number | undefined> = [];
  let before = 0;
  for (const { atMs, counted } of samples) {
    if (counted === undefined) continue;
    const i = Math.floor(atMs / 1000);
    while (bySecond.length <= i) bySecond.push(undefined);
    bySecond[i] = (bySecond[i] ?? 0) + counted - before;
    before = counted;
  }
  return bySecond.map((n) => (n === undefined ? '·' : String(n)));
}

/**
 * What the push's histories say about time lost: workflow tasks that timed out or failed, and activity attempts that
 * timed out (a task or a completion lost in the crash ends this way), each with the workflow and when, in seconds from
 * the push's start.
 */
async function timeoutsInHistories(client: Client, planId: string, t0: number): Promise<string> {
  const found: string[] = [];
  const at = (e: proto.api.history.v1.IHistoryEvent) =>
    secs(Number(e.eventTime?.seconds ?? 0) * 1000 + (e.eventTime?.nanos ?? 0) / 1e6 - t0);
  const timeoutName = (type: proto.api.enums.v1.TimeoutType | null | undefined) =>
    proto.api.enums.v1.TimeoutType[type ?? 0]?.replace('TIMEOUT_TYPE_', '').toLowerCase() ?? 'unknown';
  for await (const run of client.workflow.list({ query: `${BULK_PUSH_ID.name} = "${planId}"` })) {
    const { events } = await client.workflow.getHandle(run.workflowId, run.runId).fetchHistory();
    const byId = new Map((events ?? []).map((e) => [String(e.eventId), e]));
    const activity = (scheduledEventId: unknown) =>
      byId.get(String(scheduledEventId))?.activityTaskScheduledEventAttributes?.activityType?.name ?? '?';
    for (const e of events ?? []) {
      const wft = e.workflowTaskTimedOutEventAttributes;
      if (wft)
        found.push(`${run.workflowId}: workflow task ${timeoutName(wft.timeoutType)} timeout at ${at(e)} s`);
      const failed = e.workflowTaskFailedEventAttributes;
      if (failed)
        found.push(
          `${run.workflowId}: workflow task failed (${proto.api.enums.v1.WorkflowTaskFailedCause[failed.cause ?? 0]}) at ${at(e)} s`,
        );
      const started = e.activityTaskStartedEventAttributes;
      const timeout = started?.lastFailure?.timeoutFailureInfo;
      if (started && timeout)
        found.push(
          `${run.workflowId}: ${activity(started.scheduledEventId)} attempt ${(started.attempt ?? 2) - 1} ${timeoutName(timeout.timeoutType)} timeout (scheduled at ${at(byId.get(String(started.scheduledEventId)) ?? e)} s, retried attempt started at ${at(e)} s)`,
        );
      const timedOut = e.activityTaskTimedOutEventAttributes;
      if (timedOut)
        found.push(
          `${run.workflowId}: ${activity(timedOut.scheduledEventId)} ${timeoutName(timedOut.failure?.timeoutFailureInfo?.timeoutType)} timeout at ${at(e)} s`,
        );
    }
  }
  return found.length === 0 ? 'no timeouts, no failed workflow tasks' : `\n  ${found.join('\n  ')}`;
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
