import type { RequestRecord } from '../../dev/simulator/wfm-simulator';
import { Harness } from '../support/harness';

describe('bulk push on a real Temporal server against the simulator', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await Harness.create();
  });
  afterEach(() => h.afterEach());
  afterAll(() => h.teardown());

  it('lands 40 schedules × 50 agents under noise and 15 % conflicts without losing another writer’s edit', async () => {
    const {
      plan,
      simulator: sim,
      queue,
    } = await h.scenario('noisy', {
      schedules: 40,
      agents: 2000,
      simulator: { noiseMs: 50, conflictRate: 0.15, randomSeed: 11 },
    });

    const report = await h.push(plan, queue);

    expect(report.totals).toMatchObject({
      schedules: 40,
      schedulesDone: 40,
      schedulesFailed: 0,
      agentsPlanned: 2000,
    });
    expect(report.totals.agentsChanged + report.totals.agentsAlreadyInPlace).toBe(2000);
    expect(report.totals.conflicts).toBeGreaterThan(0); // The faults really happened, and were resolved.
    const stats = sim.sim.stats();
    expect(stats.commits.noise).toBeGreaterThan(0);
    expect(stats.commits['conflict-writer']).toBeGreaterThan(0);
    expect(await h.violations(sim.api, plan, report)).toEqual([]);
  });

  it('answers every version conflict with a fresh read and a write based on the newer version', async () => {
    const {
      plan,
      simulator: sim,
      queue,
    } = await h.scenario('conflict', {
      schedules: 20,
      agents: 200,
      simulator: { conflictRate: 0.5, randomSeed: 3 },
    });

    const report = await h.push(plan, queue);

    expect(report.totals.schedulesFailed).toBe(0);
    const requests = await sim.api.requests();
    const conflicts = requests.filter((r) => r.method === 'PUT' && (r.status === 409 || r.status === 412));
    expect(conflicts.length).toBeGreaterThanOrEqual(3); // About 20 expected; fewer than 3 is a 1-in-5,000 draw.
    for (const conflict of conflicts) {
      const after = requests.filter((r) => r.scheduleId === conflict.scheduleId && r.seq > conflict.seq);
      const nextPut = after.find((r) => r.method === 'PUT');
      const readBeforeNextPut = after.find((r) => r.method === 'GET' && (!nextPut || r.seq < nextPut.seq));
      expect(readBeforeNextPut).toBeDefined();
      // The retry is based on what the fresh read saw, never on the version the refused write carried.
      expect(nextPut?.baseVersion).toBe(readBeforeNextPut?.currentVersion);
      expect(nextPut?.baseVersion).toBeGreaterThan(conflict.baseVersion ?? Infinity);
    }
    expect(await h.violations(sim.api, plan, report)).toEqual([]);
  });

  it('fails an unknown schedule alone, with the server’s message, while the others land', async () => {
    // The third schedule does not exist in the WFM.
    const {
      plan,
      simulator: sim,
      queue,
    } = await h.scenario('unknown', { schedules: 5, agents: 50, omit: [2] });
    const missing = plan.schedules[2]?.scheduleId;

    const report = await h.push(plan, queue);

    expect(report.totals).toMatchObject({
      schedulesDone: 5,
      schedulesFailed: 1,
      agentsChanged: 40,
      agentsFailed: 10,
    });
    const failed = report.schedules.find((s) => s.scheduleId === missing);
    expect(failed).toMatchObject({ outcome: 'failed', failure: { type: 'Rejected' } });
    expect(failed?.failure?.message).toContain(`schedule ${missing} does not exist`);
    // Not retried: one GET, no PUT.
    const tries = (await sim.api.requests()).filter((r: RequestRecord) => r.scheduleId === missing);
    expect(tries.map((r) => `${r.method} ${r.status}`)).toEqual(['GET 404']);
    expect(await h.violations(sim.api, plan, report)).toEqual([]);
  });

  it('writes nothing when the schedules already hold the plan', async () => {
    const { plan, simulator: sim, queue } = await h.scenario('again', { schedules: 4, agents: 40 });
    const first = await h.push(plan, queue);
    expect(first.totals.agentsChanged).toBe(40);
    const commitsAfterFirst = (await sim.api.commits()).length;

    const second = await h.push({ ...plan, planId: `${plan.planId}-again` }, queue);

    expect(second.totals).toMatchObject({
      agentsChanged: 0,
      agentsAlreadyInPlace: 40,
      writes: 0,
      schedulesFailed: 0,
    });
    expect(second.schedules.every((s) => s.outcome === 'already-in-place')).toBe(true);
    expect(await sim.api.commits()).toHaveLength(commitsAfterFirst);
  });
});
