import { formatDriftReport, vsPlan } from '../../client/drift-format';
import type { DriftReport } from '../../model/drift';

const work = (start: string, lengthMinutes = 480, activityCode = 'WORK') => ({
  start,
  lengthMinutes,
  activityCode,
});

describe('the drift report a person reads', () => {
  it('says how the live shifts differ from the plan, matched by start as diff matches them', () => {
    const planned = [work('2026-12-07T09:00:00+08:00'), work('2026-12-08T09:00:00+08:00')];
    expect(vsPlan(planned, [work('2026-12-07T01:00:00.000Z', 240), work('2026-12-08T01:00:00.000Z')])).toBe(
      '1 changed: 2026-12-07T09:00+08:00 480m WORK now 2026-12-07T01:00Z 240m WORK',
    );
    expect(vsPlan(planned, [work('2026-12-07T01:00:00.000Z')])).toBe(
      '1 missing: planned 2026-12-08T09:00+08:00 480m WORK gone',
    );
    expect(vsPlan([], [work('2026-12-09T01:00:00.000Z', 60, 'TRAINING')])).toBe(
      '1 extra: extra 2026-12-09T01:00Z 60m TRAINING',
    );
  });

  it('adds a "vs plan" column when it has the plan', () => {
    const report = {
      planId: 'p',
      schedulesChecked: 1,
      agentsChecked: 2,
      requests: 1,
      checkedAt: '2026-12-07T00:00:00Z',
      schedulesNotLanded: 0,
      drifted: [{ scheduleId: 's', agentId: 'a', liveShifts: [] }],
      unreadable: [],
    } as unknown as DriftReport;
    const text = formatDriftReport(report, () => [work('2026-12-07T09:00:00+08:00')]);
    expect(text).toMatch(/schedule +agent +vs plan +live shifts now/);
    expect(text).toContain('1 missing: planned 2026-12-07T09:00+08:00 480m WORK gone');
    expect(formatDriftReport(report)).not.toContain('vs plan');
  });
});
