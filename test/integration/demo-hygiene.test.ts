import { randomUUID } from 'node:crypto';
import { pushProgress, submitPush } from '../../client/push-client';
import { DEMO_QUEUE_PREFIX, endLeftoverDemoPushes } from '../../cli/demo/leftovers';
import { keptLines } from '../../cli/demo/run-demo';
import { temporalAt } from '../../common/temporal';
import { loadSharedSettings } from '../../common/settings';
import { generateSample } from '../../dev/sample';
import { BULK_PUSH_ID, bulkPushWorkflowId } from '../../model/names';
import { Harness } from '../support/harness';
import { waitUntil } from '../support/wait-until';

/** What a demo leaves behind (issue 21): nothing stuck after an interruption, and the way back in after --keep. */
describe('demo hygiene', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await Harness.create();
  });
  afterEach(() => h.afterEach());
  afterAll(() => h.teardown());

  it('a demo ends the pushes an interrupted demo left on its task queue, with their schedules, and no other', async () => {
    const planId = `left-${randomUUID().slice(0, 6)}`;
    const { documents, plan } = generateSample({ schedules: 4, agents: 20, idPrefix: planId, planId });
    const simulator = await h.startSimulator({ latencyMs: 3000 }, documents);
    const queue = `${DEMO_QUEUE_PREFIX}test-${randomUUID().slice(0, 8)}`;
    const workers = await h.startWorkers(h.settings(queue, simulator.url));
    await submitPush(h.context(queue), plan, { maxInFlight: 2 });
    await waitUntil(
      'schedules are in flight',
      async () => (await pushProgress(h.client, planId))?.inFlight === 2,
    );
    // The demo is interrupted: its worker goes, its push and schedules stay running on a queue nobody polls.
    await workers.shutdown();
    // Another push, not a demo's, is never touched.
    const other = await h.scenario('not-a-demo', { schedules: 1, startWorkers: false });
    await submitPush(other.ctx, other.plan);

    // (Pollers stay listed for minutes after a worker stops; the test does not wait them out.)
    const ended = await endLeftoverDemoPushes(h.client, `${DEMO_QUEUE_PREFIX}now`, 0);
    expect(ended).toContain(planId);
    expect(ended).not.toContain(other.plan.planId);
    expect((await h.client.workflow.getHandle(bulkPushWorkflowId(planId)).describe()).status.name).toBe(
      'TERMINATED',
    );
    await waitUntil('no schedule of the push still runs', async () => {
      let running = 0;
      for await (const _ of h.client.workflow.list({
        query: `${BULK_PUSH_ID.name} = "${planId}" AND ExecutionStatus = "Running"`,
      }))
        running++;
      return running === 0;
    });
    await h.client.workflow.getHandle(bulkPushWorkflowId(other.plan.planId)).terminate('test');
  });

  it('--keep says which task queue its worker polls and the exact environment to reach it', () => {
    const settings = {
      ...loadSharedSettings({ WFM_PUSH_DATA_DIR: '/tmp/demo data' }),
      temporal: temporalAt('127.0.0.1:7233'),
      taskQueue: `${DEMO_QUEUE_PREFIX}20261207T101500`,
    };
    const text = keptLines(
      { services: [{ name: 'worker', pid: 42 } as never] },
      {
        settings,
        wfmEnv: { WFM_BASE_URL: 'http://127.0.0.1:4010' },
        planId: 'sample',
        uiUrl: 'http://localhost:8233',
      },
    );
    expect(text).toContain(`its worker polls task queue ${DEMO_QUEUE_PREFIX}20261207T101500`);
    expect(text).toContain(
      `export TEMPORAL_ADDRESS=127.0.0.1:7233 WFM_PUSH_TASK_QUEUE=${DEMO_QUEUE_PREFIX}20261207T101500 WFM_PUSH_DATA_DIR='/tmp/demo data'`,
    );
    expect(text).toContain('wfm-push status sample');
    expect(text).toContain('WFM_BASE_URL=http://127.0.0.1:4010 wfm-push worker');
    expect(text).toContain('Stop it: kill 42');
  });
});
