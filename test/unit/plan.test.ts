import { parsePlan } from '../../client/plan-file';

const shift = (start: string, lengthMinutes = 480, activityCode = 'WORK') => ({
  start,
  lengthMinutes,
  activityCode,
});
const validPlan = {
  planId: 'p-1',
  schedules: [
    {
      scheduleId: 's-1',
      agents: [
        { agentId: 'a-1', shifts: [shift('2026-12-07T09:00:00+08:00'), shift('2026-12-08T09:00:00+08:00')] },
        { agentId: 'a-2', shifts: [] },
      ],
    },
    {
      scheduleId: 's-2',
      agents: [{ agentId: 'a-1', shifts: [shift('2026-12-07T01:00:00Z', 60, 'TRAINING')] }],
    },
  ],
};

function problemsOf(value: unknown): Record<string, string> {
  const result = parsePlan(typeof value === 'string' ? value : JSON.stringify(value));
  if (result.ok) throw new Error('expected the plan to be refused');
  return Object.fromEntries(result.problems.map((p) => [p.path, p.message]));
}

describe('plan validation', () => {
  it('accepts a valid plan and keeps its planId', () => {
    const result = parsePlan(JSON.stringify(validPlan));
    expect(result).toMatchObject({ ok: true, plan: { planId: 'p-1', schedules: validPlan.schedules } });
  });

  it('names a plan without planId by its content, the same way every time', () => {
    const { planId: _drop, ...withoutId } = validPlan;
    const a = parsePlan(JSON.stringify(withoutId));
    const b = parsePlan(JSON.stringify(withoutId, null, 2));
    const other = parsePlan(JSON.stringify({ schedules: validPlan.schedules.slice(1) }));
    expect(a.ok && b.ok && other.ok).toBe(true);
    if (a.ok && b.ok && other.ok) {
      expect(a.plan.planId).toMatch(/^plan-[0-9a-f]{16}$/);
      expect(b.plan.planId).toBe(a.plan.planId);
      expect(other.plan.planId).not.toBe(a.plan.planId);
    }
  });

  it('refuses malformed JSON', () => {
    expect(problemsOf('{"schedules": [')).toEqual({ '(file)': expect.stringContaining('not valid JSON') });
  });

  it('names every problem by its path, all at once', () => {
    const bad = structuredClone(validPlan) as any;
    bad.schedules[0].agents[0].shifts[1].lengthMinutes = 0; // out of range
    bad.schedules[0].agents[0].shifts[0].start = '2026-12-07 9am'; // unparseable instant
    bad.schedules[0].agents[1].agentId = 42; // wrong type
    bad.schedules[1].scheduleId = 's-1'; // schedule listed twice
    const problems = problemsOf(bad);
    expect(Object.keys(problems).sort()).toEqual([
      'schedules[0].agents[0].shifts[0].start',
      'schedules[0].agents[0].shifts[1].lengthMinutes',
      'schedules[0].agents[1].agentId',
      'schedules[1].scheduleId',
    ]);
    expect(problems['schedules[1].scheduleId']).toContain('listed twice (first at schedules[0])');
  });

  it('refuses an agent listed twice in one schedule', () => {
    const bad = structuredClone(validPlan);
    bad.schedules[0]!.agents[1]!.agentId = 'a-1';
    expect(problemsOf(bad)).toEqual({
      'schedules[0].agents[1].agentId': expect.stringContaining('listed twice'),
    });
  });

  it('refuses overlapping shifts of one agent, and allows back-to-back shifts', () => {
    const bad = structuredClone(validPlan);
    bad.schedules[0]!.agents[0]!.shifts = [
      shift('2026-12-07T09:00:00+08:00', 480),
      shift('2026-12-07T16:00:00+08:00', 60),
    ];
    expect(problemsOf(bad)).toEqual({
      'schedules[0].agents[0].shifts[1]': expect.stringContaining('overlaps shifts[0]'),
    });
    const ok = structuredClone(validPlan);
    ok.schedules[0]!.agents[0]!.shifts = [
      shift('2026-12-07T09:00:00+08:00', 480),
      shift('2026-12-07T17:00:00+08:00', 60),
    ];
    expect(parsePlan(JSON.stringify(ok)).ok).toBe(true);
  });

  it('takes activities inside a shift, and refuses one outside it or two that overlap, by path', () => {
    const ok = structuredClone(validPlan) as any;
    ok.schedules[0].agents[0].shifts = [
      {
        ...shift('2026-12-07T09:00:00+08:00', 480),
        activities: [
          { start: '2026-12-07T12:00:00+08:00', lengthMinutes: 60, activityCode: 'meal' },
          { start: '2026-12-07T15:00:00+08:00', lengthMinutes: 15, activityCode: 'break' },
        ],
      },
    ];
    expect(parsePlan(JSON.stringify(ok)).ok).toBe(true);

    const bad = structuredClone(ok);
    bad.schedules[0].agents[0].shifts[0].activities = [
      { start: '2026-12-07T16:30:00+08:00', lengthMinutes: 60, activityCode: 'meal' },
      { start: '2026-12-07T12:00:00+08:00', lengthMinutes: 60, activityCode: 'meal' },
      { start: '2026-12-07T12:30:00+08:00', lengthMinutes: 15, activityCode: 'break' },
    ];
    expect(problemsOf(bad)).toEqual({
      'schedules[0].agents[0].shifts[0].activities[0]': 'lies outside its shift',
      'schedules[0].agents[0].shifts[0].activities[2]': 'overlaps activities[1]',
    });
    const typo = structuredClone(ok);
    typo.schedules[0].agents[0].shifts[0].activities[1].note = 'x';
    expect(problemsOf(typo)).toEqual({
      'schedules[0].agents[0].shifts[0].activities[1]': expect.stringContaining('note'),
    });
  });

  it('refuses lengths out of 1..1440, instants without offset, unknown keys and empty plans', () => {
    const bad = structuredClone(validPlan) as any;
    bad.schedules[0].agents[0].shifts[0].lengthMinutes = 1441;
    bad.schedules[0].agents[0].shifts[1].start = '2026-12-08T09:00:00';
    bad.schedules[1].agents[0].shifts[0].lenghtMinutes = 60;
    const problems = problemsOf(bad);
    expect(Object.keys(problems).sort()).toEqual([
      'schedules[0].agents[0].shifts[0].lengthMinutes',
      'schedules[0].agents[0].shifts[1].start',
      'schedules[1].agents[0].shifts[0]',
    ]);
    expect(problems['schedules[1].agents[0].shifts[0]']).toContain('lenghtMinutes');
    expect(problemsOf({ schedules: [] })).toEqual({
      schedules: expect.stringContaining('at least one schedule'),
    });
  });

  it('holds every ID to one grammar: no dot segments, no long, invisible or non-ASCII IDs', () => {
    const withIds = (planId: string, scheduleId: string, agentId: string) => ({
      planId,
      schedules: [{ scheduleId, agents: [{ agentId, shifts: [] }] }],
    });
    expect(Object.keys(problemsOf(withIds('..', '.', 'a\u200b1')))).toEqual([
      'planId',
      'schedules[0].scheduleId',
      'schedules[0].agents[0].agentId',
    ]);
    expect(problemsOf(withIds('p', 'x'.repeat(240), 'a'))).toEqual({
      'schedules[0].scheduleId': expect.stringContaining('1-128 ASCII letters'),
    });
    // The NFD form of "é" (e + combining accent) and the NFC form are both refused, never taken as two agents.
    expect(Object.keys(problemsOf(withIds('p', 's', 'caf\u0065\u0301')))).toEqual([
      'schedules[0].agents[0].agentId',
    ]);
    expect(Object.keys(problemsOf(withIds('p', 's', 'caf\u00e9')))).toEqual([
      'schedules[0].agents[0].agentId',
    ]);
    expect(
      parsePlan(
        JSON.stringify(withIds('week-49:v2', 'c0a8f8e2-1d3b-4f6a-9e1b-2b3c4d5e6f70', 'ann@example.com')),
      ),
    ).toMatchObject({ ok: true });
  });

  it('takes IDs that differ only in letter case as the same schedule or agent', () => {
    const plan = {
      schedules: [
        {
          scheduleId: 'S-1',
          agents: [
            { agentId: 'A-1', shifts: [] },
            { agentId: 'a-1', shifts: [] },
          ],
        },
        { scheduleId: 's-1', agents: [{ agentId: 'a-2', shifts: [] }] },
      ],
    };
    expect(problemsOf(plan)).toEqual({
      'schedules[0].agents[1].agentId': expect.stringContaining('listed twice'),
      'schedules[1].scheduleId': expect.stringContaining('listed twice'),
    });
  });

  it('refuses a plan over the size or schedule limits before looking further', () => {
    const text = JSON.stringify(validPlan);
    expect(parsePlan(text, { maxPlanBytes: 100, maxSchedules: 10 })).toMatchObject({
      ok: false,
      problems: [{ path: '(file)', message: expect.stringContaining('WFM_PUSH_MAX_PLAN_BYTES') }],
    });
    expect(parsePlan(text, { maxPlanBytes: 10_000, maxSchedules: 1 })).toMatchObject({
      ok: false,
      problems: [
        { path: 'schedules', message: expect.stringContaining('2 schedules, more than the 1 allowed') },
      ],
    });
  });
});

