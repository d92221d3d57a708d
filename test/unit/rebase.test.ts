import fc from 'fast-check';
import { rebase } from '../../wfm/rebase';
import { applyChanges } from '../../wfm/rest/apply-changes';
import type { ScheduleDocument } from '../../wfm/rest/schedule-document';
import { canonicalShifts, sameShifts, type Shift } from '../../model/shift';

const WEEK_START = Date.parse('2026-12-07T00:00:00Z');
const shiftArb: fc.Arbitrary<Shift> = fc.record({
  start: fc
    .integer({ min: 0, max: 7 * 24 * 4 })
    .map((q) => new Date(WEEK_START + q * 15 * 60_000).toISOString()),
  lengthMinutes: fc.integer({ min: 1, max: 1440 }),
  activityCode: fc.constantFrom('WORK', 'TRAINING', 'MEETING'),
});
const agentIds = fc.uniqueArray(fc.constantFrom(...Array.from({ length: 12 }, (_, i) => `a${i}`)), {
  maxLength: 12,
});

/** A server document with fields of its own, a plan over some agents (some the schedule lacks). */
const scenario = fc
  .record({
    present: agentIds,
    planned: agentIds,
    shifts: fc.array(fc.array(shiftArb, { maxLength: 3 }), { minLength: 24, maxLength: 24 }),
  })
  .map(({ present, planned, shifts }) => {
    const doc: ScheduleDocument = {
      id: 's-1',
      version: 4,
      weekStart: '2026-12-07',
      agents: present.map((agentId, i) => ({ agentId, workPlanId: `wp-${i}`, shifts: shifts[i] ?? [] })),
    };
    const plan = planned.map((agentId, i) => ({ agentId, shifts: shifts[12 + i] ?? [] }));
    return { doc, plan };
  });

const agentsOf = (doc: ScheduleDocument) => doc.agents.map((a) => ({ agentId: a.agentId, shifts: a.shifts }));

describe('rebase', () => {
  it('changes only planned agents and leaves every other agent exactly as the server has it', () => {
    fc.assert(
      fc.property(scenario, ({ doc, plan }) => {
        const { changes } = rebase(agentsOf(doc), plan);
        const next = applyChanges(doc, changes);
        const planned = new Set(plan.map((a) => a.agentId));
        for (const agent of doc.agents) {
          if (!planned.has(agent.agentId))
            expect(next.agents.find((a) => a.agentId === agent.agentId)).toBe(agent);
        }
        const { agents: _a, ...fieldsBefore } = doc;
        const { agents: _b, ...fieldsAfter } = next;
        expect(fieldsAfter).toEqual(fieldsBefore);
      }),
    );
  });

  it('brings every planned agent to exactly its planned shifts, keeping the agent’s other fields', () => {
    fc.assert(
      fc.property(scenario, ({ doc, plan }) => {
        const next = applyChanges(doc, rebase(agentsOf(doc), plan).changes);
        for (const agent of plan) {
          const written = next.agents.find((a) => a.agentId === agent.agentId);
          expect(sameShifts(written?.shifts ?? [], agent.shifts)).toBe(true);
          const before = doc.agents.find((a) => a.agentId === agent.agentId);
          if (before && written) expect(written.workPlanId).toBe(before.workPlanId);
        }
      }),
    );
  });

  it('is idempotent: rebasing onto its own result finds every planned agent in place', () => {
    fc.assert(
      fc.property(scenario, ({ doc, plan }) => {
        const next = applyChanges(doc, rebase(agentsOf(doc), plan).changes);
        const again = rebase(agentsOf(next), plan);
        expect(again.changes).toEqual([]);
        expect(again.inPlace.sort()).toEqual(plan.map((a) => a.agentId).sort());
      }),
    );
  });

  it('survives other writers: a rebase onto their edits keeps those edits', () => {
    fc.assert(
      fc.property(scenario, fc.array(shiftArb, { maxLength: 2 }), ({ doc, plan }, edit) => {
        // Another writer edits an unplanned agent between our read and our rebase.
        const planned = new Set(plan.map((a) => a.agentId));
        const victim = doc.agents.find((a) => !planned.has(a.agentId));
        fc.pre(victim !== undefined);
        const theirs = {
          ...doc,
          version: 5,
          agents: doc.agents.map((a) => (a === victim ? { ...a, shifts: edit } : a)),
        };
        const next = applyChanges(theirs, rebase(agentsOf(theirs), plan).changes);
        expect(next.agents.find((a) => a.agentId === victim?.agentId)?.shifts).toEqual(edit);
      }),
    );
  });

  it('counts an agent the schedule lacks, planned with no shifts, as already in place', () => {
    expect(rebase([], [{ agentId: 'new', shifts: [] }])).toEqual({
      changes: [],
      inPlace: ['new'],
      newerEdits: [],
      collisions: [],
      editedAfterWrite: [],
    });
  });

  it('compares shifts as instants, whatever the offset notation and order', () => {
    const a: Shift[] = [
      { start: '2026-12-07T09:00:00+08:00', lengthMinutes: 480, activityCode: 'WORK' },
      { start: '2026-12-08T01:00:00Z', lengthMinutes: 60, activityCode: 'WORK' },
    ];
    const b = [...canonicalShifts(a)].reverse();
    expect(rebase([{ agentId: 'x', shifts: b }], [{ agentId: 'x', shifts: a }])).toEqual({
      changes: [],
      inPlace: ['x'],
      newerEdits: [],
      collisions: [],
      editedAfterWrite: [],
    });
  });
});

