import { formatAgentReport } from '../../client/agent-report';
import { formatReport, progressLine } from '../../client/report-format';
import { agentOutcomes } from '../../model/agent-outcome';
import { buildAgentReport } from '../../model/agent-report';
import { planProblems } from '../../model/plan';
import { buildReport, emptyScheduleResult, emptyTotals, pushOutcomeOf } from '../../model/report';
import { supersedes, type PushIdentity } from '../../model/supersede';

describe('intraday re-plans: who supersedes whom', () => {
  const older: PushIdentity = { planId: 'p-0900', submittedAtMs: 1_000 };
  const newer: PushIdentity = { planId: 'p-0930', submittedAtMs: 2_000, supersede: true };

  it('a later-submitted plan that asks takes over; one that does not ask never does', () => {
    expect(supersedes(newer, older)).toBe(true);
    expect(supersedes({ ...newer, supersede: false }, older)).toBe(false);
    expect(supersedes({ ...newer, supersede: false, supersedes: 'p-0900' }, older)).toBe(true);
    expect(supersedes({ ...newer, supersede: false, supersedes: 'p-0800' }, older)).toBe(false);
  });

  it('never an older plan, never a push itself; of two racing, only the newer wins (ties by plan ID)', () => {
    expect(supersedes({ ...older, supersede: true }, newer)).toBe(false);
    expect(supersedes(newer, { ...newer })).toBe(false);
    const a = { planId: 'a', submittedAtMs: 5, supersede: true };
    const b = { planId: 'b', submittedAtMs: 5, supersede: true };
    expect([supersedes(a, b), supersedes(b, a)]).toEqual([false, true]);
  });

  it("never takes over another tenant's push: the same schedule ID in two organisations is two schedules", () => {
    expect(supersedes({ ...newer, tenant: 'acme' }, { ...older, tenant: 'acme' })).toBe(true);
    expect(supersedes({ ...newer, tenant: 'acme' }, { ...older, tenant: 'globex' })).toBe(false);
    expect(supersedes({ ...newer, tenant: 'acme' }, older)).toBe(false);
    expect(supersedes(newer, { ...older, tenant: 'acme' })).toBe(false);
  });

  it('refuses a plan that names itself in supersedes, by path', () => {
    const plan = {
      planId: 'p-1',
      supersedes: 'p-1',
      schedules: [{ scheduleId: 's-1', agents: [{ agentId: 'a-1', shifts: [] }] }],
    };
    expect(planProblems(plan).problems).toEqual([
      { path: 'supersedes', message: expect.stringContaining('cannot supersede itself') },
    ]);
    expect(planProblems({ ...plan, supersedes: 'p-0' }).problems).toEqual([]);
  });
});

describe('superseded schedules in totals, reports and progress', () => {
  const superseded = {
    ...emptyScheduleResult('s-2', 10),
    outcome: 'superseded' as const,
    failure: undefined,
    supersededBy: 'p-0930',
    agentsChanged: 4,
    writes: 1,
    requests: 2,
  };
  const landed = {
    ...emptyScheduleResult('s-1', 5),
    outcome: 'landed' as const,
    agentsChanged: 5,
    writes: 1,
  };
  const report = buildReport(
    'p-0900',
    'completed',
    [
      { scheduleId: 's-1', agents: 5 },
      { scheduleId: 's-2', agents: 10 },
    ],
    [landed, superseded],
  );

  it('counts them apart from done, failed and not started, with what was written', () => {
    expect(report.totals).toMatchObject({
      schedulesDone: 1,
      schedulesFailed: 0,
      agentsFailed: 0,
      schedulesSuperseded: 1,
      agentsSuperseded: 6,
      agentsChanged: 9,
      writes: 2,
      requests: 2,
    });
    expect(report.totals.schedulesNotStarted).toBeUndefined();
    expect(pushOutcomeOf(report.totals)).toBe('superseded');
    expect(pushOutcomeOf({ ...emptyTotals(1, 1), schedulesDone: 1 })).toBe('landed');
  });

  it('the report says by which plan, and that what it wrote stays unless the newer plan names it', () => {
    const text = formatReport(report);
    expect(text).toContain('SUPERSEDED: 1 schedule(s) taken over by a newer plan, the others in place');
    expect(text).toContain('1 superseded (taken over by a newer plan)');
    expect(text).toContain('Superseded (1): taken over by plan p-0930');
    expect(text).toContain('It had written 4 agent(s) of them; those the newer plan does not name stay');
  });

  it('agents the push had not written are superseded, by the newer plan; those it wrote are applied', () => {
    const outcomes = agentOutcomes({
      agentIds: ['a-1', 'a-2', 'a-3'],
      applied: '1',
      inPlace: '',
      supersededBy: 'p-0930',
    });
    expect(outcomes.map((o) => o.outcome)).toEqual(['applied', 'superseded', 'superseded']);
    const agents = buildAgentReport(
      'p-0900',
      'completed',
      [{ scheduleId: 's-2', agentIds: ['a-1', 'a-2', 'a-3'] }],
      [{ ...superseded, agents: outcomes }],
    );
    expect(agents.counts).toMatchObject({ applied: 1, superseded: 2 });
    expect(formatAgentReport(agents)).toContain('2 superseded (left to the newer plan');
    expect(formatAgentReport(agents)).toContain('superseded by plan p-0930 before this push wrote it');
    // A push no newer plan took over has no superseded count at all.
    expect(buildAgentReport('p', 'completed', [], []).counts).not.toHaveProperty('superseded');
  });

  it('watch says the push was superseded and by which plan', () => {
    const line = progressLine(
      {
        planId: 'p-0900',
        totals: report.totals,
        inFlight: 0,
        waitingForOtherPush: 0,
        paused: false,
        cursor: 2,
        run: 1,
        startedAtMs: 0,
        supersededBy: ['p-0930'],
      },
      10_000,
    );
    expect(line).toContain('SUPERSEDED by plan p-0930: 1 schedules taken over');
  });
});
