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
      'a break inside',
      {
        startDate: '2026-03-02T14:00:00Z',
        lengthMinutes: 480,
        activities: [
          at('2026-03-02T14:00:00Z', 240),
          at('2026-03-02T18:00:00Z', 30, '1'),
          at('2026-03-02T18:30:00Z', 210),
        ],
      },
      'shift has 3 activities',
    ],
    [
      'an activity starting late',
      {
        startDate: '2026-03-02T14:00:00Z',
        lengthMinutes: 480,
        activities: [at('2026-03-02T14:15:00Z', 480)],
      },
      'activity does not span the shift',
    ],
    [
      'an activity ending early',
      {
        startDate: '2026-03-02T14:00:00Z',
        lengthMinutes: 480,
        activities: [at('2026-03-02T14:00:00Z', 470)],
      },
      'activity does not span the shift',
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
