import { submitPush, waitForReport } from '../../client/push-client';
import { Harness } from '../support/harness';
import { startStoreCluster, type StoreCluster } from '../support/postgres-store';
import { waitUntil } from '../support/wait-until';

/**
 * How long PostgreSQL stays down mid-push. Longer than the store activities' old budget (ten attempts, about five and a
 * half minutes, after which the push failed or a landed schedule's line was dropped). STORE_OUTAGE_MS shortens it
 * while working on the test; the slow lane runs the full ten minutes.
 */
const OUTAGE_MS = Number(process.env.STORE_OUTAGE_MS ?? 10 * 60_000);

/** Store outages are waited out (issue 18): PostgreSQL stopped mid-push and started again, nothing lost. */
describe('a PostgreSQL outage mid-push', () => {
  let h: Harness;
  let cluster: StoreCluster;
  beforeAll(async () => {
    h = await Harness.create();
    cluster = await startStoreCluster();
  });
  afterEach(() => h.afterEach());
  afterAll(async () => {
    await h.teardown();
    await cluster.stop();
  });

  it(
    'waits it out, says so, and completes with a report that is true',
    async () => {
      const store = await cluster.freshStoreUrl('outage');
      // Slow enough (about two seconds a schedule, one at a time) that most of the push is still to come when the store
      // goes down.
      const { plan, simulator, ctx } = await h.scenario('outage', {
        schedules: 12,
        agents: 60,
        simulator: { latencyMs: 1_000 },
        store,
      });
      await submitPush(ctx, plan, { maxInFlight: 1 });
      await waitUntil(
        'a schedule has landed',
        async () => (await ctx.results.listResults({ planId: plan.planId })).results.length > 0,
      );

      await cluster.postgres.pause();
      const pausedAt = Date.now();
      const handle = h.client.workflow.getHandle(`bulk-push:${plan.planId}`);
      const details: string[] = [];
      try {
        while (Date.now() - pausedAt < OUTAGE_MS) {
          // What the UI shows of the push and its schedules still running.
          for await (const run of h.client.workflow.list({
            query: `BulkPushId = "${plan.planId}" AND ExecutionStatus = "Running"`,
          })) {
            const { currentDetails } = await h.client.workflow
              .getHandle(run.workflowId)
              .query<{ currentDetails?: string }>('__temporal_workflow_metadata')
              .catch(() => ({ currentDetails: undefined }));
            if (currentDetails) details.push(currentDetails);
          }
          await new Promise((resolve) => setTimeout(resolve, 5_000));
        }
        expect((await handle.describe()).status.name).toBe('RUNNING');
      } finally {
        await cluster.postgres.resume();
      }
      // The push said what it waited for: its schedule waiting for the store at once, the push itself once its own
      // store calls' retries (about three minutes) were spent.
      expect(details).toContainEqual(expect.stringMatching(/^WAITING FOR THE STORE since /));
      for (const line of details) expect(line).not.toContain(cluster.postgres.password);

      const report = await waitForReport(ctx, plan.planId);
      expect(report.state).toBe('completed');
      expect(report.totals).toMatchObject({
        schedules: 12,
        schedulesDone: 12,
        schedulesFailed: 0,
        agentsFailed: 0,
      });
      // The report is true: what the simulator holds is what it says, nothing applied twice, nothing dropped.
      expect(await h.violations(simulator.api, plan, report)).toEqual([]);
    },
    OUTAGE_MS + 10 * 60_000,
  );
});
