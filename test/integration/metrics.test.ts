import path from 'node:path';
import { freePort, startCliProcess, waitForHttp, type Service } from '../../dev/processes';
import { submitPush, waitForReport } from '../../client/push-client';
import { Harness } from '../support/harness';
import { byLabel, parsePrometheusText, sumOf } from '../support/prometheus-text';
import { eventually } from '../support/wait-until';

/**
 * A worker process as an operator runs it, with WFM_PUSH_METRICS_ADDRESS set: after a push against a simulator that
 * conflicts, throttles and loses acknowledgements, its /metrics must agree with the simulator's own request log and
 * with the push's report, and carry the Temporal SDK's metrics too.
 */
describe('worker metrics (/metrics of a worker process)', () => {
  let h: Harness;
  const processes: Service[] = [];
  beforeAll(async () => {
    h = await Harness.create();
  });
  afterEach(async () => {
    await Promise.all(processes.splice(0).map((p) => p.stop(5_000)));
    await h.afterEach();
  });
  afterAll(() => h.teardown());

  it('counts every WFM request by status as the simulator logged it, and agents and schedules as the report has them', async () => {
    const { plan, simulator, ctx, env } = await h.scenario('metrics', {
      schedules: 12,
      agents: 120,
      simulator: {
        latencyMs: 5,
        conflictRate: 0.5,
        // A bucket the worker's slow start overruns: a few 429s with Retry-After, then it keeps under the limit.
        rateLimitPerSecond: 8,
        rateLimitBurst: 3,
        lostAckRate: 0.2,
      },
      startWorkers: false,
    });
    const port = await freePort();
    const metricsUrl = `http://127.0.0.1:${port}/metrics`;
    const worker = startCliProcess(
      'metrics-worker',
      ['worker'],
      { ...process.env, ...env, WFM_PUSH_METRICS_ADDRESS: `127.0.0.1:${port}` },
      path.join(h.dataDir, 'metrics-worker.log'),
    );
    processes.push(worker);
    await waitForHttp(metricsUrl, worker);

    await submitPush(ctx, plan, { maxInFlight: 4 });
    const report = await waitForReport(ctx, plan.planId);
    expect(report.totals).toMatchObject({ schedulesDone: 12, schedulesFailed: 0, agentsFailed: 0 });

    const log = await simulator.api.requests();
    // What the worker saw of each request: a lost acknowledgement is no answer at all (`network`).
    const expected: Record<string, number> = {};
    for (const r of log) {
      const status = r.lostAck ? 'network' : String(r.status);
      expected[status] = (expected[status] ?? 0) + 1;
    }
    const samples = await eventually(async () => {
      const text = await (await fetch(metricsUrl)).text();
      const parsed = parsePrometheusText(text);
      expect(byLabel(parsed, 'wfm_push_wfm_requests_total', 'status')).toEqual(expected);
      return parsed;
    }, 10_000);
    // Conflicts (If-Match: 412), throttles and lost acknowledgements all happened, and were all counted.
    expect(expected).toMatchObject({
      412: expect.any(Number),
      429: expect.any(Number),
      network: expect.any(Number),
    });

    expect(sumOf(samples, 'wfm_push_wfm_request_seconds_count')).toBe(log.length);
    expect(sumOf(samples, 'wfm_push_wfm_request_seconds_bucket', { le: '+Inf' })).toBe(log.length);
    expect(sumOf(samples, 'wfm_push_retry_after_pauses_total')).toBe(expected['429']);
    expect(sumOf(samples, 'wfm_push_conflicts_total')).toBe((expected['409'] ?? 0) + (expected['412'] ?? 0));
    expect(sumOf(samples, 'wfm_push_rate_limit_per_second')).toBeGreaterThan(0);

    const { totals } = report;
    expect(byLabel(samples, 'wfm_push_agents_total', 'outcome')).toEqual({
      applied: totals.agentsChanged,
      'already-in-place': totals.agentsAlreadyInPlace,
      'kept-theirs': totals.agentsKeptTheirs,
      protected: 0,
      failed: 0,
      // A push that completed leaves no agent not started or still in flight.
      'not-started': 0,
      'in-flight': 0,
      superseded: 0,
    });
    const landed = report.schedules.filter((s) => s.outcome === 'landed').length;
    expect(byLabel(samples, 'wfm_push_schedules_total', 'outcome')).toEqual({
      landed,
      'already-in-place': 12 - landed,
      failed: 0,
      'not-started': 0,
      superseded: 0,
    });
    // Every attempt of every schedule's sync ended once: at least one each.
    expect(sumOf(samples, 'wfm_push_sync_seconds_count')).toBeGreaterThanOrEqual(12);

    // The Temporal SDK's own metrics, from its runtime, in the same scrape.
    expect(sumOf(samples, 'wfm_push_sdk_metrics_up')).toBe(1);
    const sdkNames = new Set(samples.map((s) => s.name).filter((n) => n.startsWith('temporal_')));
    expect([...sdkNames]).toEqual(
      expect.arrayContaining([
        'temporal_workflow_completed_total',
        'temporal_activity_execution_latency_count',
      ]),
    );
  });
});
