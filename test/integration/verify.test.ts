import { ScheduleNotFoundError } from '@temporalio/client';
import { deleteVerifySchedule, verifyPlan } from '../../client/verify-client';
import type { CommitRecord } from '../../dev/simulator/schedule-store';
import type { WfmSimulator } from '../../dev/simulator/wfm-simulator';
import { DRIFTED_LISTED, LIVE_SHIFTS_LISTED, type DriftReport } from '../../model/drift';
import type { Plan } from '../../model/plan';
import { canonicalShifts, type Shift } from '../../model/shift';
import { Harness } from '../support/harness';
import { runCli } from '../support/run-cli';
import { waitUntil } from '../support/wait-until';

/** What a planner does in the WFM UI after the push: moves one shift of `agentId` by a quarter hour. */
function editAgent(sim: WfmSimulator, scheduleId: string, agentId: string): Shift[] {
  const doc = sim.store.get(scheduleId);
  if (!doc) throw new Error(`no schedule ${scheduleId}`);
  let edited: Shift[] = [];
  const agents = doc.agents.map((a) => {
    if (a.agentId !== agentId) return a;
    edited = a.shifts.map((s, i) =>
      i === 0 ? { ...s, start: new Date(Date.parse(s.start) + 15 * 60_000).toISOString() } : s,
    );
    return { ...a, shifts: edited };
  });
  sim.store.commit({ ...doc, agents }, 'manual');
  return edited;
}

/** A planned agent, and an agent of the same schedule the plan does not name. */
function agentsOf(plan: Plan, sim: WfmSimulator) {
  const schedule = plan.schedules[1]!;
  const planned = schedule.agents[2]!;
  const unplanned = sim.store
    .get(schedule.scheduleId)!
    .agents.find((a) => !schedule.agents.some((p) => p.agentId === a.agentId))!;
  return { scheduleId: schedule.scheduleId, planned, unplannedId: unplanned.agentId };
}

