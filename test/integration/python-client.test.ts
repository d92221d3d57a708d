import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { pushReport } from '../../client/push-client';
import type { PushSummary } from '../../model/report';
import { CODEC_KEYS, Harness } from '../support/harness';
import { ensurePythonTemporal, runPython } from '../support/python-temporal';

const EXAMPLE = path.resolve(__dirname, '../../docs/examples/start_push.py');
const SYNC_EXAMPLE = path.resolve(__dirname, '../../docs/examples/start_push_sync.py');

/** The contract's Python example, run as documented against workers that encrypt payloads (their default). */
describe('docs/examples/start_push.py: a push started by the Python Temporal SDK', () => {
  let h: Harness;
  let python: string;
  beforeAll(async () => {
    h = await Harness.create();
    python = await ensurePythonTemporal();
  });
  afterEach(() => h.afterEach());
  afterAll(() => h.teardown());

  it('pushes an inline plan through the payload codec, and names an invalid plan’s problems by path', async () => {
    const { plan, simulator, queue } = await h.scenario('python', { schedules: 3, agents: 12 });
    const env = {
      TEMPORAL_ADDRESS: process.env.TEMPORAL_ADDRESS,
      WFM_PUSH_TASK_QUEUE: queue,
      WFM_PUSH_CODEC_KEYS: CODEC_KEYS,
    };
    const file = path.join(h.dataDir, 'python-plan.json');
    writeFileSync(file, JSON.stringify(plan));

    const ok = await runPython(python, [EXAMPLE, file], env);

    // Signal and spawn error too, so a crash says what it was.
    expect({ ...ok, stdout: undefined }).toEqual({
      code: 0,
      signal: undefined,
      error: undefined,
      stderr: '',
      stdout: undefined,
    });
    const summary = JSON.parse(ok.stdout) as PushSummary;
    expect(summary).toEqual({
      planId: plan.planId,
      totals: expect.objectContaining({
        schedules: 3,
        schedulesDone: 3,
        agentsChanged: 12,
        schedulesFailed: 0,
      }),
    });
    const report = await pushReport(h.context(queue), plan.planId);
    expect(await h.violations(simulator.api, plan, report!)).toEqual([]);

    const bad = structuredClone(plan) as any;
    bad.planId = `${plan.planId}-bad`;
    bad.schedules[0].agents[1].shifts[0].lengthMinutes = 0;
    bad.schedules[2].agents = [];
    writeFileSync(file, JSON.stringify(bad));

    const refused = await runPython(python, [EXAMPLE, file], env);

    expect(refused.code).toBe(2);
    expect(refused.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(/^schedules\[0\]\.agents\[1\]\.shifts\[0\]\.lengthMinutes: /),
      'schedules[2].agents: a schedule must name at least one agent',
    ]);
  });

  it('start_push_sync.py: a bad plan refused with its problems, a good one accepted with its counts, a repeat joins', async () => {
    const { plan, simulator, queue } = await h.scenario('python-sync', {
      schedules: 3,
      agents: 12,
      simulator: { latencyMs: 300 },
    });
    const env = {
      TEMPORAL_ADDRESS: process.env.TEMPORAL_ADDRESS,
      WFM_PUSH_TASK_QUEUE: queue,
      WFM_PUSH_CODEC_KEYS: CODEC_KEYS,
    };
    const file = path.join(h.dataDir, 'python-sync-plan.json');
    const bad = structuredClone(plan) as any;
    bad.planId = `${plan.planId}-bad`;
    bad.schedules[0].agents[1].shifts[0].lengthMinutes = 0;
    bad.schedules[2].agents = [];
    writeFileSync(file, JSON.stringify(bad));

    const refused = await runPython(python, [SYNC_EXAMPLE, file], env);

    expect(refused.code).toBe(2);
    expect(refused.stderr.trim().split('\n')).toEqual([
      expect.stringContaining('the plan is invalid (2 problem(s)); nothing was started'),
      expect.stringMatching(/^schedules\[0\]\.agents\[1\]\.shifts\[0\]\.lengthMinutes: /),
      'schedules[2].agents: a schedule must name at least one agent',
    ]);

    writeFileSync(file, JSON.stringify(plan));
    const [first, again] = [
      await runPython(python, [SYNC_EXAMPLE, file, '--supersede'], env),
      await runPython(python, [SYNC_EXAMPLE, file], env),
    ];
    for (const run of [first, again])
      expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });
    const [a, b] = [first, again].map(
      (run) => JSON.parse(run.stdout) as { accepted: unknown; workflowId: string; runId: string },
    );
    expect(a).toEqual({
      accepted: { planId: plan.planId, schedules: 3, agentsPlanned: 12 },
      workflowId: `bulk-push:${plan.planId}`,
      runId: expect.any(String),
    });
    // The repeat joined the running push: the same run, the same answer.
    expect(b).toEqual(a);
    await h.client.workflow.getHandle(a!.workflowId).result();
    const report = await pushReport(h.context(queue), plan.planId);
    expect(await h.violations(simulator.api, plan, report!)).toEqual([]);
  });
});
