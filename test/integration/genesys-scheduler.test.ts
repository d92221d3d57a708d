import { createGenesysSimulator } from '../../dev/simulator/genesys/genesys-simulator';
import { sampleGenesysPlan, simulatorWorkerEnv } from '../../dev/simulator/genesys/sample-org';
import { listenGenesys } from '../../dev/simulator/genesys/server';
import type { Plan } from '../../model/plan';
import { sameShifts } from '../../model/shift';
import { agentShiftsFromGenesys } from '../../wfm/genesys/shifts';
import { loadWorkerSettings } from '../../worker/settings';
import { pushAgentReport } from '../../client/agent-report';
import { startDiff, waitForDiffReport } from '../../client/diff-client';
import { verifyPlan } from '../../client/verify-client';
import { CODEC_KEYS, Harness, uniqueId } from '../support/harness';

/** The overwrite policy and the dry run in genesys mode, where each agent schedule has a version of its own. */
describe('diff, keep-theirs and verify against Genesys Cloud (simulator), by agent schedule version', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await Harness.create();
  });
  afterEach(() => h.afterEach());
  afterAll(() => h.teardown());

  /** Workers on a queue of their own, speaking Genesys to the simulator at `url`; and a client context for them. */
  async function genesysWorkers(name: string, url: string) {
    const queue = h.uniqueQueue(name);
    await h.startWorkers(
      loadWorkerSettings({
        ...simulatorWorkerEnv(url),
        WFM_PUSH_TASK_QUEUE: queue,
        WFM_PUSH_DATA_DIR: h.dataDir,
        WFM_PUSH_CODEC_KEYS: CODEC_KEYS,
      }),
    );
    return { queue, ctx: h.context(queue) };
  }

  it('sees an agent edited since planning by its version, diffs without writing, then keeps their edit', async () => {
    const sim = createGenesysSimulator({
      seed: {
        businessUnits: 1,
        managementUnitsPerBu: 1,
        agentsPerMu: 5,
        weeks: ['2026-03-02', '2026-03-09'],
      },
      processingDelayMs: 20,
    });
    const running = await listenGenesys(sim);
    try {
      const schedules = sim.store.allSchedules();
      const sample = sampleGenesysPlan(schedules, { agentsPerSchedule: 4 });
      // What the planning engine read: every agent's shifts and agent schedule version.
      const plan: Plan = {
        planId: uniqueId('genesys-keep'),
        schedules: sample.schedules.map((s) => ({
          ...s,
          agents: s.agents.map((a) => {
            const record = schedules.find((x) => x.id === s.scheduleId)?.agents.get(a.agentId);
            return {
              ...a,
              basedOn: {
                shifts: agentShiftsFromGenesys({ shifts: record?.shifts ?? [] }).shifts,
                version: record?.version ?? 0,
              },
            };
          }),
        })),
      };
      const [first] = schedules;
      const [moved, touched] = plan.schedules[0]?.agents ?? [];
      if (!first || !moved || !touched) throw new Error('sample too small');
      // A supervisor moves one agent's shift; another integration touches the other (same shifts, newer version).
      sim.store.editByOtherWriter('manual', true, { schedule: first, userId: moved.agentId });
      const touchedRecord = first.agents.get(touched.agentId);
      if (!touchedRecord) throw new Error('no agent');
      touchedRecord.version += 1;
      const theirShifts = structuredClone(first.agents.get(moved.agentId)?.shifts);
      const commitsBefore = sim.store.commits.length;

      const { queue, ctx } = await genesysWorkers('genesys-keep', running.url);
      const { diffId } = await startDiff(ctx, plan);
      const diff = await waitForDiffReport(ctx, plan, diffId);
      expect(sim.store.commits).toHaveLength(commitsBefore); // the dry run wrote nothing
      expect(diff.summary).toMatchObject({
        schedulesRead: 2,
        agents: 8,
        agentsToWrite: 6,
        agentsEditedSincePlan: 2,
      });
      expect(diff.schedules[0]?.agents.find((a) => a.agentId === touched.agentId)).toMatchObject({
        status: 'edited-since-plan',
        push: 'keep-theirs',
        liveVersion: '2',
      });

      const report = await h.push(plan, queue);
      expect(report.totals).toMatchObject({
        agentsChanged: 6,
        agentsKeptTheirs: 2,
        agentsFailed: 0,
        schedulesFailed: 0,
      });
      // Neither edited agent was written; the moved shift is still where the supervisor put it.
      const apiCommits = sim.store.commits.filter((c) => c.writer === 'api');
      expect(apiCommits.flatMap((c) => c.agents)).toHaveLength(6);
      const writtenInFirst = apiCommits
        .filter((c) => c.scheduleId === first.id)
        .flatMap((c) => c.agents.map((a) => a.userId));
      expect(writtenInFirst.sort()).toEqual(
        plan.schedules[0]?.agents
          .slice(2)
          .map((a) => a.agentId)
          .sort(),
      );
      expect(first.agents.get(moved.agentId)?.shifts).toEqual(theirShifts);

      const agents = await pushAgentReport(ctx, plan.planId);
      expect(agents?.counts).toEqual({
        applied: 6,
        'already-in-place': 0,
        'kept-theirs': 2,
        protected: 0,
        failed: 0,
      });
      const kept = agents?.agents.find((a) => a.agentId === touched.agentId);
      expect(kept).toMatchObject({ outcome: 'kept-theirs', newerEdit: { liveVersion: '2', action: 'kept' } });
      expect(sameShifts(kept?.newerEdit?.liveShifts ?? [], touched.basedOn?.shifts ?? [])).toBe(true);
    } finally {
      await running.close();
    }
  });

  it('finds an agent edited after the push by its shifts, and --repair puts the plan back with its new version', async () => {
    const sim = createGenesysSimulator({
      seed: { businessUnits: 1, managementUnitsPerBu: 1, agentsPerMu: 6, weeks: ['2026-03-02'] },
      processingDelayMs: 20,
    });
    const running = await listenGenesys(sim);
    try {
      const [schedule] = sim.store.allSchedules();
      if (!schedule) throw new Error('no schedule');
      const plan: Plan = {
        planId: uniqueId('genesys-drift'),
        schedules: sampleGenesysPlan([schedule], { agentsPerSchedule: 5 }).schedules,
      };
      const { queue, ctx } = await genesysWorkers('genesys-drift', running.url);
      expect((await h.push(plan, queue)).totals).toMatchObject({ agentsFailed: 0, schedulesFailed: 0 });
      const drifted = plan.schedules[0]?.agents[1];
      if (!drifted) throw new Error('sample too small');
      // A supervisor moves a shift of a pushed agent in Genesys: a new agent schedule version.
      sim.store.editByOtherWriter('manual', true, { schedule, userId: drifted.agentId });
      const commitsBefore = sim.store.commits.length;

      const found = await verifyPlan(ctx, plan.planId);

      expect(found).toMatchObject({ agentsDrifted: 1, agentsChecked: 5, unreadable: [] });
      expect(found.drifted).toEqual([
        expect.objectContaining({ scheduleId: plan.schedules[0]?.scheduleId, agentId: drifted.agentId }),
      ]);
      expect(sim.store.commits).toHaveLength(commitsBefore); // a check writes nothing

      const repaired = await verifyPlan(ctx, plan.planId, { repair: true });

      expect(repaired.repair).toMatchObject({
        agents: 1,
        summary: { totals: expect.objectContaining({ agentsChanged: 1, agentsFailed: 0 }) },
      });
      // One write since, of that agent only, and the plan's shifts are what Genesys holds again.
      const since = sim.store.commits.slice(commitsBefore);
      expect(since.filter((c) => c.writer === 'api').flatMap((c) => c.agents.map((a) => a.userId))).toEqual([
        drifted.agentId,
      ]);
      const live = agentShiftsFromGenesys({ shifts: schedule.agents.get(drifted.agentId)?.shifts ?? [] });
      expect(sameShifts(live.shifts, drifted.shifts)).toBe(true);
      expect((await verifyPlan(ctx, plan.planId)).agentsDrifted).toBe(0);
    } finally {
      await running.close();
    }
  });
});