describe('wfm-push verify: drift after a push, found and repaired', () => {
  let h: Harness;
  const schedules: string[] = [];
  beforeAll(async () => {
    h = await Harness.create();
  });
  afterEach(async () => {
    for (const planId of schedules.splice(0)) await deleteVerifySchedule(h.client, planId);
    await h.afterEach();
  });
  afterAll(() => h.teardown());

  it('names the planned agent another writer changed after the push, and --repair writes only that agent', async () => {
    const { plan, simulator, queue } = await h.scenario('drift', { schedules: 3, agents: 15 });
    const ctx = h.context(queue);
    expect((await h.push(plan, queue)).totals.schedulesFailed).toBe(0);
    const { scheduleId, planned, unplannedId } = agentsOf(plan, simulator.sim);
    const live = editAgent(simulator.sim, scheduleId, planned.agentId);
    editAgent(simulator.sim, scheduleId, unplannedId); // Not the plan's business: never drift, never repaired.
    const commitsBefore = (await simulator.api.commits()).length;

    const found = await verifyPlan(ctx, plan.planId);

    expect(found).toMatchObject({
      planId: plan.planId,
      schedulesChecked: 3,
      agentsChecked: 15,
      schedulesNotLanded: 0,
      unreadable: [],
      agentsDrifted: 1,
      schedulesDrifted: 1,
      drifted: [{ scheduleId, agentId: planned.agentId, liveShifts: live }],
    });
    expect(found.repair).toBeUndefined();
    expect(await simulator.api.commits()).toHaveLength(commitsBefore); // A check writes nothing.

    const repaired = await verifyPlan(ctx, plan.planId, { repair: true });

    expect(repaired.repair).toMatchObject({
      planId: `${plan.planId}-repair-1`,
      workflowId: `bulk-push:${plan.planId}-repair-1`,
      agents: 1,
      schedules: 1,
      summary: { totals: expect.objectContaining({ agentsChanged: 1, agentsFailed: 0 }) },
    });
    // The commit log: one write since, by the API, to that schedule, changing that agent back to the plan only.
    const since: CommitRecord[] = (await simulator.api.commits()).slice(commitsBefore);
    expect(since).toHaveLength(1);
    expect(since[0]).toMatchObject({ writer: 'api', scheduleId });
    expect(since[0]?.changes).toEqual([
      { agentId: planned.agentId, before: live, after: canonicalShifts(planned.shifts) },
    ]);
    // The other writer's edit of the unplanned agent survives.
    const unplannedNow = simulator.sim.store.get(scheduleId)!.agents.find((a) => a.agentId === unplannedId);
    const unplannedEdit = (await simulator.api.commits()).filter(
      (c) => c.writer === 'manual' && c.changes.some((x) => x.agentId === unplannedId),
    );
    expect(unplannedNow?.shifts).toEqual(unplannedEdit.at(-1)?.changes[0]?.after);

    expect((await verifyPlan(ctx, plan.planId)).drifted).toEqual([]);
  });

  it('counts a drift wider than the report names, and the repair puts every drifted agent back', async () => {
    const { plan, simulator, queue, env } = await h.scenario('wide-drift', { schedules: 10, agents: 2_400 });
    const ctx = h.context(queue);
    expect((await h.push(plan, queue)).totals.schedulesFailed).toBe(0);
    // Someone overwrote the whole week: every agent's first shift moved, one commit per schedule.
    for (const { scheduleId } of plan.schedules) {
      const doc = simulator.sim.store.get(scheduleId)!;
      const agents = doc.agents.map((a) => ({
        ...a,
        shifts: a.shifts.map((s, i) =>
          i === 0 ? { ...s, start: new Date(Date.parse(s.start) + 15 * 60_000).toISOString() } : s,
        ),
      }));
      simulator.sim.store.commit({ ...doc, agents }, 'manual');
    }
    const expected = plan.schedules.flatMap((s) => s.agents).filter((a) => a.shifts.length > 0).length;
    expect(expected).toBeGreaterThan(DRIFTED_LISTED);

    const found = await verifyPlan(ctx, plan.planId);

    expect(found).toMatchObject({ agentsDrifted: expected, schedulesDrifted: 10, agentsChecked: 2_400 });
    expect(found.drifted).toHaveLength(DRIFTED_LISTED);
    expect(found.drifted.filter((d) => d.liveShifts)).toHaveLength(LIVE_SHIFTS_LISTED);
    const human = await runCli(['verify', plan.planId], env);
    expect(human.code).toBe(1);
    expect(human.stdout).toContain(`${expected} agent(s) in 10 schedule(s) no longer match the plan`);
    expect(human.stdout).toContain(
      `... and ${expected - 100} more (--json names ${DRIFTED_LISTED}; a repair's report names every one)`,
    );

    const repaired = await verifyPlan(ctx, plan.planId, { repair: true });

    expect(repaired.repair).toMatchObject({
      agents: expected,
      schedules: 10,
      summary: { totals: expect.objectContaining({ agentsChanged: expected, agentsFailed: 0 }) },
    });
    expect(await verifyPlan(ctx, plan.planId)).toMatchObject({ agentsDrifted: 0, drifted: [] });
  });

  it('registers a Temporal Schedule that runs the check, shows it, and deletes it (as a separate process)', async () => {
    const { plan, simulator, queue, env } = await h.scenario('drift-every', { schedules: 2, agents: 6 });
    await h.push(plan, queue);
    const { scheduleId, planned } = agentsOf(plan, simulator.sim);
    editAgent(simulator.sim, scheduleId, planned.agentId);
    schedules.push(plan.planId);

    const until = new Date(Date.now() + 3 * 60_000).toISOString();
    const registered = await runCli(
      ['verify', plan.planId, '--every', '2s', '--until', until, '--json'],
      env,
    );
    expect(registered.code).toBe(0);
    expect(JSON.parse(registered.stdout)).toMatchObject({ ok: true, scheduleId: `verify:${plan.planId}` });
    expect(registered.stderr).toContain(`wfm-push verify ${plan.planId} --stop`);

    const schedule = h.client.schedule.getHandle(`verify:${plan.planId}`);
    const action = await waitUntil(
      'the schedule has started a check',
      async () => (await schedule.describe()).info.recentActions[0]?.action,
      30_000,
    );
    const run = h.client.workflow.getHandle(action.workflow.workflowId);
    const report = (await run.result()) as DriftReport;
    expect(report.drifted).toEqual([expect.objectContaining({ scheduleId, agentId: planned.agentId })]);
    expect((await run.describe()).type).toBe('verifyPush');

    // The same check, one-off, from the command line: exit 1 and the drifted agent in the table.
    const human = await runCli(['verify', plan.planId], env);
    expect(human.code).toBe(1);
    expect(human.stdout).toContain('1 agent(s) in 1 schedule(s) no longer match the plan');
    // How it differs from the plan, then what it holds now.
    expect(human.stdout).toMatch(
      new RegExp(`${scheduleId}\\s+${planned.agentId}\\s+\\d+ (changed|missing|extra)[^\\n]*\\s+2026-`),
    );
    expect(human.stdout).toContain(`wfm-push verify ${plan.planId} --repair`);

    const stopped = await runCli(['verify', plan.planId, '--stop'], env);
    expect(stopped.code).toBe(0);
    await expect(schedule.describe()).rejects.toBeInstanceOf(ScheduleNotFoundError);
  });

  it('refuses to check a plan it does not know', async () => {
    const { env } = await h.scenario('drift-unknown', { schedules: 1, agents: 1, startWorkers: false });
    const run = await runCli(['verify', 'no-such-plan'], env);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('no push with plan ID no-such-plan');
  });
});
