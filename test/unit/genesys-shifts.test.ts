import fc from 'fast-check';
import { sameShifts, type Shift } from '../../model/shift';
import { updateShiftSchema } from '../../wfm/genesys/schemas';
import { agentShiftsFromGenesys, genesysShiftFrom, shiftFromGenesys } from '../../wfm/genesys/shifts';

const MIN_MS = Date.parse('2000-01-01T00:00:00Z');
const MAX_MS = Date.parse('2099-12-31T00:00:00Z');

/** An instant written with a UTC offset of -14:00 to +14:00, as a plan may write it. */
function withOffset(ms: number, offsetMinutes: number): string {
  const local = new Date(ms + offsetMinutes * 60_000).toISOString().slice(0, -1);
  const sign = offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(offsetMinutes);
  return `${local}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

const anyShift: fc.Arbitrary<Shift> = fc.record({
  start: fc
    .tuple(fc.integer({ min: MIN_MS, max: MAX_MS }), fc.integer({ min: -14 * 60, max: 14 * 60 }))
    .map(([ms, offset]) => withOffset(ms, offset)),
  lengthMinutes: fc.integer({ min: 1, max: 1440 }),
  activityCode: fc.string({ minLength: 1 }),
});

/** A shift with up to three activities laid over it, inside it and apart (as a valid plan has them). */
const anyShiftWithActivities: fc.Arbitrary<Shift> = fc
  .record({
    startMs: fc.integer({ min: MIN_MS, max: MAX_MS }).map((ms) => ms - (ms % 60_000)),
    lengthMinutes: fc.integer({ min: 3, max: 1440 }),
    activityCode: fc.constantFrom('work', 'phone'),
    cuts: fc.uniqueArray(fc.integer({ min: 0, max: 1440 }), { maxLength: 6 }),
    codes: fc.array(fc.constantFrom('break', 'meal', 'work'), { minLength: 3, maxLength: 3 }),
  })
  .map(({ startMs, lengthMinutes, activityCode, cuts, codes }) => {
    const points = [...new Set(cuts.map((c) => c % (lengthMinutes + 1)))].sort((a, b) => a - b);
    const activities = [];
    for (let k = 0; k + 1 < points.length && activities.length < 3; k += 2) {
      const [from, to] = [points[k] ?? 0, points[k + 1] ?? 0];
      if (to > from)
        activities.push({
          start: new Date(startMs + from * 60_000).toISOString(),
          lengthMinutes: to - from,
          activityCode: codes[activities.length] ?? 'break',
        });
    }
    return { start: new Date(startMs).toISOString(), lengthMinutes, activityCode, activities };
  });

describe('Genesys shift conversion', () => {
  it('keeps every shift through Genesys and back, whatever its offset', () => {
    fc.assert(
      fc.property(anyShift, (shift) => {
        const genesys = genesysShiftFrom(shift);
        const back = shiftFromGenesys(genesys);
        expect(back.ok).toBe(true);
        if (back.ok) expect(sameShifts([back.shift], [shift])).toBe(true);
      }),
    );
  });

  it('writes one activity spanning the shift, in UTC, in a shape the update accepts', () => {
    fc.assert(
      fc.property(anyShift, (shift) => {
        const genesys = genesysShiftFrom(shift);
        expect(updateShiftSchema.parse(genesys)).toEqual(genesys);
        expect(genesys.startDate).toMatch(/Z$/);
        expect(Date.parse(genesys.startDate)).toBe(Date.parse(shift.start));
        expect(genesys.activities).toEqual([
          {
            startDate: genesys.startDate,
            lengthMinutes: shift.lengthMinutes,
            activityCodeId: shift.activityCode,
            description: '',
          },
        ]);
      }),
    );
  });

  it('writes the instant as Genesys does, without milliseconds it does not need', () => {
    const genesys = genesysShiftFrom({
      start: '2026-03-02T09:00:00+08:00',
      lengthMinutes: 480,
      activityCode: '0',
    });
    expect(genesys).toEqual({
      startDate: '2026-03-02T01:00:00Z',
      lengthMinutes: 480,
      activities: [
        { startDate: '2026-03-02T01:00:00Z', lengthMinutes: 480, activityCodeId: '0', description: '' },
      ],
      // "Only set by clients and used for rescheduling": a later reschedule run keeps what the push wrote.
      manuallyEdited: true,
    });
  });

  const at = (startDate: string, lengthMinutes: number, activityCodeId = '0') => ({
    startDate,
    lengthMinutes,
    activityCodeId,
  });
  it.each([
    [
      'no activity',
      { startDate: '2026-03-02T14:00:00Z', lengthMinutes: 480, activities: [] },
      'shift has no activity',
    ],
    [
      'two overlapping activities',
      {
        startDate: '2026-03-02T14:00:00Z',
        lengthMinutes: 480,
        activities: [at('2026-03-02T14:00:00Z', 250), at('2026-03-02T18:00:00Z', 240, '1')],
      },
      'activities overlap',
    ],
    [
      'an activity starting late',
      {
        startDate: '2026-03-02T14:00:00Z',
        lengthMinutes: 480,
        activities: [at('2026-03-02T14:15:00Z', 465)],
      },
      'activities leave part of the shift uncovered',
    ],
    [
      'an activity ending early',
      {
        startDate: '2026-03-02T14:00:00Z',
        lengthMinutes: 480,
        activities: [at('2026-03-02T14:00:00Z', 470)],
      },
      'activities do not end with the shift',
    ],
    [
      'a length the model refuses',
      {
        startDate: '2026-03-02T14:00:00Z',
        lengthMinutes: 1500,
        activities: [at('2026-03-02T14:00:00Z', 1500)],
      },
      'not a valid shift (lengthMinutes)',
    ],
  ])('reads a shift with %s as no project shift', (_name, shift, reason) => {
    expect(shiftFromGenesys(shift)).toEqual({ ok: false, reason });
  });

  it('reads a shift with a break inside as the shift with its activities', () => {
    const reading = shiftFromGenesys({
      startDate: '2026-03-02T14:00:00Z',
      lengthMinutes: 480,
      activities: [
        at('2026-03-02T18:00:00Z', 30, 'break'),
        at('2026-03-02T14:00:00Z', 240),
        at('2026-03-02T18:30:00Z', 210),
      ],
    });
    expect(reading.ok).toBe(true);
    if (!reading.ok) return;
    // The plan may write the same shift as a day of code 0 with a break laid over it.
    const planned: Shift = {
      start: '2026-03-02T22:00:00+08:00',
      lengthMinutes: 480,
      activityCode: '0',
      activities: [{ start: '2026-03-03T02:00:00+08:00', lengthMinutes: 30, activityCode: 'break' }],
    };
    expect(sameShifts([reading.shift], [planned])).toBe(true);
    expect(sameShifts([reading.shift], [{ ...planned, activities: [] }])).toBe(false);
  });

  it('keeps a shift with activities through Genesys and back, its activities covering it end to end', () => {
    fc.assert(
      fc.property(anyShiftWithActivities, (shift) => {
        const genesys = genesysShiftFrom(shift);
        expect(updateShiftSchema.parse(genesys)).toEqual(genesys);
        let at = Date.parse(genesys.startDate);
        for (const a of genesys.activities) {
          expect(Date.parse(a.startDate)).toBe(at);
          at += a.lengthMinutes * 60_000;
        }
        expect(at).toBe(Date.parse(genesys.startDate) + shift.lengthMinutes * 60_000);
        const back = shiftFromGenesys(genesys);
        expect(back.ok).toBe(true);
        if (back.ok) expect(sameShifts([back.shift], [shift])).toBe(true);
      }),
    );
  });

  it("reads an agent's shifts, naming the ones it cannot represent", () => {
    const result = agentShiftsFromGenesys({
      shifts: [
        {
          id: 'shift-1',
          startDate: '2026-03-02T14:00:00.000Z',
          lengthMinutes: 480,
          activities: [at('2026-03-02T14:00:00Z', 480, 'code-7')],
        },
        { id: 'shift-2', startDate: '2026-03-03T14:00:00Z', lengthMinutes: 480, activities: [] },
      ],
    });
    expect(result).toEqual({
      shifts: [{ start: '2026-03-02T14:00:00Z', lengthMinutes: 480, activityCode: 'code-7' }],
      unrepresentable: [{ shiftId: 'shift-2', reason: 'shift has no activity' }],
    });
  });
});
