import { parsePlan } from '../../client/plan-file';
import {
  maskCount,
  maskHas,
  maskIntersection,
  maskOf,
  maskUnion,
  maskWith,
  maskWithout,
} from '../../model/agent-mask';
import { agentOutcomes } from '../../model/agent-outcome';
import { buildAgentReport } from '../../model/agent-report';
import { addToTotals, emptyScheduleResult, emptyTotals } from '../../model/report';
import { inPlaceAtLastRead, keptAtLastRead, settledResult } from '../../model/schedule-line';
import { emptyProgress } from '../../model/sync-progress';
import type { Shift } from '../../model/shift';
import { shiftChanges } from '../../wfm/plan-diff';
import { rebase } from '../../wfm/rebase';

const shift = (start: string, activityCode = 'WORK'): Shift => ({ start, lengthMinutes: 480, activityCode });
const seen = [shift('2026-12-07T01:00:00Z')];
const planned = [shift('2026-12-07T03:00:00Z')];
const theirs = [shift('2026-12-07T01:15:00Z')];

describe('rebase with basedOn (the overwrite policy)', () => {
  const plan = [{ agentId: 'a', shifts: planned, basedOn: { shifts: seen } }];

  it('writes an agent that still holds what the plan was based on', () => {
    expect(rebase([{ agentId: 'a', shifts: seen }], plan, 'fail')).toMatchObject({
      changes: [{ agentId: 'a' }],
      newerEdits: [],
      collisions: [],
      editedAfterWrite: [],
    });
  });

  it('leaves an agent edited since the plan under keep-theirs and fail, and says what it holds', () => {
    for (const [policy, action] of [
      ['keep-theirs', 'kept'],
      ['fail', 'refused'],
    ] as const) {
      const r = rebase([{ agentId: 'a', shifts: theirs }], plan, policy);
      expect(r.changes).toEqual([]);
      expect(r.newerEdits).toEqual([
        { agentId: 'a', liveShifts: [{ ...theirs[0], start: '2026-12-07T01:15:00.000Z' }], action },
      ]);
    }
  });

  it('overwrites it under plan-wins, and still reports the edit', () => {
    const r = rebase([{ agentId: 'a', shifts: theirs }], plan, 'plan-wins');
    expect(r.changes.map((c) => c.agentId)).toEqual(['a']);
    expect(r.newerEdits).toMatchObject([{ agentId: 'a', action: 'overwritten' }]);
  });

  it('counts an agent that already holds the plan as in place, whatever it was based on', () => {
    expect(rebase([{ agentId: 'a', shifts: planned }], plan, 'fail')).toEqual({
      changes: [],
      inPlace: ['a'],
      newerEdits: [],
      collisions: [],
      editedAfterWrite: [],
    });
  });

  it('compares the Genesys agent version when the plan gives one', () => {
    const versioned = [{ agentId: 'a', shifts: planned, basedOn: { shifts: seen, version: 3 } }];
    expect(rebase([{ agentId: 'a', shifts: seen, version: '3' }], versioned).changes).toHaveLength(1);
    // Same shifts, newer version: someone edited something of the agent's schedule since.
    expect(rebase([{ agentId: 'a', shifts: seen, version: '4' }], versioned).newerEdits).toMatchObject([
      { agentId: 'a', liveVersion: '4', action: 'kept' },
    ]);
  });

  it('without basedOn, writes the agent as before', () => {
    expect(
      rebase([{ agentId: 'a', shifts: theirs }], [{ agentId: 'a', shifts: planned }], 'fail').changes,
    ).toHaveLength(1);
  });
});

describe('agent masks', () => {
  it('hold, join, remove and count agents by plan index', () => {
    const m = maskWith('', [0, 5, 9]);
    expect([0, 1, 5, 9, 10, 400].map((i) => maskHas(m, i))).toEqual([true, false, true, true, false, false]);
    expect(maskCount(maskUnion(m, maskWith('', [1, 5])))).toBe(4);
    expect(maskCount(maskWithout(m, [5]))).toBe(2);
    expect(maskCount(maskIntersection(m, maskWith('', [5, 9, 12])))).toBe(2);
    expect(maskOf(['a', 'b', 'c'], ['c', 'x'])).toBe('4');
    // 500 agents fit in 125 characters.
    expect(
      maskWith(
        '',
        Array.from({ length: 500 }, (_, i) => i),
      ),
    ).toHaveLength(125);
  });
});