describe('a server document that lists an agent twice', () => {
  const planned = [
    {
      agentId: 'a-1',
      shifts: [{ start: '2026-12-07T01:00:00.000Z', lengthMinutes: 60, activityCode: 'WORK' }],
    },
  ];
  const twice: ScheduleDocument = {
    id: 's-1',
    version: 3,
    agents: [
      { agentId: 'a-1', shifts: planned[0]?.shifts ?? [] },
      { agentId: 'a-1', shifts: [] },
    ],
  };

  it('is written once, with the plan in every entry, and is in place afterwards', () => {
    const first = rebase(twice.agents, planned);
    expect(first.changes.map((c) => c.agentId)).toEqual(['a-1']);
    const written = applyChanges(twice, first.changes);
    expect(written.agents.map((a) => a.shifts)).toEqual([planned[0]?.shifts, planned[0]?.shifts]);
    expect(rebase(written.agents, planned)).toEqual({
      changes: [],
      inPlace: ['a-1'],
      newerEdits: [],
      collisions: [],
      editedAfterWrite: [],
    });
  });
});

describe('an agent this push already wrote', () => {
  const plan = [
    { agentId: 'a', shifts: [{ start: '2026-03-02T08:00:00Z', lengthMinutes: 480, activityCode: 'W' }] },
  ];
  const edited = [
    { agentId: 'a', shifts: [{ start: '2026-03-02T08:15:00Z', lengthMinutes: 480, activityCode: 'W' }] },
  ];

  it('is left as someone edited it since, under every policy: writing it again would apply the plan twice', () => {
    for (const policy of ['plan-wins', 'keep-theirs', 'fail'] as const)
      expect(rebase(edited, plan, policy, new Set(['a']))).toMatchObject({
        changes: [],
        newerEdits: [],
        editedAfterWrite: ['a'],
      });
  });

  it('is in place when it still holds the plan, and written when the push did not write it', () => {
    expect(rebase(plan, plan, 'keep-theirs', new Set(['a'])).inPlace).toEqual(['a']);
    expect(rebase(edited, plan, 'keep-theirs').changes).toHaveLength(1);
  });
});

/** `sameShifts` compares meanings without writing canonical forms out: it must agree with comparing those forms. */
describe('shift comparison', () => {
  const withOffset = (iso: string, hours: number) => {
    const local = new Date(Date.parse(iso) + hours * 3_600_000).toISOString().slice(0, 19);
    const sign = hours < 0 ? '-' : '+';
    return `${local}${sign}${String(Math.abs(hours)).padStart(2, '0')}:00`;
  };
  /** A shift, sometimes with a break laid over it. */
  const shiftWithBreaks: fc.Arbitrary<Shift> = fc
    .record({
      shift: shiftArb,
      breakAt: fc.option(fc.integer({ min: 0, max: 23 })),
      code: fc.constantFrom('BREAK', 'WORK'),
    })
    .map(({ shift, breakAt, code }) => {
      const slots = Math.floor(shift.lengthMinutes / 15);
      if (breakAt === null || slots < 2) return shift;
      const at = Date.parse(shift.start) + (breakAt % slots) * 15 * 60_000;
      return {
        ...shift,
        activities: [{ start: new Date(at).toISOString(), lengthMinutes: 15, activityCode: code }],
      };
    });
  /** The same shifts written another way: another order, another offset, a plain shift as one whole activity. */
  const rewritten = (shifts: Shift[], hours: number, whole: boolean): Shift[] =>
    [...shifts].reverse().map((s) => ({
      ...s,
      start: withOffset(s.start, hours),
      ...(whole && !s.activities
        ? {
            activityCode: 'OTHER',
            activities: [{ start: s.start, lengthMinutes: s.lengthMinutes, activityCode: s.activityCode }],
          }
        : {}),
    }));
  const formsOf = (shifts: Shift[]) => JSON.stringify(canonicalShifts(shifts));
  /** The same shifts but for their breaks: each break gone (often the only difference left). */
  const withoutBreaks = (shifts: Shift[]): Shift[] => shifts.map(({ activities: _, ...s }) => s);

  it('agrees with comparing canonical forms, for the same shifts rewritten and for different ones', () => {
    fc.assert(
      fc.property(
        fc.array(shiftWithBreaks, { maxLength: 5 }),
        fc.array(shiftWithBreaks, { maxLength: 5 }),
        fc.integer({ min: -11, max: 12 }),
        fc.boolean(),
        (a, other, hours, whole) => {
          const b = rewritten(a, hours, whole);
          expect(sameShifts(a, b)).toBe(true);
          expect(sameShifts(a, b)).toBe(formsOf(a) === formsOf(b));
          expect(sameShifts(a, other)).toBe(formsOf(a) === formsOf(other));
          expect(sameShifts(a, withoutBreaks(b))).toBe(formsOf(a) === formsOf(withoutBreaks(b)));
        },
      ),
      { numRuns: 500 },
    );
  });
});
