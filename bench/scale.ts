/**
 * A push of 10,000 schedules × 10 agents against an unthrottled simulator:
 * `npm run bench:scale [-- SCHEDULES [MAX_IN_FLIGHT [LATENCY_MS]]] [--cluster] [--tuned] [--metrics] [--tracing]`.
 * Default settings unless `--tuned` (see `benchTuning`); `--metrics` turns the workers' /metrics on and scrapes each
 * every 5 s, `--tracing` exports their spans by OTLP to a receiver in this process (bench/observe.ts;
 * `bench/observe-overhead.ts` runs it with and without). With `--cluster` the push runs on
 * a production-style Temporal cluster (four services on PostgreSQL) with the plan and result store on PostgreSQL and
 * two worker processes; without it, on the dev server with the local folder store and one worker. LATENCY_MS (default 0) is added to every WFM
 * answer: with slow answers children run long, and a run that waited for its children before continuing as new would
 * wait long. Prints wall time, schedules per second overall and per minute (and per 10 s, where a dip at each
 * continue-as-new would show), what each run handed to the next, the parent's runs and their history lengths, and the
 * worker's peak memory (the worker is its own process, so its figure is its own).
 */
import path from 'node:path';
import { pushContext } from '../client/context';
import { startCliProcess } from '../dev/processes';
import { pushProgress, submitPush, waitForReport } from '../client/push-client';
import { progressLine } from '../client/report-format';
import { bulkPushWorkflowId } from '../model/names';
import type { CommitRecord } from '../dev/simulator/schedule-store';
import type { temporal } from '@temporalio/proto';
import { checkSimulator } from '../dev/invariants';
import { generateSample } from '../dev/sample';
import { listen } from '../dev/simulator/server';
import { WfmSimulator } from '../dev/simulator/wfm-simulator';
import { observeFrom } from './observe';
import { benchClusterEnv, benchEnv, benchTuning, machine, peakRss, unlessAServiceEnds } from './support';

const CLUSTER = process.argv.includes('--cluster');
const numbers = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const SCHEDULES = Number(numbers[0] ?? 10_000);
const AGENTS_PER_SCHEDULE = 10;
const TUNING = benchTuning(process.argv, numbers[1]);
const MAX_IN_FLIGHT = TUNING.maxInFlight;
const LATENCY_MS = Number(numbers[2] ?? 0);
const WORKERS = CLUSTER ? 2 : 1;

