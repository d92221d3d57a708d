import { createGenesysSimulator } from '../../dev/simulator/genesys/genesys-simulator';
import { sampleGenesysPlan, simulatorWorkerEnv } from '../../dev/simulator/genesys/sample-org';
import { listenGenesys } from '../../dev/simulator/genesys/server';
import type { Plan } from '../../model/plan';
import { sameShifts } from '../../model/shift';
import { agentShiftsFromGenesys } from '../../wfm/genesys/shifts';
import { loadWorkerSettings } from '../../worker/settings';
import { cancelPush, pushProgress, retryPush, submitPush, waitForReport } from '../../client/push-client';
import { CODEC_KEYS, Harness, uniqueId } from '../support/harness';
import { waitUntil } from '../support/wait-until';
import { checkGenesysInvariants } from '../../dev/genesys-invariants';
import { state } from '../../dev/simulator/genesys/test-only-routes';
import { pushAgentReport } from '../../client/agent-report';

/** A whole push in genesys mode: Temporal, the worker's Genesys adapter, and the Genesys simulator. */
describe('a push into Genesys Cloud (simulator), WFM_API_STYLE=genesys', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await Harness.create();
  });
  afterEach(() => h.afterEach());
  afterAll(() => h.teardown());

  it('lands every planned agent, touches no other, and writes each schedule once', async () => {
    const sim = createGenesysSimulator({
      seed: {
        businessUnits: 2,
        managementUnitsPerBu: 2,
        agentsPerMu: 5,
        weeks: ['2026-03-02', '2026-03-09'],
      },
      tokenLifetimeSeconds: 30,
      processingDelayMs: 30,
      queryModes: { inline: 2, download: 1, processing: 0 },
    });
    const running = await listenGenesys(sim);
    try {
      const schedules = sim.store.allSchedules();
      const id = uniqueId('genesys');
      // Every schedule: six of its ten agents get one four-hour shift on the week's second day; four are not planned.
      const plan: Plan = { ...sampleGenesysPlan(schedules, { agentsPerSchedule: 6 }), planId: id };
      const before = new Map(
        schedules.flatMap((s) =>
          [...s.agents.values()].map((a) => [`${s.id}/${a.userId}`, structuredClone(a.shifts)]),
        ),
      );
      const queue = h.uniqueQueue('genesys');
      await h.startWorkers(genesysWorkerSettings(running.url, queue, h.dataDir));
      const report = await h.push(plan, queue);

      expect(report.totals).toMatchObject({
        schedules: 4,
        schedulesFailed: 0,
        agentsChanged: 24,
        agentsFailed: 0,
      });
      const apiCommits = sim.store.commits.filter((c) => c.writer === 'api');
      expect(apiCommits).toHaveLength(4); // one write per schedule, none repeated
      for (const s of plan.schedules) {
        const stored = schedules.find((x) => x.id === s.scheduleId);
        const plannedIds = new Set(s.agents.map((a) => a.agentId));
        for (const commit of apiCommits.filter((c) => c.scheduleId === s.scheduleId))
          for (const change of commit.agents) expect(plannedIds.has(change.userId)).toBe(true);
        for (const agent of s.agents) {
          const held = agentShiftsFromGenesys({ shifts: stored?.agents.get(agent.agentId)?.shifts ?? [] });
          expect(held.unrepresentable).toEqual([]);
          expect(sameShifts(held.shifts, agent.shifts)).toBe(true);
        }
        for (const [agentId, record] of stored?.agents ?? [])
          if (!plannedIds.has(agentId))
            expect(record.shifts).toEqual(before.get(`${s.scheduleId}/${agentId}`));
      }
    } finally {
      await running.close();
    }
  });

  it('lands a busy business-unit week: supervisors move its version every 200 ms, approved time off is kept', async () => {
    // One schedule of 1,200 agents in two management units, 900 planned; every supervisor edit moves the schedule's
    // version; one agent in ten holds approved time off, a full-day time off or another system's activity.
    const sim = createGenesysSimulator({
      seed: {
        businessUnits: 1,
        managementUnitsPerBu: 2,
        agentsPerMu: 600,
        weeks: ['2026-03-02'],
        timeOffShare: 0.1,
      },
      otherWriterMs: 200,
      otherWriterBumpsScheduleVersion: true,
      agentConflictSyncShare: 0.5,
      queryModes: { inline: 2, download: 1, processing: 1 },
      lostResponseShare: 0.05,
      rateLimitPerMinute: 300,
    });
    const running = await listenGenesys(sim);
    try {
      const id = uniqueId('bu-week');
      const plan: Plan = {
        ...sampleGenesysPlan(sim.store.allSchedules(), { agentsPerSchedule: 900 }),
        planId: id,
      };
      const queue = h.uniqueQueue('bu-week');
      await h.startWorkers(genesysWorkerSettings(running.url, queue, h.dataDir));
      const report = await h.push(plan, queue);
      const t = report.totals;
      expect(t).toMatchObject({ schedulesFailed: 0, agentsFailed: 0 });
      expect(t.agentsChanged + t.agentsAlreadyInPlace + t.agentsProtected).toBe(900);
      // The sample plan's shift overlaps the partial-day time off placed on the same day.
      expect(t.agentsProtected).toBeGreaterThan(0);
      sim.patchOptions({ otherWriterMs: 0 });
      expect(checkGenesysInvariants({ plan, state: state(sim), commits: sim.store.commits })).toEqual([]);
      for (const commit of sim.store.commits.filter((c) => c.writer === 'api'))
        expect(commit.agents.length).toBeLessThanOrEqual(1000);
      const agents = await pushAgentReport(h.context(queue), id);
      const left = agents?.agents.filter((a) => a.outcome === 'protected') ?? [];
      expect(left).toHaveLength(t.agentsProtected);
      for (const agent of left)
        expect(agent.protectedTime?.reason).toMatch(/time off \(time-off request [0-9a-f-]+\)/);
    } finally {
      await running.close();
    }
  });

  it('cancel and retry work in genesys mode: schedules never started are pushed by the retry', async () => {
    const sim = createGenesysSimulator({
      seed: {
        businessUnits: 1,
        managementUnitsPerBu: 1,
        agentsPerMu: 4,
        weeks: ['2026-03-02', '2026-03-09', '2026-03-16', '2026-03-23'],
      },
      latencyMs: 150,
      processingDelayMs: 30,
    });
    const running = await listenGenesys(sim);
    try {
      const schedules = sim.store.allSchedules();
      const plan: Plan = { ...sampleGenesysPlan(schedules), planId: uniqueId('genesys-retry') };
      const queue = h.uniqueQueue('genesys-retry');
      await h.startWorkers(genesysWorkerSettings(running.url, queue, h.dataDir));
      const ctx = h.context(queue);
      await submitPush(ctx, plan, { maxInFlight: 1 });
      await waitUntil(
        'a schedule is done',
        async () => ((await pushProgress(h.client, plan.planId))?.totals.schedulesDone ?? 0) >= 1,
      );
      await cancelPush(h.client, plan.planId);
      const cancelled = await waitForReport(ctx, plan.planId);
      expect(cancelled.state).toBe('cancelled');
      expect(cancelled.schedules.filter((s) => s.outcome === 'not-started').length).toBeGreaterThan(0);
      // A schedule in flight when the push was cancelled finishes on its own; retry once it has recorded itself.
      await waitUntil('no schedule of the push is running', async () => {
        const running = await h.client.workflow.count(
          `BulkPushId="${plan.planId}" AND ExecutionStatus="Running"`,
        );
        return running.count === 0;
      });

      expect(await retryPush(ctx, plan.planId)).toBeDefined();
      const retried = await waitForReport(ctx, plan.planId);
      expect(retried).toMatchObject({
        state: 'completed',
        totals: { schedules: 4, schedulesDone: 4, schedulesFailed: 0, agentsChanged: 16 },
      });
      // Each schedule was written once, by the first push or by the retry, never twice.
      const writes = sim.store.commits.filter((c) => c.writer === 'api').map((c) => c.scheduleId);
      expect(writes.sort()).toEqual(schedules.map((s) => s.id).sort());
    } finally {
      await running.close();
    }
  });
});

/** A worker in genesys mode against the simulator at `url`, on `queue`. */
function genesysWorkerSettings(url: string, queue: string, dataDir: string) {
  return loadWorkerSettings({
    ...simulatorWorkerEnv(url),
    WFM_PUSH_TASK_QUEUE: queue,
    WFM_PUSH_DATA_DIR: dataDir,
    WFM_PUSH_CODEC_KEYS: CODEC_KEYS,
  });
}