describe('plans for Genesys Cloud (WFM_API_STYLE=genesys)', () => {
  const schedule = {
    scheduleId: '4b3e8b4a-6f37-4d1e-9c56-0d2f7c1b9a11',
    agents: [{ agentId: 'e1b2c3d4-0000-4000-8000-000000000001', shifts: [] }],
  };

  it('needs every schedule to name its business unit and week, by path', () => {
    const result = parsePlan(JSON.stringify({ schedules: [schedule] }), undefined, 'genesys');
    expect(result).toMatchObject({
      ok: false,
      problems: [
        { path: 'schedules[0].businessUnitId', message: 'required when WFM_API_STYLE=genesys' },
        { path: 'schedules[0].weekId', message: 'required when WFM_API_STYLE=genesys' },
      ],
    });
    const addressed = { ...schedule, businessUnitId: 'bu-sg', weekId: '2026-12-07' };
    expect(parsePlan(JSON.stringify({ schedules: [addressed] }), undefined, 'genesys')).toMatchObject({
      ok: true,
    });
  });

  it('refuses a week that is not a date, and keeps the REST plan shape unchanged', () => {
    const bad = { ...schedule, businessUnitId: 'bu-sg', weekId: 'week 49' };
    expect(parsePlan(JSON.stringify({ schedules: [bad] }), undefined, 'genesys')).toMatchObject({
      ok: false,
      problems: [{ path: 'schedules[0].weekId', message: expect.stringContaining('YYYY-MM-DD') }],
    });
    expect(parsePlan(JSON.stringify({ schedules: [schedule] }))).toMatchObject({ ok: true });
  });
});