async function main(): Promise<void> {
  const env = CLUSTER ? await benchClusterEnv() : await benchEnv();
  const id = `scale-${Date.now()}`;
  const { documents, plan } = generateSample({
    schedules: SCHEDULES,
    agents: SCHEDULES * AGENTS_PER_SCHEDULE,
    unplannedPerSchedule: 2,
    idPrefix: id,
    planId: id,
  });
  const sim = new WfmSimulator({ latencyMs: LATENCY_MS });
  sim.store.seed(documents);
  const running = await listen(sim);
  const observe = await observeFrom(process.argv);
  const observed = await Promise.all(Array.from({ length: WORKERS }, () => observe.workerEnv()));
  const workers = Array.from({ length: WORKERS }, (_, i) =>
    startCliProcess(
      `worker-${i + 1}`,
      ['worker'],
      {
        ...process.env,
        // Each worker its own folder: on the cluster they share only PostgreSQL and the payload key.
        WFM_PUSH_DATA_DIR: WORKERS > 1 ? path.join(env.dataDir, `worker-${i + 1}`) : env.dataDir,
        ...(env.storeUrl ? { WFM_PUSH_STORE: env.storeUrl } : {}),
        ...(env.codecKeys ? { WFM_PUSH_CODEC_KEYS: env.codecKeys } : {}),
        WFM_PUSH_TASK_QUEUE: id,
        TEMPORAL_ADDRESS: env.server.address,
        WFM_BASE_URL: running.url,
        ...TUNING.workerEnv,
        ...observed[i],
      },
      path.join(env.dataDir, `worker-${i + 1}.log`),
      // Ended with the bench, however it ends (a SIGKILL or a killed process group included).
      { tiedToThisProcess: true },
    ),
  );
  const ctx = pushContext(env.client, {
    dataDir: env.dataDir,
    taskQueue: id,
    ...(env.storeUrl ? { store: { kind: 'postgres' as const, url: env.storeUrl, poolMax: 10 } } : {}),
  });
  try {
    const started = Date.now();
    await submitPush(ctx, plan, { maxInFlight: MAX_IN_FLIGHT });
    // The window while the plan still has schedules to start: a run that drains before continuing as new shows here.
    const window: number[] = [];
    let polls = 0;
    // The last sample is awaited before the connection closes: a query retrying on a closed channel throws from its
    // timer and ended the bench after its figures (seen now and then).
    let sampling: Promise<void> = Promise.resolve();
    const ticker = setInterval(() => {
      sampling = pushProgress(env.client, plan.planId).then(
        (p) => {
          if (p && p.cursor < SCHEDULES) window.push(p.inFlight);
          if (p && ++polls % 8 === 0) console.log(progressLine(p));
        },
        () => undefined,
      );
    }, 2_000);
    const report = await unlessAServiceEnds(waitForReport(ctx, plan.planId), workers);
    clearInterval(ticker);
    await sampling;
    const seconds = (Date.now() - started) / 1000;
    const peakRssMiB = workers.map((w) => peakRss(w.pid) / 1024);

    const runs: number[] = [];
    const handovers: Handover[] = [];
    for await (const run of env.client.workflow.list({
      query: `WorkflowId = "${bulkPushWorkflowId(plan.planId)}"`,
    })) {
      const handle = env.client.workflow.getHandle(run.workflowId, run.runId);
      runs.push((await handle.describe()).historyLength);
      if (run.status.name === 'CONTINUED_AS_NEW')
        handovers.push(handoverOf((await handle.fetchHistory()).events ?? []));
    }
    const violations = checkSimulator(sim, plan, report.schedules);
    const t = report.totals;
    console.log(
      `machine: ${machine()}; ${env.temporal}; store ${env.storeUrl ? 'PostgreSQL' : 'local folder'}; simulator unthrottled (${LATENCY_MS} ms added to every answer), in the bench process; ${WORKERS} worker process(es); ${TUNING.label}; ${observe.label} (${observe.summary()})`,
    );
    console.log(
      `push: ${SCHEDULES} schedules × ${AGENTS_PER_SCHEDULE} agents, max ${MAX_IN_FLIGHT} children in flight`,
    );
    console.log(
      `result: ${t.agentsChanged + t.agentsAlreadyInPlace}/${t.agentsPlanned} agents in place, ${t.schedulesFailed} schedules failed, ${violations.length} invariant violations`,
    );
    console.log(
      `wall time: ${seconds.toFixed(0)} s, ${(SCHEDULES / seconds).toFixed(1)} schedules/s, ${((SCHEDULES * AGENTS_PER_SCHEDULE) / seconds).toFixed(0)} agents/s`,
    );
    console.log(
      `parent runs: ${runs.length}; history events per run: max ${Math.max(...runs)}, mean ${Math.round(runs.reduce((a, b) => a + b, 0) / runs.length)}`,
    );
    console.log(
      `at each continue-as-new: children still running ${handovers.map((h) => h.running).join(' ')}; seconds from the run's last child start to its end ${handovers.map((h) => h.tailSeconds.toFixed(1)).join(' ')}`,
    );
    const landed = landedAtMs(sim.store.commits);
    console.log(`schedules/s per minute: ${ratesPer(landed, started, 60_000).join(' ')}`);
    console.log(`schedules/s per 10 s: ${ratesPer(landed, started, 10_000).join(' ')}`);
    console.log(
      `children in flight while schedules were left to start (every 2 s): min ${Math.min(...window)}, under half the window in ${window.filter((n) => n < MAX_IN_FLIGHT / 2).length} of ${window.length} samples`,
    );
    console.log(`worker peak memory (VmHWM): ${peakRssMiB.map((m) => `${m.toFixed(0)} MiB`).join(', ')}`);
    console.log(
      `WFM requests: ${sim.requests.length} (${(sim.requests.length / (t.agentsChanged + t.agentsAlreadyInPlace)).toFixed(3)} per agent)`,
    );
    if (violations.length > 0 || t.schedulesFailed > 0) process.exitCode = 1;
  } finally {
    await Promise.all(workers.map((w) => w.stop()));
    await observe.close();
    await ctx.close();
    await running.close();
    await env.close();
  }
}

interface Handover {
  /** Children the run started whose end it did not see: still running when it continued as new. */
  running: number;
  /** From the last child start the run saw land to its end: the time it waited before continuing as new. */
  tailSeconds: number;
}

function handoverOf(events: temporal.api.history.v1.IHistoryEvent[]): Handover {
  const seconds = (e: temporal.api.history.v1.IHistoryEvent | undefined) =>
    Number(e?.eventTime?.seconds ?? 0) + (e?.eventTime?.nanos ?? 0) / 1e9;
  const starts = events.filter((e) => e.childWorkflowExecutionStartedEventAttributes);
  const ends = events.filter(
    (e) => e.childWorkflowExecutionCompletedEventAttributes ?? e.childWorkflowExecutionFailedEventAttributes,
  );
  return {
    running: starts.length - ends.length,
    tailSeconds: seconds(events[events.length - 1]) - seconds(starts[starts.length - 1]),
  };
}

/** When each schedule landed: its first write by the push, from the simulator's commit log (not from the push). */
function landedAtMs(commits: readonly CommitRecord[]): number[] {
  const first = new Map<string, number>();
  for (const c of commits)
    if (c.writer === 'api' && !first.has(c.scheduleId)) first.set(c.scheduleId, Date.parse(c.at));
  return [...first.values()];
}

/** Schedules landed per second in consecutive windows of `windowMs` from `startMs` (the last window may be partial). */
function ratesPer(landedMs: readonly number[], startMs: number, windowMs: number): string[] {
  const counts: number[] = [];
  for (const at of landedMs) {
    const i = Math.max(0, Math.floor((at - startMs) / windowMs));
    while (counts.length <= i) counts.push(0);
    counts[i] = (counts[i] ?? 0) + 1;
  }
  const lastMs = Math.max(startMs, ...landedMs);
  return counts.map((n, i) => {
    const span = Math.min(windowMs, lastMs - (startMs + i * windowMs)) || windowMs;
    return (n / (span / 1000)).toFixed(1);
  });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
