import { agentOutcomes } from '../../model/agent-outcome';
import { planProblems } from '../../model/plan';
import { readAgent } from '../../wfm/genesys/agent-reading';
import { agentScheduleSchema } from '../../wfm/genesys/schemas';
import { diffSchedule } from '../../wfm/plan-diff';
import { rebase } from '../../wfm/rebase';

/** An agent's Genesys schedule as a query returns it: Monday's shift half time off, a full-day time off on Tuesday. */
const agent = agentScheduleSchema.parse({
  user: { id: 'a-1' },
  metadata: { version: 4 },
  shifts: [
    {
      id: 'mon',
      startDate: '2026-03-02T14:00:00Z',
      lengthMinutes: 480,
      activities: [
        { startDate: '2026-03-02T14:00:00Z', lengthMinutes: 240, activityCodeId: '0' },
        {
          startDate: '2026-03-02T18:00:00Z',
          lengthMinutes: 240,
          activityCodeId: '2',
          timeOffRequestId: 'tor-1',
        },
      ],
    },
    {
      id: 'wed',
      startDate: '2026-03-04T14:00:00Z',
      lengthMinutes: 480,
      activities: [{ startDate: '2026-03-04T14:00:00Z', lengthMinutes: 480, activityCodeId: '0' }],
    },
  ],
  fullDayTimeOffMarkers: [
    { businessUnitDate: '2026-03-03', lengthMinutes: 480, activityCodeId: '2', timeOffRequestId: 'tor-2' },
  ],
});

describe('time nobody but its owner may change (approved time off, booked activities)', () => {
  it('reads a shift holding approved time off as protected and never writable, and a full-day marker by its zone', () => {
    const reading = readAgent(agent, 'America/Chicago');
    expect(reading.writableShiftIds).toEqual(['wed']);
    expect(reading.shifts).toHaveLength(1);
    expect(reading.protectedTime).toEqual([
      { kind: 'time-off', start: '2026-03-02T14:00:00Z', end: '2026-03-02T22:00:00Z', ref: 'tor-1' },
      // Midnight to midnight in Chicago (UTC-6 in March before daylight saving starts).
      {
        kind: 'full-day-time-off',
        start: '2026-03-03T06:00:00Z',
        end: '2026-03-04T06:00:00Z',
        day: '2026-03-03',
        ref: 'tor-2',
      },
    ]);
  });

  it('writes a plan around protected time, and leaves an agent whose plan overlaps it, with the reason', () => {
    const { shifts, protectedTime } = readAgent(agent, 'America/Chicago');
    const live = [{ agentId: 'a-1', shifts, protectedTime }];
    const around = [
      { agentId: 'a-1', shifts: [{ start: '2026-03-05T14:00:00Z', lengthMinutes: 480, activityCode: '0' }] },
    ];
    expect(rebase(live, around).changes).toHaveLength(1);
    const onLeave = [
      { agentId: 'a-1', shifts: [{ start: '2026-03-03T14:00:00Z', lengthMinutes: 480, activityCode: '0' }] },
    ];
    const rebased = rebase(live, onLeave, 'plan-wins');
    expect(rebased.changes).toEqual([]);
    expect(rebased.collisions).toEqual([
      { agentId: 'a-1', protectedTime: expect.objectContaining({ ref: 'tor-2' }), collisions: 1 },
    ]);
    const [outcome] = agentOutcomes({
      agentIds: ['a-1'],
      applied: '',
      inPlace: '',
      collisions: new Map(rebased.collisions.map(({ agentId, ...c }) => [agentId, c])),
    });
    expect(outcome?.outcome).toBe('protected');
    expect(outcome?.protectedTime?.reason).toBe(
      'the plan overlaps approved full-day time off (time-off request tor-2) on 2026-03-03; left as it is, nothing written',
    );
    const diff = diffSchedule({ scheduleId: 's', version: '1', agents: live }, onLeave, 'keep-theirs');
    expect(diff.agents[0]).toMatchObject({
      push: 'protected',
      protectedTime: outcome?.protectedTime?.reason,
    });
    expect(diff.counts.agentsProtected).toBe(1);
  });

  it('refuses publish in a plan for the REST contract, by its path', () => {
    const plan = { schedules: [{ scheduleId: 's', publish: true, agents: [{ agentId: 'a', shifts: [] }] }] };
    expect(planProblems(plan, 'rest').problems).toEqual([
      { path: 'schedules[0].publish', message: 'only WFM_API_STYLE=genesys publishes schedules' },
    ]);
  });
});
