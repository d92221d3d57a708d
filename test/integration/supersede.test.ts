import { pushProgress, submitPush, waitForReport } from '../../client/push-client';
import type { Plan } from '../../model/plan';
import { sameShifts, type Shift } from '../../model/shift';
import type { CommitRecord } from '../../dev/simulator/schedule-store';
import { formatReport } from '../../client/report-format';
import { checkInvariants } from '../../dev/invariants';
import { Harness, uniqueId } from '../support/harness';
import { waitUntil } from '../support/wait-until';

/** A re-plan of the same schedules: every agent keeps only its first shift, so its content differs from `plan`'s. */
function replan(plan: Plan, extra: Partial<Plan> = {}): Plan {
  return {
    planId: uniqueId('replan'),
    schedules: plan.schedules.map((s) => ({
      ...s,
      agents: s.agents.map((a) => ({ agentId: a.agentId, shifts: a.shifts.slice(0, 1) })),
    })),
    ...extra,
  };
}

/** The plan whose content a push commit wrote (every changed agent as that plan has it), if one of `plans`. */
function writtenBy(commit: CommitRecord, plans: Plan[]): string | undefined {
  if (commit.writer !== 'api' || commit.changes.length === 0) return undefined;
  return plans.find((plan) => {
    const schedule = plan.schedules.find((s) => s.scheduleId === commit.scheduleId);
    const planned = new Map(schedule?.agents.map((a) => [a.agentId, a.shifts]));
    return commit.changes.every((c) => {
      const shifts = planned.get(c.agentId);
      return shifts !== undefined && c.after !== null && sameShifts(c.after as Shift[], shifts);
    });
  })?.planId;
}

/** Per schedule, the plans that wrote it in commit order (a plan listed once per write). */
function writersBySchedule(commits: CommitRecord[], plans: Plan[]): Map<string, string[]> {
  const writers = new Map<string, string[]>();
  for (const commit of [...commits].sort((x, y) => x.seq - y.seq)) {
    const by = writtenBy(commit, plans);
    if (by === undefined) continue;
    writers.set(commit.scheduleId, [...(writers.get(commit.scheduleId) ?? []), by]);
  }
  return writers;
}

/** Does the schedule's document now hold every agent of the plan's schedule? */
function holds(commits: CommitRecord[], initialAgents: Map<string, Shift[]>, plan: Plan, scheduleId: string) {
  const state = new Map(initialAgents);
  for (const c of commits.filter((x) => x.scheduleId === scheduleId).sort((x, y) => x.seq - y.seq))
    for (const change of c.changes) state.set(change.agentId, (change.after ?? []) as Shift[]);
  const schedule = plan.schedules.find((s) => s.scheduleId === scheduleId);
  return (schedule?.agents ?? []).every((a) => sameShifts(state.get(a.agentId) ?? [], a.shifts));
}

