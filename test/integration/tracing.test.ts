import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { freePort, startCliProcess, type Service } from '../../dev/processes';
import { bulkPushWorkflowId, schedulePushWorkflowId } from '../../model/names';
import { Harness } from '../support/harness';
import { OtlpCollector, type CollectedSpan } from '../support/otlp-collector';
import { runCli } from '../support/run-cli';
import { eventually } from '../support/wait-until';

/**
 * A `wfm-push worker` and a `wfm-push push` process with OTEL_EXPORTER_OTLP_ENDPOINT set export to an OTLP/HTTP
 * receiver in this process. One schedule's trace must run from the client's start of bulkPush through the bulkPush
 * and schedulePush workflows and the sync activity down to the HTTP spans, one per request the simulator logged for
 * that schedule, named by route template (no schedule ID anywhere in them).
 */
describe('traces (OTLP, worker and client processes)', () => {
  let h: Harness;
  let collector: OtlpCollector;
  const processes: Service[] = [];
  beforeAll(async () => {
    h = await Harness.create();
    collector = await OtlpCollector.start();
  });
  afterEach(async () => {
    await Promise.all(processes.splice(0).map((p) => p.stop(10_000)));
    await h.afterEach();
  });
  afterAll(async () => {
    await collector.close();
    await h.teardown();
  });

  it('never fails a push for a collector that does not take its spans', async () => {
    const { plan, env } = await h.scenario('traces-lost', { schedules: 2, agents: 10 });
    const file = path.join(h.dataDir, 'traces-lost-plan.json');
    writeFileSync(file, JSON.stringify(plan));
    // Nothing listens there: every export is refused.
    const dead = await freePort();
    const run = await runCli(['push', file, '--wait'], {
      ...env,
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${dead}`,
    });
    expect(run.stdout).toContain('every planned change is in place');
    expect(run.stderr).toContain(
      `Traces: the last spans were not sent to http://127.0.0.1:${dead}/v1/traces`,
    );
    expect(run.code).toBe(0);
  });

  it("links one schedule's HTTP spans to the push that started it", async () => {
    const { plan, simulator, env } = await h.scenario('traces', {
      schedules: 3,
      agents: 30,
      // Conflicts make a schedule read and write more than once: every request must have its span.
      simulator: { latencyMs: 5, conflictRate: 0.4 },
      startWorkers: false,
    });
    const otel = { OTEL_EXPORTER_OTLP_ENDPOINT: collector.endpoint, OTEL_BSP_SCHEDULE_DELAY: '500' };
    const worker = startCliProcess(
      'traced-worker',
      ['worker'],
      { ...process.env, ...env, ...otel },
      path.join(h.dataDir, 'traced-worker.log'),
    );
    processes.push(worker);
    const file = path.join(h.dataDir, 'traced-plan.json');
    writeFileSync(file, JSON.stringify(plan));
    const run = await runCli(['push', file, '--wait'], { ...env, ...otel });
    expect(run.stdout).toContain('every planned change is in place');
    expect(run.code).toBe(0);
    // A workflow's span ends with it, and the report can be complete a moment before the workflows are: wait for the
    // push's end, then stop the worker gracefully, which sends the spans still buffered.
    await h.client.workflow.getHandle(bulkPushWorkflowId(plan.planId)).result();
    await worker.stop(30_000);

    const requests = await simulator.api.requests();
    const schedule = plan.schedules[0]!.scheduleId;
    const logged = requests.filter((r) => r.scheduleId === schedule);
    expect(logged.length).toBeGreaterThanOrEqual(2);

    const isHttp = (s: CollectedSpan) => typeof s.attributes['http.route'] === 'string';
    const ofSchedule = (s: CollectedSpan) =>
      collector
        .ancestors(s)
        .some(
          (a) =>
            a.name === 'RunActivity:syncSchedule' &&
            a.attributes.temporalWorkflowId === schedulePushWorkflowId(schedule),
        );
    await eventually(() =>
      expect(collector.spans.filter((s) => isHttp(s) && ofSchedule(s))).toHaveLength(logged.length),
    );
    expect(collector.refused).toEqual([]);

    const http = collector.spans.filter((s) => isHttp(s) && ofSchedule(s));
    // One span per request, with the method and status the simulator logged.
    const seen = (list: Array<{ method: string; status: number }>) =>
      list.map((r) => `${r.method} ${r.status}`).sort();
    expect(
      seen(
        http.map((s) => ({
          method: String(s.attributes['http.request.method']),
          status: Number(s.attributes['http.response.status_code']),
        })),
      ),
    ).toEqual(seen(logged));
    for (const span of http) {
      expect(span.name).toBe(
        `${String(span.attributes['http.request.method'])} /api/v2/wfm/schedules/{scheduleId}`,
      );
      expect(span.attributes['http.route']).toBe('/api/v2/wfm/schedules/{scheduleId}');
      expect(span.service).toBe('wfm-push-worker');
      expect(JSON.stringify(span)).not.toContain(schedule);
      // The whole path, nearest first: activity, its start in the child, the child, its start in the parent, the
      // parent, and the client's start of the push.
      expect(collector.ancestors(span).map((a) => `${a.service} ${a.name}`)).toEqual([
        'wfm-push-worker RunActivity:syncSchedule',
        'wfm-push-worker StartActivity:syncSchedule',
        'wfm-push-worker RunWorkflow:schedulePush',
        'wfm-push-worker StartChildWorkflow:schedulePush',
        'wfm-push-worker RunWorkflow:bulkPush',
        'wfm-push-client StartWorkflow:bulkPush',
      ]);
    }
    // Every HTTP span of the push is in the one trace the client started (the worker's check of the WFM at start is a
    // trace of its own: no span is active then).
    const inPush = collector.spans.filter((s) => isHttp(s) && s.parentSpanId !== undefined);
    const traces = new Set(inPush.map((s) => s.traceId));
    const starts = collector.spans.filter((s) => s.name === 'StartWorkflow:bulkPush');
    expect(starts).toHaveLength(1);
    expect([...traces]).toEqual([starts[0]!.traceId]);
    expect(inPush).toHaveLength(requests.filter((r) => r.scheduleId !== 'wfm-push-reach-check').length);
    // What the plan says stays out of every span (the workflow spans carry the workflow's info, not its input).
    const exported = JSON.stringify(collector.spans);
    for (const agent of plan.schedules.flatMap((s) => s.agents))
      expect(exported).not.toContain(agent.agentId);
    expect(collector.spans.filter(isHttp)).toHaveLength(requests.length);
  });
});