describe('per-agent outcomes', () => {
  /** Agents a–d written, in place, kept as someone edited them, and failed. */
  const ONE_OF_EACH = [
    ['a', 'applied'],
    ['b', 'already-in-place'],
    ['c', 'kept-theirs'],
    ['d', 'failed'],
  ];
  it('name every planned agent once, and a failed sync gives the others its reason', () => {
    const failure = { type: 'Rejected', message: 'schedule s does not exist' };
    const outcomes = agentOutcomes({
      agentIds: ['a', 'b', 'c', 'd'],
      applied: maskWith('', [0]),
      inPlace: maskWith('', [1]),
      newerEdits: new Map([['c', { liveShifts: theirs, action: 'kept' as const }]]),
      failure,
    });
    expect(outcomes.map((o) => [o.agentId, o.outcome])).toEqual(ONE_OF_EACH);
    expect(outcomes[3]?.failure).toEqual(failure);
  });

  it('a failed sync keeps its kept agents kept: from the mask its progress carries, in the outcomes and the totals', () => {
    const failure = { type: 'Contention', message: '5 consecutive version conflicts' };
    const progress = {
      ...emptyProgress(),
      appliedMask: maskWith('', [0]),
      inPlaceMask: maskWith('', [0, 1]),
      keptMask: maskWith('', [2]),
      agentsKeptTheirs: 1,
    };
    const outcomes = agentOutcomes({
      agentIds: ['a', 'b', 'c', 'd'],
      applied: progress.appliedMask,
      inPlace: progress.inPlaceMask,
      kept: progress.keptMask,
      failure,
    });
    expect(outcomes.map((o) => [o.agentId, o.outcome])).toEqual(ONE_OF_EACH);
    expect(outcomes[2]?.failure).toBeUndefined();

    const line = {
      ...emptyScheduleResult('s', 4),
      outcome: 'failed' as const,
      agentsChanged: 1,
      agentsAlreadyInPlace: inPlaceAtLastRead(progress),
      agentsKeptTheirs: keptAtLastRead(progress),
      failure,
    };
    expect(addToTotals(emptyTotals(1, 4), line)).toMatchObject({
      agentsChanged: 1,
      agentsAlreadyInPlace: 1,
      agentsKeptTheirs: 1,
      agentsFailed: 1,
      schedulesFailed: 1,
    });
  });

  it('a settled line adds up: changed + in place + kept + refused = planned', () => {
    const line = settledResult(emptyScheduleResult('s', 5), {
      ...emptyProgress(),
      agentsChanged: 2,
      appliedMask: maskWith('', [0, 1]),
      agentsKeptTheirs: 1,
      agentsNewerEditRefused: 1,
      versionNow: '7',
    });
    expect(line).toMatchObject({
      outcome: 'failed',
      agentsChanged: 2,
      agentsAlreadyInPlace: 1,
      agentsKeptTheirs: 1,
      failure: { type: 'NewerEdit' },
    });
  });

  it('the agent report lists agents of schedules never started as not started (not failed), once the push has ended', () => {
    const report = buildAgentReport(
      'p',
      'cancelled',
      [
        { scheduleId: 's', agentIds: ['a', 'b'] },
        { scheduleId: 't', agentIds: ['c'] },
      ],
      [],
      new Set(['t']),
    );
    expect(report.counts).toEqual({
      applied: 0,
      'already-in-place': 0,
      'kept-theirs': 0,
      protected: 0,
      failed: 0,
      'not-started': 2,
      'in-flight': 1,
    });
    expect(buildAgentReport('p', 'completed', [], []).counts).not.toHaveProperty('not-started');
    expect(report.agents[0]).toMatchObject({
      scheduleId: 's',
      agentId: 'a',
      outcome: 'not-started',
      failure: { type: 'NotStarted' },
    });
    expect(report.agents[2]).toEqual({ scheduleId: 't', agentId: 'c', outcome: 'in-flight' });
  });
});

describe('plan basedOn', () => {
  const plan = (basedOn: unknown) =>
    JSON.stringify({
      planId: 'p',
      schedules: [{ scheduleId: 's', agents: [{ agentId: 'a', shifts: planned, basedOn }] }],
    });

  it('is accepted with shifts, and with a version in genesys mode', () => {
    expect(parsePlan(plan({ shifts: seen })).ok).toBe(true);
    const genesys = JSON.stringify({
      planId: 'p',
      schedules: [
        {
          scheduleId: 's',
          businessUnitId: 'bu',
          weekId: '2026-12-07',
          agents: [{ agentId: 'a', shifts: planned, basedOn: { shifts: seen, version: 2 } }],
        },
      ],
    });
    expect(parsePlan(genesys, undefined, 'genesys').ok).toBe(true);
  });

  it('is refused with every problem named by its path', () => {
    const result = parsePlan(plan({ shift: seen, version: -1 }));
    expect(result.ok).toBe(false);
    const paths = result.ok ? [] : result.problems.map((p) => p.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        'schedules[0].agents[0].basedOn.shifts',
        'schedules[0].agents[0].basedOn',
        'schedules[0].agents[0].basedOn.version',
      ]),
    );
  });

  it('refuses a per-agent version with the REST contract, which has none', () => {
    const result = parsePlan(plan({ shifts: seen, version: 3 }));
    expect(result.ok ? [] : result.problems).toEqual([
      {
        path: 'schedules[0].agents[0].basedOn.version',
        message: expect.stringContaining('only WFM_API_STYLE=genesys') as unknown as string,
      },
    ]);
  });
});

describe('shift changes in a diff', () => {
  it('matches shifts by start: added, replaced (also for a break laid over it) and removed', () => {
    const at = (h: number) => `2026-12-07T0${h}:00:00.000Z`;
    const live = [shift(at(1)), shift(at(2)), shift(at(3))];
    const withBreak = {
      ...shift(at(2)),
      activities: [{ start: '2026-12-07T04:00:00Z', lengthMinutes: 30, activityCode: 'BREAK' }],
    };
    const changes = shiftChanges(live, [shift(at(1)), withBreak, shift(at(4))]);
    expect(changes.added.map((s) => s.start)).toEqual([at(4)]);
    expect(changes.replaced.map((r) => r.live.start)).toEqual([at(2)]);
    expect(changes.removed.map((s) => s.start)).toEqual([at(3)]);
  });
});