describe('intraday re-plans: --supersede (real Temporal server, slow simulator)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await Harness.create();
  });
  afterEach(() => h.afterEach());
  afterAll(() => h.teardown());

  /** Every schedule's agents before any push, by schedule. */
  async function initialState(api: {
    initial(): Promise<Array<{ id: string; agents: Array<{ agentId: string; shifts: unknown }> }>>;
  }) {
    const initial = await api.initial();
    return new Map(
      initial.map((d) => [d.id, new Map(d.agents.map((a) => [a.agentId, a.shifts as Shift[]]))]),
    );
  }

  it('takes over a running push: the newest plan lands everywhere, the older push stops and says so', async () => {
    const {
      plan: a,
      ctx,
      simulator,
    } = await h.scenario('supersede', {
      schedules: 40,
      // A slow WFM, and another writer editing agents no plan names all along.
      simulator: { latencyMs: 500, noiseMs: 250 },
    });
    // B names every agent of A but the last of each schedule: what A wrote there stays as A wrote it.
    const b = replan(a);
    for (const s of b.schedules) s.agents = s.agents.slice(0, -1);
    const aStartedMs = Date.now();
    await submitPush(ctx, a, { maxInFlight: 3 });
    const doneBefore = await waitUntil('push A has finished a few schedules', async () => {
      const done = (await pushProgress(h.client, a.planId))?.totals.schedulesDone ?? 0;
      return done >= 3 && done;
    });
    const aRatePerMs = doneBefore / (Date.now() - aStartedMs);
    const commitsBeforeB = (await simulator.api.commits()).length;
    const bStartedMs = Date.now();
    await submitPush(ctx, b, { supersede: true });
    const reportB = await waitForReport(ctx, b.planId);
    const bTookMs = Date.now() - bStartedMs;
    const reportA = await waitForReport(ctx, a.planId);

    // B lands every schedule, and A's report shows what B took over, by B's plan ID.
    expect(reportB).toMatchObject({
      state: 'completed',
      totals: { schedules: 40, schedulesDone: 40, schedulesFailed: 0, agentsPlanned: 160 },
    });
    const superseded = reportA.schedules.filter((s) => s.outcome === 'superseded');
    expect(superseded.length).toBeGreaterThanOrEqual(40 - doneBefore - 6);
    expect(superseded.every((s) => s.supersededBy === b.planId)).toBe(true);
    expect(reportA.totals.schedulesSuperseded).toBe(superseded.length);
    expect(reportA.totals.schedulesFailed).toBe(0);
    expect(reportA.totals.schedulesDone + superseded.length).toBe(40);
    expect(reportA.totals.agentsSuperseded).toBe(
      superseded.reduce((n, s) => n + s.agentsPlanned - s.agentsChanged - s.agentsAlreadyInPlace, 0),
    );

    // B did not wait for A: it took less than half the time A would have needed for what it had left.
    const aNeededMs = (40 - doneBefore) / aRatePerMs;
    expect(bTookMs).toBeLessThan(aNeededMs / 2);

    const commits = await simulator.api.commits();
    const writers = writersBySchedule(commits, [a, b]);
    for (const schedule of a.schedules) {
      const by = writers.get(schedule.scheduleId) ?? [];
      // No write of A after B's first write on the same schedule; B's content is what the schedule holds.
      const firstB = by.indexOf(b.planId);
      expect({ scheduleId: schedule.scheduleId, firstB }).not.toMatchObject({ firstB: -1 });
      expect(by.slice(firstB)).not.toContain(a.planId);
      // The last push write is B's; that B's version holds B's plan (the other writer keeps editing after it) is
      // checked with the invariants below.
      expect(by.at(-1)).toBe(b.planId);
      // A write of A that landed was confirmed and counted in A's line before B wrote there.
      if (by.includes(a.planId)) {
        const line = reportA.schedules.find((s) => s.scheduleId === schedule.scheduleId);
        expect(line?.agentsChanged).toBeGreaterThan(0);
      }
    }
    // A's syncs in flight when B arrived went on to write (and were confirmed, above) before B wrote there.
    const aWritesAfterB = commits.filter(
      (c) => c.seq > commitsBeforeB && writtenBy(c, [a]) === a.planId,
    ).length;
    expect(aWritesAfterB).toBeGreaterThan(0);
    // Nothing another writer did was lost, and B's report is true (DESIGN.md's invariants, on the commit log).
    // For B, A's writes are another writer's: B never wrote an agent it does not name, A's included.
    const initialDocs = await simulator.api.initial();
    const aAsOtherWriter = commits.map((c) =>
      writtenBy(c, [a]) === a.planId ? { ...c, writer: 'manual' as const } : c,
    );
    expect(
      checkInvariants({ plan: b, initial: initialDocs, commits: aAsOtherWriter, results: reportB.schedules }),
    ).toEqual([]);
    expect(formatReport(reportA)).toContain(
      'those the newer plan does not name stay as this push wrote them',
    );
    // For A, B's writes are another writer's (what A wrote and B then rewrote is no write of A's twice).
    const asOtherWriter = commits.map((c) =>
      writtenBy(c, [b]) === b.planId ? { ...c, writer: 'manual' as const } : c,
    );
    expect(
      checkInvariants({ plan: a, initial: initialDocs, commits: asOtherWriter, results: reportA.schedules }),
    ).toEqual([]);

    // The older push's progress says it was superseded and by which plan; its agent report lists them.
    expect((await pushProgress(h.client, a.planId))?.supersededBy).toEqual([b.planId]);
  });

  it('a plan naming supersedes takes over that plan; a later push without either supersedes nothing', async () => {
    const {
      plan: a,
      ctx,
      simulator,
    } = await h.scenario('supersedes', {
      schedules: 6,
      simulator: { latencyMs: 400 },
    });
    const b = replan(a, { supersedes: a.planId });
    const c = replan(a);
    await submitPush(ctx, a, { maxInFlight: 1 });
    await waitUntil('push A has finished a schedule', async () => {
      const done = (await pushProgress(h.client, a.planId))?.totals.schedulesDone ?? 0;
      return done >= 1;
    });
    await submitPush(ctx, b);
    const reportB = await waitForReport(ctx, b.planId);
    const reportA = await waitForReport(ctx, a.planId);
    expect(reportB.totals).toMatchObject({ schedulesDone: 6, schedulesFailed: 0 });
    expect(reportA.totals.schedulesSuperseded).toBeGreaterThanOrEqual(3);

    // C names nothing and has no --supersede: it leaves nothing of B's superseded and simply pushes after it.
    await submitPush(ctx, c);
    const reportC = await waitForReport(ctx, c.planId);
    expect(reportC.totals).toMatchObject({ schedulesDone: 6, schedulesFailed: 0 });
    expect(reportC.totals.schedulesSuperseded).toBeUndefined();
    const again = await waitForReport(ctx, b.planId);
    expect(again.totals.schedulesSuperseded).toBeUndefined();
    expect(await h.violations(simulator.api, c, reportC)).toEqual([]);
  });

  it('two --supersede pushes racing each other end with the newest plan in place', async () => {
    const {
      plan: a,
      ctx,
      simulator,
    } = await h.scenario('race', {
      schedules: 12,
      simulator: { latencyMs: 400 },
    });
    const b = replan(a);
    // C: another re-plan, different again (every agent keeps only its second shift).
    const c: Plan = {
      planId: uniqueId('newest'),
      schedules: a.schedules.map((s) => ({
        ...s,
        agents: s.agents.map((x) => ({ agentId: x.agentId, shifts: x.shifts.slice(1, 2) })),
      })),
    };
    await submitPush(ctx, a, { maxInFlight: 2 });
    await waitUntil('push A has finished a schedule', async () => {
      const done = (await pushProgress(h.client, a.planId))?.totals.schedulesDone ?? 0;
      return done >= 1;
    });
    await submitPush(ctx, b, { supersede: true, maxInFlight: 4 });
    await submitPush(ctx, c, { supersede: true, maxInFlight: 4 });
    const [reportA, reportB, reportC] = await Promise.all([
      waitForReport(ctx, a.planId),
      waitForReport(ctx, b.planId),
      waitForReport(ctx, c.planId),
    ]);
    expect(reportC.totals).toMatchObject({ schedules: 12, schedulesDone: 12, schedulesFailed: 0 });
    expect(reportA.totals.schedulesFailed + reportB.totals.schedulesFailed).toBe(0);
    const commits = await simulator.api.commits();
    const initial = await initialState(simulator.api);
    const writers = writersBySchedule(commits, [a, b, c]);
    for (const schedule of a.schedules) {
      const by = writers.get(schedule.scheduleId) ?? [];
      const firstC = by.indexOf(c.planId);
      // Nothing older is written after the newest plan's first write, and the newest plan is what the schedule holds.
      expect(by.slice(Math.max(0, firstC))).not.toContain(a.planId);
      expect(by.slice(Math.max(0, firstC))).not.toContain(b.planId);
      expect(holds(commits, initial.get(schedule.scheduleId) ?? new Map(), c, schedule.scheduleId)).toBe(
        true,
      );
    }
    // A push never supersedes itself: every superseded line names another plan.
    for (const report of [reportA, reportB])
      for (const line of report.schedules.filter((s) => s.outcome === 'superseded'))
        expect(line.supersededBy).not.toBe(report.planId);
    expect(await h.violations(simulator.api, c, reportC)).toEqual([]);
  });
});
